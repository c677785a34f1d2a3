"""The book's datasets as torchvision ``Dataset`` objects, read from the files ``dlcourse.data`` finds.

Chapter 0 first trains the way most PyTorch code does: ``torchvision.datasets.FashionMNIST`` with a
per-image ``transform`` and a ``DataLoader``. torchvision expects the decompressed IDX files in its own
folder layout (``<root>/FashionMNIST/raw/train-images-idx3-ubyte``) and would download them otherwise.
:func:`torchvision_root` builds that layout in the user cache from the files :func:`dlcourse.data.locate`
finds (``$DLCOURSE_DATA``, ``./data``, ``/usr/share/datasets/fashion-mnist``, ...), decompressing each
file once. Nothing here downloads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dlcourse import data, idx


def torchvision_root(name: str | data.DatasetSpec = "fashion-mnist", root: str | Path | None = None) -> Path:
    """A folder that holds ``name``'s decompressed IDX files in torchvision's layout; returns the folder.

    The files are found along :func:`dlcourse.data.search_path` (``root`` first) without downloading,
    and written, decompressed, to ``<cache>/torchvision/<TorchvisionClass>/raw/`` unless already there.
    """
    spec = name if isinstance(name, data.DatasetSpec) else data.DATASETS[name.lower()]
    files = data.locate(spec, root, allow_download=False)
    target = data.cache_dir() / "torchvision"
    raw = target / spec.torchvision_class / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for stem, path in files.items():
        contents = idx.read_bytes(path)  # decompressed if the file is gzipped
        out = raw / stem
        if out.is_file() and out.read_bytes() == contents:
            continue
        partial = out.with_name(f"{stem}.{os.getpid()}.partial")
        partial.write_bytes(contents)
        partial.replace(out)  # atomic: a concurrent reader never sees half a file
    return target


def torchvision_dataset(
    name: str | data.DatasetSpec = "fashion-mnist",
    *,
    train: bool = True,
    transform: Callable | None = None,
    root: str | Path | None = None,
):  # noqa: ANN201 - returns a torchvision dataset (torchvision is imported lazily)
    """``torchvision.datasets.FashionMNIST`` (or ``MNIST``) over the local files, with ``transform`` per image."""
    import torchvision.datasets

    spec = name if isinstance(name, data.DatasetSpec) else data.DATASETS[name.lower()]
    cls = getattr(torchvision.datasets, spec.torchvision_class)
    return cls(root=str(torchvision_root(spec, root)), train=train, transform=transform, download=False)
