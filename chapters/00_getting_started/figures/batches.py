"""Epoch, mini-batch and iteration: the training set cut into shuffled batches, two epochs."""

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def draw() -> Figure:
    fig, ax = plt.subplots(figsize=(9, 2.6))
    n_shown, colors = 10, plt.get_cmap("tab10")
    orders = [[3, 7, 0, 9, 5, 1, 8, 2, 6, 4], [6, 1, 9, 4, 0, 8, 3, 5, 7, 2]]
    for row, order in enumerate(orders):
        y = 1.2 - row * 1.1
        x = 0.0
        for i, sample_block in enumerate(order):
            width = 1.0 if i < n_shown - 1 else 0.8  # the last batch is smaller
            ax.add_patch(Rectangle((x, y), width - 0.06, 0.7, facecolor=colors(sample_block), alpha=0.55,
                                   edgecolor="black", linewidth=0.6))
            label = f"it. {row * 469 + i + 1}" if i < 3 else ("…" if i < n_shown - 1 else f"it. {row * 469 + 469}")
            ax.text(x + (width - 0.06) / 2, y + 0.35, label, ha="center", va="center", fontsize=8)
            x += width
        ax.text(-0.15, y + 0.35, f"epoch {row + 1}", ha="right", va="center", fontsize=10)
    ax.annotate("", xy=(3.0, 2.05), xytext=(0.0, 2.05), arrowprops=dict(arrowstyle="<->", lw=0.8))
    ax.text(1.5, 2.15, "3 mini-batches of 128 images", ha="center", fontsize=9)
    ax.text(9.3, 2.15, "last batch: 60,000 − 468 × 128 = 96 images", ha="center", fontsize=9)
    ax.text(4.75, -0.55, "one epoch = 469 iterations (one per mini-batch); the order is reshuffled every epoch",
            ha="center", fontsize=9)
    ax.set(xlim=(-1.3, 10.2), ylim=(-0.8, 2.4))
    ax.axis("off")
    return fig
