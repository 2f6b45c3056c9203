"""A PyTorch-style MNIST script that runs on numpygrad by changing only the imports.

The body below is written exactly as one would for PyTorch (it follows the
classic ``pytorch/examples`` MNIST script): ``nn.Module`` subclasses,
``F.relu``, ``F.log_softmax``, ``F.nll_loss``, ``StepLR``, ``model.train()`` /
``model.eval()``, ``torch.no_grad()`` and ``argmax(dim=1)``. Only the import
block differs (and the data source: numpygrad ships its own MNIST reader
instead of torchvision).

    python examples/pytorch_style.py --epochs 1
"""

import argparse
from pathlib import Path

# --- the only lines that differ from the PyTorch version ---------------------------------
import numpygrad as torch
import numpygrad.nn as nn
import numpygrad.nn.functional as F
import numpygrad.optim as optim
from numpygrad.data import DataLoader, Subset
from numpygrad.data.datasets import MNIST
from numpygrad.optim.lr_scheduler import StepLR

# ------------------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.dropout = nn.Dropout(0.2)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]"
                  f"\tLoss: {loss.item():.6f}")


def test(model, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    accuracy = correct / len(test_loader.dataset)
    print(f"Test set: Average loss: {test_loss:.4f}, Accuracy: {correct}/"
          f"{len(test_loader.dataset)} ({100.0 * accuracy:.0f}%)")
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description="PyTorch-style MNIST example")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--test-batch-size", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-interval", type=int, default=200)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[1] / "data" / "mnist")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    train_set = MNIST(args.data, train=True)
    test_set = MNIST(args.data, train=False)
    if args.limit:
        train_set = Subset(train_set, range(args.limit))
        test_set = Subset(test_set, range(min(args.limit, len(test_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size)

    model = Net()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        train(args, model, train_loader, optimizer, epoch)
        accuracy = test(model, test_loader)
        scheduler.step()
    return accuracy


if __name__ == "__main__":
    main()
