"""The book as a whole: it builds without warnings, and every notebook follows the book's conventions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("chapters/*/*.ipynb"))
SETUP_CELL_START = "# Setup: on Google Colab this installs the book's package; anywhere else it does nothing."


def toc_files() -> set[str]:
    return set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text()))


def test_book_builds_without_warnings(tmp_path):
    """`jupyter-book build . -W -n --keep-going`, into a fresh folder so no earlier build hides a warning."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(tmp_path)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = tmp_path / "_build" / "html"
    for notebook in NOTEBOOKS:
        page = html / notebook.relative_to(ROOT).with_suffix(".html")
        assert page.is_file(), f"{page} was not built"


def test_every_notebook_is_in_the_table_of_contents():
    listed = toc_files()
    for notebook in NOTEBOOKS:
        assert str(notebook.relative_to(ROOT).with_suffix("")) in listed, f"{notebook} is missing from _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_conventions(path: Path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "".join(code[0]["source"]).startswith(SETUP_CELL_START), "the first cell must be the Colab setup cell"
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-execute the notebook top to bottom on a clean kernel"
    text = json.dumps(nb)
    for machine_path in ("/work/", "/tmp/", "/root/", "/home/"):
        assert machine_path not in text, f"a machine path ({machine_path}) is stored in the notebook"
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", "a stored output is an error"
    # A cell whose output depends on the hardware is followed by a cell that asserts what matters.
    for i, cell in enumerate(code):
        if "nbval-ignore-output" in cell["metadata"].get("tags", []) and i + 1 < len(code):
            following = code[i + 1 : i + 3]
            assert any("assert" in "".join(c["source"]) for c in following), (
                f"cell {i + 1} ignores its output but no assertion follows it"
            )
