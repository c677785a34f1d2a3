"""2 x 2 max pooling with stride 2: each window of a 4 x 4 map keeps its largest value."""

import matplotlib.pyplot as plt

from dlcourse.book.drawing import arrow, grid

X = [[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]]
TINTS = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb"]


def draw() -> plt.Figure:
    colors = [[TINTS[2 * (r // 2) + c // 2] for c in range(4)] for r in range(4)]
    pooled = [[max(X[2 * i + u][2 * j + v] for u in range(2) for v in range(2)) for j in range(2)] for i in range(2)]
    fig, ax = plt.subplots(figsize=(5.5, 2.8))
    grid(ax, X, 0, 4, colors=colors)
    grid(ax, pooled, 7.0, 3, colors=[[TINTS[0], TINTS[1]], [TINTS[2], TINTS[3]]])
    arrow(ax, (4.3, 2), (6.7, 2), "max")
    ax.text(2, -0.4, "feature map 4 x 4", ha="center", fontsize=9)
    ax.text(8.0, 0.6, "pooled 2 x 2", ha="center", fontsize=9)
    ax.set(xlim=(-0.3, 9.3), ylim=(-0.9, 4.3), aspect="equal")
    ax.axis("off")
    return fig
