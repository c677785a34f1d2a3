"""XOR in the plane: no single line separates the classes; two lines (OR and NAND) carve out the band."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def draw() -> Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.5, 3.6))
    points = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    labels = np.array([0, 1, 1, 0])
    xs = np.linspace(-0.5, 1.5, 2)
    for ax in (left, right):
        for label, marker, color in ((0, "o", "#4a6fa5"), (1, "^", "#c0504d")):
            chosen = points[labels == label]
            ax.scatter(chosen[:, 0], chosen[:, 1], marker=marker, s=120, color=color, zorder=3,
                       label=f"XOR = {label}")
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    for offset, style in ((0.8, ":"), (1.2, "--"), (0.5, "-.")):
        left.plot(xs, -xs + offset + 0.3 * (xs - 0.5) * (style == "-."), style, color="gray")
    left.set_title("one layer: any single line\nleaves a point on the wrong side", fontsize=10)
    left.legend(fontsize=8, loc="upper right")
    right.plot(xs, 0.5 - xs, color="#2d4a75", label="hidden unit 1: OR, $x_1 + x_2 = 0.5$")
    right.plot(xs, 1.5 - xs, color="#8a2a28", label="hidden unit 2: NAND, $x_1 + x_2 = 1.5$")
    right.fill_between(xs, 0.5 - xs, 1.5 - xs, color="#c0504d", alpha=0.12)
    right.set_title("two hidden units: XOR = OR and NAND,\nthe band between the lines", fontsize=10)
    right.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig
