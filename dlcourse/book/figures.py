"""The book's conceptual figures, made from sources kept beside the chapters.

Every chapter keeps its figures in ``chapters/NN_topic/figures/``. Each ``NAME.svg`` there is made from
a source of the same name:

- ``NAME.dot``: a Graphviz graph (computational graphs, networks), drawn with ``dot -Tsvg``;
- ``NAME.py``: a Python module with ``draw() -> matplotlib.figure.Figure`` (geometric pictures);
- an ``NAME.svg`` with no source of its own is hand-written and is its own source.

``dlcourse figures`` regenerates every figure; ``dlcourse figures --check`` (run by the tests) fails
when a committed figure differs from what its source produces, so a figure can't drift from its source.
The SVGs are written deterministically (no dates, fixed element ids) on a white background, which
reads well under the site's light and dark themes.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
from pathlib import Path

SOURCES = ("*.dot", "*.py")


class FigureToolMissing(RuntimeError):
    """A tool needed to draw a figure (Graphviz's ``dot``) is not installed."""


def sources(book_root: Path) -> list[Path]:
    """Every figure source of the book, sorted: ``chapters/*/figures/*.dot`` and ``*.py``."""
    folders = sorted(Path(book_root).glob("chapters/*/figures"))
    return sorted(p for folder in folders for pattern in SOURCES for p in folder.glob(pattern)
                  if not p.name.startswith("_"))


def render_dot(source: Path) -> bytes:
    """The SVG that Graphviz draws from a ``.dot`` file."""
    dot = shutil.which("dot")
    if dot is None:
        raise FigureToolMissing(
            f"{source}: Graphviz's `dot` is not installed; install it (Debian/Ubuntu: `sudo apt install graphviz`, "
            "macOS: `brew install graphviz`, conda: `conda install graphviz`) and run `dlcourse figures` again."
        )
    result = subprocess.run([dot, "-Tsvg", str(source)], capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        raise ValueError(f"{source}: dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def render_python(source: Path) -> bytes:
    """The SVG of the figure that ``draw()`` of a Python figure source returns, written deterministically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = importlib.util.spec_from_file_location(f"_figure_{source.stem}", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "draw", None)):
        raise ValueError(f"{source}: a figure source must define draw() -> matplotlib.figure.Figure")
    with matplotlib.rc_context({"svg.hashsalt": "dlcourse", "svg.fonttype": "path", "figure.facecolor": "white",
                                "savefig.facecolor": "white", "font.family": "DejaVu Sans"}):
        fig = module.draw()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return buffer.getvalue().encode()


def render(source: Path) -> bytes:
    """The SVG bytes a figure source produces."""
    return render_dot(source) if source.suffix == ".dot" else render_python(source)


def regenerate(book_root: Path, check: bool = False) -> list[Path]:
    """Write every figure from its source; with ``check``, write nothing and return the figures that differ."""
    differ = []
    for source in sources(book_root):
        target = source.with_suffix(".svg")
        svg = render(source)
        if not target.is_file() or target.read_bytes() != svg:
            differ.append(target)
            if not check:
                target.write_bytes(svg)
    return differ
