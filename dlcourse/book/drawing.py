"""Drawing blocks for the book's conceptual figures: grids of numbers and boxes seen in 3-D.

Convolution is taught with pictures of small matrices: an input, a kernel sliding over it, the output
it makes. ``grid`` draws one such matrix as a block of square cells (row 0 at the top), with its
numbers and an optional highlighted window; ``box3d`` draws a tensor of several channels as a block in
oblique projection. The figure sources in ``chapters/*/figures/*.py`` compose them; coordinates are in
cell units, so a figure is laid out by counting cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.patches as mpatches
from matplotlib.axes import Axes

#: Fill colours used across the chapter's figures: input, kernel, output, padding, highlight.
COLORS = {"input": "#dbe9f6", "kernel": "#fde0c5", "output": "#d9f0d3", "pad": "#eeeeee",
          "highlight": "#f4a582", "edge": "#333333"}


def grid(
    ax: Axes,
    values: Sequence[Sequence[object]],
    x: float,
    y: float,
    color: str = COLORS["input"],
    window: tuple[int, int, int, int] | None = None,
    window_color: str = COLORS["highlight"],
    fmt: str = "{}",
    fontsize: float = 10,
    cell: float = 1.0,
    colors: Sequence[Sequence[str | None]] | None = None,
) -> None:
    """Draw ``values`` (rows of entries) as square cells whose top-left corner is at ``(x, y)``.

    Row ``r``, column ``c`` occupies ``[x + c, x + c + 1] x [y - r - 1, y - r]`` (times ``cell``). An entry
    ``None`` leaves its cell empty; ``window = (row, col, height, width)`` outlines and tints a block of
    cells; ``colors`` gives a fill per cell (``None`` keeps ``color``).
    """
    rows = [list(r) for r in values]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("grid needs a non-empty rectangle of values (every row the same length)")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            fill = color
            if colors is not None and colors[r][c] is not None:
                fill = colors[r][c]
            if window is not None and window[0] <= r < window[0] + window[2] and window[1] <= c < window[1] + window[3]:
                fill = window_color
            left, bottom = x + c * cell, y - (r + 1) * cell
            ax.add_patch(mpatches.Rectangle((left, bottom), cell, cell, facecolor=fill,
                                            edgecolor=COLORS["edge"], linewidth=0.8))
            if value is not None:
                ax.text(left + cell / 2, bottom + cell / 2, fmt.format(value), ha="center", va="center",
                        fontsize=fontsize)
    if window is not None:
        r, c, h, w = window
        ax.add_patch(mpatches.Rectangle((x + c * cell, y - (r + h) * cell), w * cell, h * cell, fill=False,
                                        edgecolor="#b2182b", linewidth=2.2))


def box3d(
    ax: Axes,
    x: float,
    y: float,
    width: float,
    height: float,
    depth: float,
    color: str = COLORS["input"],
    slant: float = 0.5,
    label: str | None = None,
) -> None:
    """Draw a box ``width`` wide, ``height`` tall and ``depth`` deep, front face's bottom-left at ``(x, y)``.

    The depth axis recedes up and to the right at ``slant`` of its length (an oblique projection), the way
    a stack of channels is usually drawn. ``label`` is written under the front face.
    """
    if min(width, height, depth) <= 0:
        raise ValueError(f"box3d needs positive sizes, got {width}, {height}, {depth}")
    dx, dy = depth * slant, depth * slant
    front = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    top = [(x, y + height), (x + width, y + height), (x + width + dx, y + height + dy), (x + dx, y + height + dy)]
    side = [(x + width, y), (x + width + dx, y + dy), (x + width + dx, y + height + dy), (x + width, y + height)]
    for corners, shade in ((side, 0.80), (top, 0.90), (front, 1.0)):
        patch = mpatches.Polygon(corners, closed=True, facecolor=color, edgecolor=COLORS["edge"], linewidth=0.8)
        patch.set_alpha(shade)
        ax.add_patch(patch)
    if label:
        ax.text(x + width / 2, y - 0.35, label, ha="center", va="top", fontsize=9)


def arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], text: str | None = None) -> None:
    """An arrow from ``start`` to ``end``, with ``text`` above its middle."""
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "linewidth": 1.2, "color": "#333333"})
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.25, text, ha="center", va="bottom",
                fontsize=9)
