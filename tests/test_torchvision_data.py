"""dlcourse.torchvision_data: torchvision datasets over the files dlcourse.data finds, never downloading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.transforms as T

from dlcourse import data, torchvision_data
from tests.conftest import TINY, write_tiny


def test_builds_torchvision_layout_and_reads_the_same_images(isolated: Path):
    arrays = write_tiny(isolated / "files")
    dataset = torchvision_data.torchvision_dataset(TINY, train=True, transform=T.ToTensor(), root=isolated / "files")
    assert len(dataset) == TINY.sizes["train"]
    image, label = dataset[3]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    expected = torch.from_numpy(arrays["train-images-idx3-ubyte"][3]).float() / 255
    assert torch.allclose(image[0], expected)
    assert label == int(arrays["train-labels-idx1-ubyte"][3])
    test = torchvision_data.torchvision_dataset(TINY, train=False, root=isolated / "files")
    assert len(test) == TINY.sizes["test"]


def test_second_call_reuses_the_decompressed_files(isolated: Path):
    write_tiny(isolated / "files")
    folder = torchvision_data.torchvision_root(TINY, isolated / "files")
    raw = folder / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"
    first = raw.stat().st_mtime_ns
    assert torchvision_data.torchvision_root(TINY, isolated / "files") == folder
    assert raw.stat().st_mtime_ns == first
    assert not list(raw.parent.glob("*.partial"))


def test_never_downloads(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("torchvision_data must not download")

    monkeypatch.setattr(data, "download", no_download)
    with pytest.raises(data.DatasetNotFoundError, match="switched off"):
        torchvision_data.torchvision_root(TINY)


def test_labels_match_dlcourse_data(isolated: Path):
    write_tiny(isolated / "files", gz=False)
    tensors = data.load(TINY, root=isolated / "files")
    dataset = torchvision_data.torchvision_dataset(TINY, train=False, root=isolated / "files")
    assert np.array_equal(dataset.targets.numpy(), tensors.test.y.numpy())
