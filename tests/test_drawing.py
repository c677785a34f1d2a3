"""dlcourse.book.drawing: the blocks the conceptual figures are drawn with."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlcourse.book.drawing import COLORS, arrow, box3d, grid  # noqa: E402


def test_grid_draws_one_cell_and_one_number_per_entry_and_outlines_the_window():
    fig, ax = plt.subplots()
    grid(ax, [[1, 2, 3], [4, None, 6]], 0, 2, window=(0, 1, 2, 2))
    cells = [p for p in ax.patches if p.get_fill()]
    assert len(cells) == 6 and len(ax.patches) == 7  # six cells and the window's outline
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3", "4", "6"]
    tinted = [p.get_xy() for p in cells if matplotlib.colors.to_hex(p.get_facecolor()) == COLORS["highlight"]]
    assert sorted(tinted) == [(1, 0), (1, 1), (2, 0), (2, 1)]  # rows 0-1, columns 1-2, row 0 on top
    plt.close(fig)


def test_grid_refuses_ragged_or_empty_values():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="rectangle"):
        grid(ax, [[1, 2], [3]], 0, 0)
    with pytest.raises(ValueError, match="rectangle"):
        grid(ax, [], 0, 0)
    plt.close(fig)


def test_box3d_draws_three_faces_and_refuses_empty_boxes():
    fig, ax = plt.subplots()
    box3d(ax, 0, 0, 2, 3, 1, label="x")
    assert len(ax.patches) == 3 and ax.texts[0].get_text() == "x"
    with pytest.raises(ValueError, match="positive"):
        box3d(ax, 0, 0, 0, 1, 1)
    plt.close(fig)


def test_arrow_adds_an_annotation_and_its_text():
    fig, ax = plt.subplots()
    arrow(ax, (0, 0), (1, 0), "im2col")
    assert [t.get_text() for t in ax.texts] == ["", "im2col"]
    plt.close(fig)
