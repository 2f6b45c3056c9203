"""Train a multilayer perceptron on MNIST with numpygrad (the project's main job).

    python examples/mnist_mlp.py                      # 784-256-128-10, ReLU, Adam
    python examples/mnist_mlp.py --epochs 3 --hidden 512 256 --lr 2e-3
    python examples/mnist_mlp.py --resume             # continue from the last checkpoint

Every epoch it prints the test accuracy and saves a checkpoint (model, optimizer,
scheduler, epoch and the shuffling generator) with ``numpygrad.save``; ``--resume``
continues exactly where the checkpoint left off. The MNIST files ship with the
repository in ``data/mnist``, so no network is needed.
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
from numpygrad.data import DataLoader
from numpygrad.data.datasets import MNIST

REPO = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", type=Path, default=REPO / "data" / "mnist")
    p.add_argument("--checkpoint", type=Path, default=REPO / "checkpoints" / "mnist_mlp.npz")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--limit", type=int, default=None,
                   help="train on the first N training images only (quick runs)")
    p.add_argument("--stop-after", type=int, default=None,
                   help="stop after this epoch (simulates an interruption; see --resume)")
    p.add_argument("--log-csv", type=Path, default=None,
                   help="append epoch,train_loss,test_accuracy,seconds rows to this file")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p.parse_args(argv)


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    """Fraction of correctly classified examples."""
    model.eval()
    correct = total = 0
    with npg.no_grad():
        for images, labels in loader:
            logits = model(images.reshape(images.shape[0], -1))
            correct += int((logits.argmax(axis=1) == labels).sum().item())
            total += labels.shape[0]
    model.train()
    return correct / total


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    npg.random.manual_seed(args.seed)
    train_set = MNIST(args.data, train=True)
    test_set = MNIST(args.data, train=False)
    if args.limit:
        train_set = npg.data.Subset(train_set, np.arange(args.limit))
    shuffle_gen = npg.random.Generator(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=shuffle_gen)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = nn.MLP([28 * 28, *args.hidden, 10])
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    start_epoch = 0
    if args.resume:
        state = npg.load(args.checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        shuffle_gen.set_state(state["generator"])
        start_epoch = int(state["epoch"])
        print(f"resumed from {args.checkpoint} after epoch {start_epoch}")

    print(model)
    accuracy = float("nan")
    t_start = time.perf_counter()
    for epoch in range(start_epoch, args.epochs):
        t0 = time.perf_counter()
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch",
                   disable=args.no_progress, leave=False)
        seen = 0
        loss_sum = 0.0
        for images, labels in bar:
            logits = model(images.reshape(images.shape[0], -1))
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += labels.shape[0]
            loss_sum += loss.item() * labels.shape[0]
            if bar.n % 20 == 0:
                rate = seen / (time.perf_counter() - t0)
                bar.set_postfix(loss=f"{loss.item():.4f}", img_per_s=f"{rate:,.0f}")
        scheduler.step()
        train_time = time.perf_counter() - t0
        accuracy = evaluate(model, test_loader)
        mean_loss = loss_sum / seen
        print(f"epoch {epoch + 1:2d}  loss {mean_loss:.4f}  test accuracy {accuracy:.4f}  "
              f"({train_time:.1f} s, {seen / train_time:,.0f} images/s)")
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        npg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "scheduler": scheduler.state_dict(), "generator": shuffle_gen.get_state(),
                  "epoch": epoch + 1}, args.checkpoint)
        if args.log_csv is not None:
            new = not args.log_csv.exists()
            with open(args.log_csv, "a") as f:
                if new:
                    f.write("epoch,train_loss,test_accuracy,seconds\n")
                f.write(f"{epoch + 1},{mean_loss:.6f},{accuracy:.6f},{train_time:.3f}\n")
        if args.stop_after is not None and epoch + 1 >= args.stop_after:
            break
    print(f"final test accuracy {accuracy:.4f} in {time.perf_counter() - t_start:.1f} s; "
          f"checkpoint: {args.checkpoint}")
    return accuracy


if __name__ == "__main__":
    main()
