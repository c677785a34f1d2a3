"""Benchmarks, measured side by side in one run: ``dlcourse bench``.

- ``mlp``: one epoch of the 784-512-128-10 MLP on all 60,000 training images (SGD with momentum 0.9,
  batch 128), with ``dlcourse.train.fit`` on tensors in memory and with the source notes' loop:
  ``FashionMNIST(transform=Compose([ToTensor(), Normalize]))`` + ``DataLoader(shuffle=True)`` + ``.to(device)``
  per batch. Same model, batch size, optimizer and device; only the data pipeline differs. Reading
  the files (``data.load``, the torchvision dataset) happens once, outside the timed epochs, on both sides.
- ``cnn``: the same comparison for one epoch of ``dlcourse.models.small_cnn`` (chapter 7's network).
  The dlcourse side stores the model's weights channels-last, as chapter 7 does, and is timed a second
  time with mixed precision (``fit(amp=True)``), which is off everywhere else in the book.
- ``population``: 16 784-64-10 MLPs (``dlcourse.search.build_model``, chapter 8's trial model) trained
  one after another with ``fit`` and at once as a ``dlcourse.population`` (``torch.func.vmap``), from
  the same initial weights; they compute the same weights.
- ``book``: seconds per notebook of the last full ``pytest --nbval`` run (``chapters/_run_times.json``).

Each figure is the median of ``--repeats`` timed runs after one untimed warm-up. These are
benchmarks to read, not tests: nothing here passes or fails on a time.
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from dlcourse import data
from dlcourse.book import nbval_times
from dlcourse.config import TrainConfig
from dlcourse.device import describe, synchronize
from dlcourse.models import small_cnn
from dlcourse.population import Population, train_population
from dlcourse.search import build_model
from dlcourse.train import fit

BATCH_SIZE = 128


def mlp() -> nn.Module:
    """Chapter 0's MLP, 784-512-128-10 with ReLU."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10))


def median_seconds(run: Callable[[], object], device: torch.device, repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``run`` after one warm-up call, the device synchronized."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1 (timed runs after the warm-up), got {repeats}")
    run()
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torchvision_folder(tmp: Path) -> Path:
    """Copy the located Fashion-MNIST IDX files to where torchvision's ``FashionMNIST`` class reads them."""
    raw = tmp / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for stem, path in data.locate(data.FASHION_MNIST).items():
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as src, open(raw / stem, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return tmp


def seed_style_loader(root: Path, workers: int = 0) -> torch.utils.data.DataLoader:
    """The source notes' pipeline: per-image ToTensor and Normalize in a shuffling DataLoader."""
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean=0.5, std=0.5)])
    trainset = datasets.FashionMNIST(root=str(root), train=True, download=False, transform=transform)
    return torch.utils.data.DataLoader(trainset, batch_size=BATCH_SIZE, shuffle=True, num_workers=workers)


def seed_style_epoch(model: nn.Module, loader: torch.utils.data.DataLoader, device: torch.device) -> None:
    """One epoch of the source notes' loop: batches from the DataLoader, moved with .to(device) one by one."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()


def dlcourse_epoch(model: nn.Module, train: data.Split, amp: bool = False) -> None:
    """The same epoch with ``fit`` on tensors already on the model's device."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    fit(model, optimizer, train, epochs=1, batch_size=BATCH_SIZE, progress=False, verbose=False, amp=amp)


def epoch_comparison(name: str, train: data.Split, loader: torch.utils.data.DataLoader, device: torch.device,
                     repeats: int) -> list[dict]:
    """Seconds per epoch of ``name`` ("mlp" or "cnn") with dlcourse on ``train`` and with the seed-style loop
    on ``loader`` (the same images).

    The CNN gets a second row: dlcourse with ``fit(amp=True)`` (bfloat16 on a CPU, float16 on a GPU),
    against the same seed-style measurement.
    """
    layout = torch.channels_last if name == "cnn" else torch.contiguous_format  # as chapter 7 trains it
    build = {"mlp": mlp, "cnn": small_cnn}[name]
    ours = {}
    for amp in (False, True) if name == "cnn" else (False,):
        model = build().to(device, memory_format=layout)
        ours[amp] = median_seconds(lambda model=model, amp=amp: dlcourse_epoch(model, train, amp), device, repeats)
    theirs_model = build().to(device)
    theirs = median_seconds(lambda: seed_style_epoch(theirs_model, loader, device), device, repeats)
    return [{"benchmark": f"{name.upper()} epoch" + (", mixed precision" if amp else ""),
             "baseline": f"DataLoader(ToTensor()), {loader.num_workers} workers",
             "dlcourse_s": seconds, "baseline_s": theirs, "speedup": theirs / seconds} for amp, seconds in ours.items()]


def population_comparison(train: data.Split, device: torch.device, repeats: int, models: int = 16,
                          images: int = 20_000) -> dict:
    """Seconds for one epoch over the first ``images`` of ``train`` of ``models`` 784-64-10 MLPs, one by one
    with ``fit`` and as one population, each side starting from the same weights."""
    train = train[:images].to(device)
    lrs = torch.logspace(-2, -0.5, models).tolist()
    config = TrainConfig(hidden=64)  # build_model's MLP; its dropout defaults to 0 (the identity)

    def one_by_one() -> None:
        torch.manual_seed(0)
        for lr in lrs:
            model = build_model(config).to(device)
            fit(model, torch.optim.SGD(model.parameters(), lr=lr), train, batch_size=BATCH_SIZE,
                generator=torch.Generator().manual_seed(0), progress=False, verbose=False)

    def population() -> None:
        torch.manual_seed(0)
        models = [build_model(config).to(device) for _ in lrs]
        train_population(Population(models), train, lrs, batch_size=BATCH_SIZE,
                         generator=torch.Generator().manual_seed(0))

    sequential = median_seconds(one_by_one, device, repeats)
    together = median_seconds(population, device, repeats)
    return {"benchmark": f"{models} MLPs as a population", "baseline": "one by one with fit",
            "dlcourse_s": together, "baseline_s": sequential, "speedup": sequential / together}


def book_times(book_root: Path) -> dict | None:
    """The record of the last full nbval run, or None if the book has none yet."""
    path = Path(book_root) / "chapters" / "_run_times.json"
    return json.loads(path.read_text()) if path.is_file() else None


def report(rows: list[dict], device: torch.device) -> str:
    """The comparisons as a Markdown table, headed by the machine they ran on."""
    lines = [f"device: {describe(device)}, torch {torch.__version__}", "",
             "| benchmark | dlcourse | baseline | baseline time | speed-up |", "| --- | ---: | --- | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row['benchmark']} | {row['dlcourse_s']:.2f} s | {row['baseline']} | {row['baseline_s']:.2f} s | "
                     f"{row['speedup']:.1f}x |")
    return "\n".join(lines)


def run(only: list[str], repeats: int, device: torch.device, book_root: Path, workers: int = 0) -> str:
    """Run the chosen benchmarks and return the report to print."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1 (timed runs after the warm-up), got {repeats}")
    rows = []
    epochs = [name for name in only if name in ("mlp", "cnn")]
    if epochs or "population" in only:
        train = data.load(device=device).train  # read once, outside every timing
    if epochs:
        with tempfile.TemporaryDirectory() as tmp:
            loader = seed_style_loader(torchvision_folder(Path(tmp)), workers)  # built once, like data.load
            for name in epochs:
                rows.extend(epoch_comparison(name, train, loader, device, repeats))
    if "population" in only:
        rows.append(population_comparison(train, device, repeats))
    text = report(rows, device) if rows else ""
    if "book" in only:
        record = book_times(book_root)
        text += "\n\n" + (nbval_times.table(record) if record else
                          f"no record of a full nbval run under {book_root}/chapters; run `pytest` in the book's folder")
    return text.strip()

