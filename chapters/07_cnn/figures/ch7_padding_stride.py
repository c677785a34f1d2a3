"""Padding and stride: a 5 x 5 input padded by P = 1, a 3 x 3 kernel moved S = 2 cells at a time, a 3 x 3 output."""

import matplotlib.pyplot as plt

from dlcourse.book.drawing import COLORS, grid

H, K, P, S = 5, 3, 1, 2


def draw() -> plt.Figure:
    out = (H + 2 * P - K) // S + 1
    side = H + 2 * P
    colors = [[COLORS["pad"] if r in (0, side - 1) or c in (0, side - 1) else None for c in range(side)]
              for r in range(side)]
    values = [[0 if colors[r][c] else None for c in range(side)] for r in range(side)]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [1, 1]})
    for ax, (i, j) in zip(axes, ((0, 0), (0, 1))):
        grid(ax, values, 0, side, colors=colors, window=(S * i, S * j, K, K), fontsize=8)
        ax.text(side / 2, -0.5, f"input {H} x {H}, padded to {side} x {side}", ha="center", fontsize=9)
        grid(ax, [[None] * out for _ in range(out)], side + 1.5, 5, color=COLORS["output"], window=(i, j, 1, 1))
        ax.text(side + 1.5 + out / 2, 1.5, f"output {out} x {out}", ha="center", fontsize=9)
        ax.set(xlim=(-0.3, side + 2 + out), ylim=(-1.0, side + 0.3), aspect="equal")
        ax.axis("off")
    axes[0].set_title(f"first window: output (0, 0)", fontsize=10)
    axes[1].set_title(f"stride {S}: the next window starts {S} cells right", fontsize=10)
    fig.suptitle(f"$H' = (H + 2P - h)/S + 1 = ({H} + 2 \\cdot {P} - {K})/{S} + 1 = {out}$", fontsize=12, y=0.02)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
