"""A 2-D convolution: a 3 x 3 kernel over a 5 x 5 input gives a 3 x 3 output, one window per output cell."""

import matplotlib.pyplot as plt

from dlcourse.book.drawing import COLORS, grid

X = [[1, 2, 0, 1, 3], [0, 1, 3, 2, 1], [2, 0, 1, 1, 0], [1, 3, 2, 0, 2], [0, 1, 1, 2, 1]]
W = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]


def conv(x: list[list[int]], w: list[list[int]]) -> list[list[int]]:
    k, n = len(w), len(x)
    return [[sum(w[u][v] * x[i + u][j + v] for u in range(k) for v in range(k)) for j in range(n - k + 1)]
            for i in range(n - k + 1)]


def draw() -> plt.Figure:
    y = conv(X, W)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.0))
    for ax, (i, j) in zip(axes, ((0, 0), (1, 2))):
        grid(ax, X, 0, 5, window=(i, j, 3, 3))
        ax.text(6.0, 2.5, "$\\ast$", fontsize=18, ha="center", va="center")
        grid(ax, W, 6.8, 4, color=COLORS["kernel"])
        ax.text(10.4, 2.5, "=", fontsize=16, ha="center", va="center")
        grid(ax, y, 11.0, 4, color=COLORS["output"], window=(i, j, 1, 1))
        ax.text(2.5, -0.5, "input 5 x 5", ha="center")
        ax.text(8.3, 0.5, "kernel 3 x 3", ha="center")
        ax.text(12.5, 0.5, "output 3 x 3", ha="center")
        ax.set_title(f"output ({i}, {j}) = the window at rows {i}-{i + 2}, columns {j}-{j + 2}", fontsize=10)
        ax.set(xlim=(-0.3, 14.3), ylim=(-1.0, 5.3), aspect="equal")
        ax.axis("off")
    fig.tight_layout()
    return fig
