"""A 1-D convolution: the kernel (-1, 0, 1) slides along a signal; each output is one dot product."""

import matplotlib.pyplot as plt

from dlcourse.book.drawing import COLORS, arrow, grid

SIGNAL = [0, 0, 1, 2, 3, 3, 3, 2, 1, 0, 0]
KERNEL = [-1, 0, 1]


def draw() -> plt.Figure:
    out = [sum(w * SIGNAL[i + u] for u, w in enumerate(KERNEL)) for i in range(len(SIGNAL) - len(KERNEL) + 1)]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    position = 2
    grid(ax, [SIGNAL], 0, 4, window=(0, position, 1, 3))
    ax.text(-0.3, 3.5, "input $x$", ha="right", va="center")
    grid(ax, [KERNEL], position, 2.3, color=COLORS["kernel"])
    ax.text(position - 0.3, 1.8, "kernel $w$", ha="right", va="center")
    grid(ax, [out], 1, 0.6, color=COLORS["output"], window=(0, position, 1, 1))
    ax.text(0.7, 0.1, "output $y$", ha="right", va="center")
    arrow(ax, (position + 3.2, 1.8), (position + 1.6, 0.65))
    ax.text(position + 3.4, 1.5, f"$y_{{{position}}} = (-1)\\cdot 1 + 0 \\cdot 2 + 1 \\cdot 3 = {out[position]}$",
            ha="left", va="center", fontsize=10)
    ax.text(len(SIGNAL) + 0.2, 3.5, f"$n = {len(SIGNAL)}$", va="center")
    ax.text(len(out) + 1.2, 0.1, f"$n - k + 1 = {len(out)}$", va="center")
    ax.set(xlim=(-2.5, 13), ylim=(-0.6, 4.3), aspect="equal")
    ax.axis("off")
    return fig
