import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets

from dlcourse import data, idx
from tests.conftest import TINY, write_tiny


def test_loads_from_root_flat_layout(isolated):
    arrays = write_tiny(isolated / "mine")
    dataset = data.load(TINY, root=isolated / "mine", download=False)
    assert dataset.source == isolated / "mine"
    assert dataset.train.x.shape == (30, 1, 28, 28) and dataset.train.x.dtype == torch.float32
    assert dataset.test.y.dtype == torch.int64
    assert torch.equal(dataset.test.y, torch.from_numpy(arrays["t10k-labels-idx1-ubyte"].astype(np.int64)))
    # normalized once with the training set's statistics: mean 0, std 1 on the training images
    assert abs(dataset.train.x.mean().item()) < 1e-5
    assert abs(dataset.train.x.std(unbiased=False).item() - 1) < 1e-4
    pixels = arrays["train-images-idx3-ubyte"] / 255
    assert dataset.mean == pytest.approx(pixels.mean()) and dataset.std == pytest.approx(pixels.std())
    restored = dataset.denormalize(dataset.train.x[:, 0]) * 255
    assert torch.allclose(restored.double(), torch.from_numpy(arrays["train-images-idx3-ubyte"]).double(), atol=1e-3)


def test_unnormalized_pixels_are_in_unit_range(isolated):
    write_tiny(isolated / "mine", gz=False)
    dataset = data.load(TINY, root=isolated / "mine", normalize=False, download=False)
    assert 0 <= dataset.train.x.min() and dataset.train.x.max() <= 1


def test_search_order_root_then_env_then_dot_data(isolated, monkeypatch):
    for folder in ("root", "env", "data", "data2/FashionMNIST/raw"):
        write_tiny(isolated / folder)
    monkeypatch.setenv("DLCOURSE_DATA", str(isolated / "env"))
    assert data.load(TINY, root=isolated / "root", download=False).source == isolated / "root"
    assert data.load(TINY, download=False).source == isolated / "env"
    monkeypatch.delenv("DLCOURSE_DATA")
    assert data.load(TINY, download=False).source == Path("data")
    # torchvision's layout under a root folder is found too
    assert data.load(TINY, root=isolated / "data2", download=False).source == isolated / "data2/FashionMNIST/raw"


def test_incomplete_folder_is_skipped(isolated):
    write_tiny(isolated / "data")
    (isolated / "data" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DatasetNotFoundError):
        data.load(TINY, download=False)


def test_not_found_lists_places_and_fixes(isolated, monkeypatch):
    monkeypatch.setenv("DLCOURSE_DATA", str(isolated / "nowhere"))
    with pytest.raises(data.DatasetNotFoundError) as info:
        data.load(TINY, download=False)
    message = str(info.value)
    assert "Tiny was not found, and downloading was switched off" in message
    for place in ("nowhere ($DLCOURSE_DATA)", "(./data)", "(user cache)"):
        assert place in message
    assert "1. put the four files" in message and "2. connect to the internet and run: dlcourse data --fetch" in message


def test_truncated_file_is_never_half_used(isolated):
    write_tiny(isolated / "data")
    path = isolated / "data" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(idx.IDXError, match="train-images-idx3-ubyte.gz"):
        data.load(TINY, download=False)


def test_wrong_item_count_is_rejected(isolated):
    folder = isolated / "data"
    write_tiny(folder)
    idx.write(folder / "train-labels-idx1-ubyte.gz", np.zeros(29, dtype=np.uint8))
    with pytest.raises(idx.IDXError, match="expected 30 images of 28x28 and 30 labels"):
        data.load(TINY, download=False)


def test_checksum_mismatch_is_rejected(isolated):
    arrays = write_tiny(isolated / "data")
    good = {stem: hashlib.md5(idx.read_bytes(isolated / "data" / f"{stem}.gz")).hexdigest() for stem in arrays}
    spec = data.DatasetSpec(**{**TINY.__dict__, "md5": good})
    assert len(data.load(spec, download=False).train) == 30
    spec = data.DatasetSpec(**{**TINY.__dict__, "md5": {**good, "t10k-images-idx3-ubyte": "0" * 32}})
    with pytest.raises(idx.IDXError, match="MD5 mismatch"):
        data.load(spec, download=False)


@pytest.fixture
def mirror(isolated: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 (a stand-in for the dataset's download mirror)."""
    folder = isolated / "mirror"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


def test_download_path_through_torchvision(isolated, mirror, monkeypatch):
    """The download branch, end to end, from a local mirror of small IDX files (no network)."""
    folder, url = mirror
    write_tiny(folder)
    resources = [(p.name, hashlib.md5(p.read_bytes()).hexdigest()) for p in sorted(folder.iterdir())]
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "mirrors", [url])
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "resources", resources)
    dataset = data.load(TINY)
    assert dataset.source == isolated / "cache" / "dlcourse" / "FashionMNIST" / "raw"
    assert len(dataset.train) == 30 and len(dataset.test) == 10
    # a second load finds the cached files without downloading again
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/unreachable/"])
    assert data.load(TINY).source == dataset.source


def test_failed_download_is_one_clear_error(isolated, mirror, monkeypatch):
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "mirrors", [mirror[1]])  # serves nothing: 404
    with pytest.raises(data.DatasetNotFoundError, match=r"the download into .* failed: RuntimeError"):
        data.load(TINY)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"Unknown dataset 'cifar'; choose one of \['fashion-mnist', 'mnist'\]"):
        data.load("cifar")


def test_train_val_split_is_disjoint_and_reproducible(isolated):
    write_tiny(isolated / "data")
    train = data.load(TINY, download=False).train
    tr, va = data.train_val_split(train, val_size=0.2, seed=1)
    assert (len(tr), len(va)) == (24, 6)
    rows = torch.cat([tr.x, va.x]).flatten(1)
    assert torch.unique(rows, dim=0).shape[0] == 30  # every item exactly once
    tr2, va2 = data.train_val_split(train, val_size=6, seed=1)
    assert torch.equal(va.y, va2.y) and torch.equal(tr.x, tr2.x)
    with pytest.raises(ValueError, match="leaves no items"):
        data.train_val_split(train, val_size=30)


def test_split_length_mismatch():
    with pytest.raises(ValueError, match="x has 3 items but y has 2"):
        data.Split(torch.zeros(3, 1, 28, 28), torch.zeros(2, dtype=torch.long))


def test_real_fashion_mnist_is_found_and_checked():
    """The real dataset, as the notebooks load it (CI installs the Debian package dataset-fashion-mnist)."""
    dataset = data.load("fashion-mnist", download=False)
    assert (len(dataset.train), len(dataset.test)) == (60_000, 10_000)
    assert dataset.mean == pytest.approx(0.2860, abs=1e-4) and dataset.std == pytest.approx(0.3530, abs=1e-4)
    assert torch.bincount(dataset.test.y).tolist() == [1000] * 10
