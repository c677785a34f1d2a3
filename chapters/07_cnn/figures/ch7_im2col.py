"""im2col: every 2 x 2 window of a 3 x 3 input becomes a column; the convolution is one matrix product."""

import matplotlib.pyplot as plt

from dlcourse.book.drawing import COLORS, arrow, grid

X = [[3, 1, 2], [0, 5, 1], [2, 4, 6]]
W = [[1, 0], [0, -1]]
TINTS = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb"]


def draw() -> plt.Figure:
    k, n = 2, 3
    m = n - k + 1
    windows = [(i, j) for i in range(m) for j in range(m)]
    columns = [[X[i + u][j + v] for (i, j) in windows] for u in range(k) for v in range(k)]
    weights = [w for row in W for w in row]
    out = [sum(weights[r] * columns[r][c] for r in range(k * k)) for c in range(m * m)]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    grid(ax, X, 0, 4, window=(0, 1, 2, 2))
    ax.text(1.5, 0.5, "input 3 x 3\n(window 1 outlined)", ha="center", va="top", fontsize=9)
    arrow(ax, (3.4, 2.5), (5.0, 2.5), "im2col")
    colors = [[TINTS[c] for c in range(m * m)] for _ in range(k * k)]
    grid(ax, [[None] * (k * k)], 9.3, 5.2, color=COLORS["kernel"])
    grid(ax, [weights], 9.3, 5.2, color=COLORS["kernel"])
    ax.text(8.9, 4.7, "$W$ as a row\n(1 x 4)", ha="right", va="center", fontsize=9)
    grid(ax, columns, 9.3, 3.9, colors=colors)
    ax.text(8.9, 1.9, "columns:\none window each\n(4 x 4)", ha="right", va="center", fontsize=9)
    ax.text(11.3, -0.45, "row @ columns", ha="center", va="center", fontsize=9)
    arrow(ax, (13.6, 2.0), (15.0, 2.0), "=")
    grid(ax, [out], 15.3, 2.5, color=COLORS["output"])
    arrow(ax, (17.3, 1.3), (18.0, 0.6))
    grid(ax, [out[:m], out[m:]], 18.2, 0.9, color=COLORS["output"])
    ax.text(19.2, -1.5, "reshaped: output 2 x 2", ha="center", va="center", fontsize=9)
    ax.set(xlim=(-0.3, 22.6), ylim=(-2.0, 5.5), aspect="equal")
    ax.axis("off")
    return fig
