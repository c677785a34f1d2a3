"""Shared fixtures: tiny IDX datasets written by the tests themselves (no test touches the network), both editions of the built site."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from dlcourse import idx
from dlcourse.book import editions
from dlcourse.data import FILES, DatasetSpec

ROOT = Path(__file__).resolve().parents[1]

TINY = DatasetSpec(
    name="tiny",
    title="Tiny",
    torchvision_class="FashionMNIST",
    classes=tuple(f"class {k}" for k in range(10)),
    sizes={"train": 30, "test": 10},
)


def write_tiny(folder: Path, gz: bool = True, seed: int = 0) -> dict[str, np.ndarray]:
    """Write the four IDX files of the TINY dataset into ``folder``; returns the arrays written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, (images, labels) in FILES.items():
        n = TINY.sizes[split]
        arrays[images] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        arrays[labels] = rng.integers(0, 10, size=n, dtype=np.uint8)
    for stem, array in arrays.items():
        idx.write(folder / (stem + (".gz" if gz else "")), array)
    return arrays


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no ./data, no $DLCOURSE_DATA and an empty user cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture(scope="session")
def built_editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """Both editions of the site, built once per session with -W -n --keep-going into a fresh folder.

    Maps "student" and "teacher" to the finished Jupyter Book process (its return code and output)
    and the folder of that edition's HTML site; the two folders sit side by side in one parent.
    """
    out = tmp_path_factory.mktemp("site")
    return {edition: (editions.build(edition, ROOT, out / edition), out / edition) for edition in editions.EDITIONS}


@pytest.fixture(scope="session")
def built_book(built_editions) -> tuple[subprocess.CompletedProcess, Path]:
    """The student edition: what `make book` builds and anyone may read."""
    return built_editions["student"]
