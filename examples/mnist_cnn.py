"""Train a small convolutional network on MNIST with numpygrad.

    python examples/mnist_cnn.py                 # conv5x5(16) -> pool -> conv5x5(32) -> pool -> MLP
    python examples/mnist_cnn.py --epochs 2 --limit 10000

Convolutions are vectorised (strided windows and one matrix product per layer),
so an epoch takes seconds to a minute on a laptop CPU rather than hours.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import numpygrad as npg
import numpygrad.nn.functional as F
from numpygrad import nn, optim
from numpygrad.data import DataLoader, Subset
from numpygrad.data.datasets import MNIST

REPO = Path(__file__).resolve().parents[1]
MEAN, STD = 0.1307, 0.3081  # MNIST pixel statistics, as in the classic PyTorch example


class LeNet(nn.Module):
    """Two 5x5 convolutions with max-pooling, then a two-layer classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5, padding=2)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: npg.Array) -> npg.Array:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.dropout(F.relu(self.fc1(x.reshape(x.shape[0], -1))))
        return self.fc2(x)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", type=Path, default=REPO / "data" / "mnist")
    p.add_argument("--checkpoint", type=Path, default=REPO / "checkpoints" / "mnist_cnn.npz")
    p.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    p.add_argument("--no-progress", action="store_true")
    return p.parse_args(argv)


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = total = 0
    with npg.no_grad():
        for images, labels in loader:
            correct += int((model((images - MEAN) / STD).argmax(axis=1) == labels).sum().item())
            total += labels.shape[0]
    model.train()
    return correct / total


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    npg.random.manual_seed(args.seed)
    train_set = MNIST(args.data, train=True)
    if args.limit:
        train_set = Subset(train_set, np.arange(args.limit))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=npg.random.Generator(args.seed))
    test_loader = DataLoader(MNIST(args.data, train=False), batch_size=500)
    model = LeNet()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                              steps_per_epoch=len(train_loader))
    print(model)
    accuracy = float("nan")
    t_start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch",
                   disable=args.no_progress, leave=False)
        for images, labels in bar:
            loss = F.cross_entropy(model((images - MEAN) / STD), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            if bar.n % 20 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
        train_time = time.perf_counter() - t0
        accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}  test accuracy {accuracy:.4f}  "
              f"({train_time:.1f} s)")
    args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    npg.save({"model": model.state_dict(), "epoch": args.epochs}, args.checkpoint)
    print(f"final test accuracy {accuracy:.4f} in {time.perf_counter() - t_start:.1f} s")
    return accuracy


if __name__ == "__main__":
    main()
