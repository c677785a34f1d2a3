"""The book's figures are what their sources draw (dlcourse.book.figures)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlcourse.book import figures
from dlcourse.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_committed_figure_is_what_its_source_draws():
    if shutil.which("dot") is None and any(p.suffix == ".dot" for p in figures.sources(ROOT)):
        pytest.skip("Graphviz's `dot` is not installed (.ci/run installs it): the .dot figures can't be checked")
    differ = figures.regenerate(ROOT, check=True)
    assert not differ, f"run `dlcourse figures` and commit: {[str(p.relative_to(ROOT)) for p in differ]}"


def test_every_figure_in_a_figures_folder_is_used_by_a_page():
    used = "".join(p.read_text() for p in ROOT.glob("chapters/**/*") if p.suffix in (".ipynb", ".md"))
    unused = [str(svg.relative_to(ROOT)) for svg in ROOT.glob("chapters/*/figures/*.svg") if svg.name not in used]
    assert not unused, f"figures no page shows: {unused}"


def test_figures_check_reports_a_stale_figure_and_regenerate_mends_it(tmp_path: Path, capsys):
    folder = tmp_path / "chapters" / "01_x" / "figures"
    folder.mkdir(parents=True)
    (folder / "line.py").write_text(
        "import matplotlib.pyplot as plt\n\n\ndef draw():\n"
        "    fig, ax = plt.subplots(figsize=(2, 2))\n    ax.plot([0, 1], [0, 1])\n    return fig\n"
    )
    assert main(["figures", str(tmp_path), "--check"]) == 1  # never drawn
    assert "differs from its source" in capsys.readouterr().out
    assert main(["figures", str(tmp_path)]) == 0
    first = (folder / "line.svg").read_bytes()
    assert main(["figures", str(tmp_path), "--check"]) == 0
    assert main(["figures", str(tmp_path)]) == 0 and (folder / "line.svg").read_bytes() == first  # deterministic
    (folder / "line.svg").write_bytes(first.replace(b"<svg", b"<svg data-edited=\"1\"", 1))
    assert main(["figures", str(tmp_path), "--check"]) == 1


def test_a_figure_source_without_draw_is_refused_with_a_message(tmp_path: Path, capsys):
    folder = tmp_path / "chapters" / "01_x" / "figures"
    folder.mkdir(parents=True)
    (folder / "empty.py").write_text("X = 1\n")
    assert main(["figures", str(tmp_path)]) == 2
    assert "must define draw()" in capsys.readouterr().err
