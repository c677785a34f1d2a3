"""Datasets: find the IDX files of Fashion-MNIST or MNIST, check them, load them into tensors.

Where the files are looked for, in this order (the first folder holding all four files wins):

1. the ``root`` argument: when given, it is used or refused (an error naming what it lacks), never
   silently passed over for another folder,
2. the folder in ``$DLCOURSE_DATA``,
3. ``./data``,
4. system folders such as ``/usr/share/datasets/fashion-mnist`` (Debian package ``dataset-fashion-mnist``),
5. the user cache (``$XDG_CACHE_HOME/dlcourse`` or ``~/.cache/dlcourse``), downloading into it
   through torchvision if the files are not there yet.

In each folder both a flat layout (``folder/train-images-idx3-ubyte.gz``) and torchvision's
layout (``folder/FashionMNIST/raw/...``) are accepted, gzipped or not. Every file is checked
(IDX header, size, item count, and the MD5 of its contents where it is known) before use. A folder this
user may not read is skipped (and named if nothing is found). A download gives up when the server stays
silent for ``timeout`` seconds (``dlcourse data --fetch --timeout``; default 30).

The whole dataset is loaded once into float tensors, normalized once with the training set's
mean and standard deviation: ``x_normalized = (x / 255 - mean) / std``.
"""

from __future__ import annotations

import os
import socket
import urllib.error
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from dlcourse import idx

DATA_ENV_VAR = "DLCOURSE_DATA"
DOWNLOAD_TIMEOUT = 30  # seconds of silence from a download server before giving up

#: The four files of an MNIST-style dataset, by split: (images, labels).
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset's files must look like, and where else they may be found."""

    name: str
    title: str
    torchvision_class: str  # the torchvision.datasets class that downloads it, and its folder name
    classes: tuple[str, ...]
    sizes: dict[str, int]  # items per split
    md5: dict[str, str] = field(default_factory=dict)  # MD5 of each file's decompressed contents
    system_dirs: tuple[str, ...] = ()


FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST",
    torchvision_class="FashionMNIST",
    classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    sizes={"train": 60_000, "test": 10_000},
    md5={
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
    system_dirs=("/usr/share/datasets/fashion-mnist",),
)

MNIST = DatasetSpec(
    name="mnist",
    title="MNIST",
    torchvision_class="MNIST",
    classes=tuple(str(d) for d in range(10)),
    sizes={"train": 60_000, "test": 10_000},
    system_dirs=("/usr/share/datasets/mnist",),
)

DATASETS = {spec.name: spec for spec in (FASHION_MNIST, MNIST)}


class DatasetNotFoundError(FileNotFoundError):
    """None of the places searched holds the dataset, and it could not be downloaded."""


@dataclass(frozen=True)
class Split:
    """One split of a dataset: images ``x`` of shape ``(n, 1, 28, 28)`` and labels ``y`` of shape ``(n,)``."""

    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self) -> None:
        if self.x.shape[0] != self.y.shape[0]:
            raise ValueError(f"x has {self.x.shape[0]} items but y has {self.y.shape[0]}; they must match.")

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device: torch.device | str) -> Split:
        """A copy with both tensors on ``device`` (no copy if they are already there)."""
        return Split(self.x.to(device), self.y.to(device))

    def __getitem__(self, index: slice | torch.Tensor) -> Split:
        return Split(self.x[index], self.y[index])


@dataclass(frozen=True)
class Dataset:
    """A whole dataset in memory, with what is needed to show its images."""

    spec: DatasetSpec
    train: Split
    test: Split
    mean: float  # the training images' mean and standard deviation, in [0, 1] pixel units
    std: float
    source: Path  # the folder the files were read from

    @property
    def classes(self) -> tuple[str, ...]:
        return self.spec.classes

    def to(self, device: torch.device | str) -> Dataset:
        """A copy with every tensor on ``device``."""
        return replace(self, train=self.train.to(device), test=self.test.to(device))

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """Undo the normalization: pixel values back in [0, 1]."""
        return x * self.std + self.mean

    def __repr__(self) -> str:
        return (f"Dataset({self.spec.title}: train {tuple(self.train.x.shape)}, test {tuple(self.test.x.shape)}, "
                f"{len(self.classes)} classes, on {self.train.x.device}, from {self.source})")


def cache_dir() -> Path:
    """The user cache folder that downloads go to."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dlcourse"


def search_path(spec: DatasetSpec, root: str | Path | None = None) -> list[tuple[Path, str]]:
    """The folders searched for ``spec``'s files, in order, each with why it is searched."""
    places: list[tuple[Path, str]] = []
    if root is not None:
        places.append((Path(root), "root argument"))
    if os.environ.get(DATA_ENV_VAR):
        places.append((Path(os.environ[DATA_ENV_VAR]), f"${DATA_ENV_VAR}"))
    places.append((Path("data"), "./data"))
    places += [(Path(d), "system folder") for d in spec.system_dirs]
    places.append((cache_dir(), "user cache"))
    return places


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def find_files(spec: DatasetSpec, base: Path) -> dict[str, Path] | None:
    """The four files of ``spec`` under ``base`` (flat or torchvision layout), or None.

    Raises PermissionError if ``base`` cannot be searched, or a file found there cannot be read.
    """
    for folder in (base, base / spec.torchvision_class / "raw", base / spec.name):
        found = {stem: _find_file(folder, stem) for pair in FILES.values() for stem in pair}
        if all(found.values()):
            for path in found.values():
                with open(path, "rb"):  # readable by this user? (raises PermissionError if not)
                    pass
            return found  # type: ignore[return-value]
    return None


def _missing(base: Path) -> str:
    """Why ``base``, given explicitly as the root, holds no dataset: it is absent, or these files are."""
    if not base.exists():
        return "does not exist"
    if not base.is_dir():
        return "is not a folder"
    missing = [stem for pair in FILES.values() for stem in pair if _find_file(base, stem) is None]
    return f"does not hold all four files (missing: {', '.join(missing)}, gzipped or not)"


def read_split(spec: DatasetSpec, files: dict[str, Path], split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and check one split's images ``(n, 28, 28)`` and labels ``(n,)`` as uint8 arrays."""
    arrays = []
    for stem in FILES[split]:
        raw = idx.read_bytes(files[stem])
        known = spec.md5.get(stem)
        if known is not None and idx.md5(raw) != known:
            raise idx.IDXError(f"{files[stem]}: contents differ from the known {spec.title} file (MD5 mismatch); "
                               "delete it and fetch it again.")
        arrays.append(idx.parse(raw, files[stem]))
    images, labels = arrays
    n = spec.sizes[split]
    if images.shape != (n, 28, 28) or labels.shape != (n,):
        raise idx.IDXError(f"{spec.title} {split}: expected {n} images of 28x28 and {n} labels, found images "
                           f"{images.shape} and labels {labels.shape} in {files[FILES[split][0]].parent}.")
    if labels.max() >= len(spec.classes):
        raise idx.IDXError(f"{files[FILES[split][1]]}: label {labels.max()} is out of range for "
                           f"{len(spec.classes)} classes.")
    return images, labels


def download(spec: DatasetSpec, target: Path, timeout: float = DOWNLOAD_TIMEOUT) -> None:
    """Download ``spec`` through torchvision into ``target/<TorchvisionClass>/raw``, giving up on a server
    that stays silent for ``timeout`` seconds (torchvision itself would wait forever)."""
    import torchvision.datasets  # imported here: only needed for downloads

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # urllib, under torchvision, uses it for every connect and read
    try:
        getattr(torchvision.datasets, spec.torchvision_class)(root=str(target), train=True, download=True)
    finally:
        socket.setdefaulttimeout(previous)


def locate(spec: DatasetSpec, root: str | Path | None = None, allow_download: bool = True,
           timeout: float = DOWNLOAD_TIMEOUT) -> dict[str, Path]:
    """Find ``spec``'s files along :func:`search_path`, downloading into the cache as a last resort.

    An explicit ``root`` is used or refused: if it lacks the files, DatasetNotFoundError says which.
    Folders this user may not read are skipped, and named in the error if nothing is found.
    """
    places = search_path(spec, root)
    unreadable: dict[Path, str] = {}
    for base, why in places:
        try:
            files = find_files(spec, base)
        except PermissionError as err:
            unreadable[base] = f"permission denied: {err.filename}"
            files = None
        if files:
            return files
        if why == "root argument":
            problem = unreadable.get(base) or _missing(base)
            raise DatasetNotFoundError(
                f"{spec.title}: the folder given as root, {base.resolve()}, {problem}. Fix that folder"
                + (" (chmod -R a+rX on it, or ask its owner)" if base in unreadable else "")
                + ", or leave root (--root) out to search the usual places.")
    failure = "downloading was switched off (download=False)"
    if allow_download:
        try:
            download(spec, cache_dir(), timeout)
            files = find_files(spec, cache_dir())
            if files:
                return files
            failure = "the download finished but the files were not where torchvision puts them"
        except Exception as err:  # noqa: BLE001 - any failure here ends in the one error below
            reason = getattr(err, "reason", err) if isinstance(err, urllib.error.URLError) else err
            if isinstance(reason, TimeoutError):
                failure = (f"the download server did not answer within {timeout:g} s (a longer wait: "
                           "dlcourse data --fetch --timeout SECONDS, or data.load(timeout=...))")
            else:
                failure = f"the download into {cache_dir()} failed: {type(err).__name__}: {err}"
    tried = "\n".join(f"  - {base.resolve()} ({why})" + (f": {unreadable[base]}, skipped" if base in unreadable else "")
                      for base, why in places)
    names = ", ".join(f"{stem}.gz" for pair in FILES.values() for stem in pair)
    raise DatasetNotFoundError(
        f"{spec.title} was not found, and {failure}.\nLooked in:\n{tried}\n"
        f"Fix it in one of two ways:\n"
        f"  1. put the four files ({names}) in ./data or in a folder named by ${DATA_ENV_VAR}"
        + (" (on Debian/Ubuntu: sudo apt install dataset-fashion-mnist)" if spec is FASHION_MNIST else "")
        + (", or make the folders skipped above readable (chmod -R a+rX FOLDER)" if unreadable else "")
        + ";\n  2. connect to the internet and run: dlcourse data --fetch"
        + ("" if spec is FASHION_MNIST else f" --name {spec.name}")
    )


def load(
    name: str | DatasetSpec = "fashion-mnist",
    *,
    root: str | Path | None = None,
    device: torch.device | str = "cpu",
    normalize: bool = True,
    download: bool = True,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Dataset:
    """Load a whole dataset into memory as float tensors.

    Images become ``float32`` tensors of shape ``(n, 1, 28, 28)``; with ``normalize=True`` they are
    standardized with the training set's statistics, ``(x / 255 - mean) / std``, otherwise scaled to
    [0, 1]. Labels become ``int64`` tensors. Both end up on ``device``. ``timeout``: seconds a download
    server may stay silent before the download is given up.
    """
    if isinstance(name, DatasetSpec):
        spec = name
    elif name.lower() in DATASETS:
        spec = DATASETS[name.lower()]
    else:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {sorted(DATASETS)}.")
    files = locate(spec, root, allow_download=download, timeout=timeout)
    raw = {split: read_split(spec, files, split) for split in FILES}
    train_pixels = raw["train"][0]
    mean = float(train_pixels.mean() / 255) if normalize else 0.0
    std = float(train_pixels.std() / 255) if normalize else 1.0

    def to_split(images: np.ndarray, labels: np.ndarray) -> Split:
        x = torch.from_numpy(images).to(device).unsqueeze(1).float().div_(255).sub_(mean).div_(std)
        return Split(x, torch.from_numpy(labels.astype(np.int64)).to(device))

    return Dataset(spec, to_split(*raw["train"]), to_split(*raw["test"]), mean, std,
                   source=files[FILES["train"][0]].parent)


def train_val_split(split: Split, val_size: int | float = 0.1, seed: int = 0) -> tuple[Split, Split]:
    """Split ``split`` at random into a training part and a validation part.

    ``val_size`` is a count (int) or a fraction of the items (float in (0, 1)). The same ``seed``
    always gives the same split, whatever the device.
    """
    n = len(split)
    n_val = round(val_size * n) if isinstance(val_size, float) else val_size
    if not 0 < n_val < n:
        raise ValueError(f"val_size={val_size!r} leaves no items on one side of a split of {n} items.")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(split.x.device)
    return split[order[n_val:]], split[order[:n_val]]


def select_classes(split: Split, classes: Sequence[int]) -> Split:
    """The items whose label is in ``classes``, relabelled 0, 1, ... in the order ``classes`` lists them.

    ``select_classes(split, [5, 7])`` keeps sandals (new label 0) and sneakers (new label 1): the labels a
    network with a two-output head can learn.
    """
    classes = [int(c) for c in classes]
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes must be distinct, got {classes}")
    present = set(split.y.unique().tolist())
    missing = [c for c in classes if c not in present]
    if missing:
        raise ValueError(f"no items with label(s) {missing}; this split has labels {sorted(present)}")
    relabel = torch.full((int(split.y.max()) + 1,), -1, dtype=torch.long, device=split.y.device)
    relabel[torch.tensor(classes, device=split.y.device)] = torch.arange(len(classes), device=split.y.device)
    keep = relabel[split.y] >= 0
    return Split(split.x[keep], relabel[split.y[keep]])


def per_class(split: Split, n: int, seed: int = 0) -> Split:
    """``n`` items of every class, drawn at random without replacement (the same ``seed`` gives the same items).

    Useful for small-data experiments: ``per_class(train, 10)`` is a 10-shot training set.
    """
    order = torch.randperm(len(split), generator=torch.Generator().manual_seed(seed)).to(split.y.device)
    picked = []
    for c in split.y.unique().tolist():
        members = order[split.y[order] == c]
        if len(members) < n:
            raise ValueError(f"class {c} has only {len(members)} items, fewer than n={n}")
        picked.append(members[:n])
    return split[torch.cat(picked).sort().values]
