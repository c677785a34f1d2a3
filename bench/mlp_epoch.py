"""One MLP epoch on full Fashion-MNIST: dlcourse's in-memory batches vs the seed notes' DataLoader loop.

Both sides train the same 784-512-128-10 ReLU MLP with SGD (lr 0.1), batch size 128, for one
epoch over all 60,000 training images, on the same device, measured one after the other in this
run. The seed-style side is the loop of the source notes: ``torchvision.datasets.FashionMNIST``
with ``transforms.ToTensor()`` and ``Normalize``, a ``DataLoader(shuffle=True)``, and ``.to(device)``
per batch. Run:  python bench/mlp_epoch.py [--repeats 3] [--workers 0 2]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torchvision import datasets, transforms

from dlcourse import data
from dlcourse.device import describe, get_device
from dlcourse.seed import seed_everything
from dlcourse.train import fit


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10))


def torchvision_copy(tmp: Path) -> Path:
    """Put the located IDX files where torchvision's FashionMNIST class expects them (uncompressed)."""
    raw = tmp / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for stem, path in data.locate(data.FASHION_MNIST).items():
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as src, open(raw / stem, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return tmp


def seed_style_epoch(root: Path, device: torch.device, workers: int) -> float:
    """The source notes' loop; returns seconds for one epoch (data loading included)."""
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean=0.5, std=0.5)])
    trainset = datasets.FashionMNIST(root=str(root), train=True, download=False, transform=transform)
    loader = torch.utils.data.DataLoader(trainset, batch_size=128, shuffle=True, num_workers=workers)
    model = mlp().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def dlcourse_epoch(dataset: data.Dataset, device: torch.device) -> float:
    """The same epoch with dlcourse.train.fit on tensors already in memory."""
    model = mlp().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    start = time.perf_counter()
    fit(model, optimizer, dataset.train, epochs=1, batch_size=128, progress=False, verbose=False)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per side; the median is reported")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2], help="DataLoader num_workers to try")
    args = parser.parse_args()
    seed_everything(0, deterministic=False)
    device = get_device()
    print(f"device: {describe(device)}; torch {torch.__version__}")
    dataset = data.load(device=device)
    ours = sorted(dlcourse_epoch(dataset, device) for _ in range(args.repeats))[args.repeats // 2]
    print(f"dlcourse fit, in-memory batches:        {ours:7.2f} s/epoch")
    with tempfile.TemporaryDirectory() as tmp:
        root = torchvision_copy(Path(tmp))
        for workers in args.workers:
            theirs = sorted(seed_style_epoch(root, device, workers) for _ in range(args.repeats))[args.repeats // 2]
            print(f"seed-style DataLoader(ToTensor()), num_workers={workers}: {theirs:7.2f} s/epoch  "
                  f"-> dlcourse is {theirs / ours:.1f}x faster")


if __name__ == "__main__":
    main()
