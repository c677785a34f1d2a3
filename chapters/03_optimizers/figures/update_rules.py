"""The update rules as pictures: a plain gradient step, momentum's velocity, and per-coordinate scaling."""

import matplotlib.pyplot as plt
import numpy as np


def arrow(ax: plt.Axes, start: np.ndarray, vector: np.ndarray, colour: str, label: str, **kwargs) -> None:
    ax.annotate("", xy=start + vector, xytext=start,
                arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.2, **kwargs})
    middle = start + vector / 2
    ax.text(middle[0] + 0.06, middle[1] + 0.06, label, color=colour, fontsize=10)


def draw() -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    w = np.array([0.0, 0.0])
    gradient = np.array([0.3, 1.6])  # steep along y, shallow along x: the valley's gradient

    ax = axes[0]
    arrow(ax, w, -0.6 * gradient, "#1f77b4", r"$-\eta g$")
    ax.set_title("SGD: $w \\leftarrow w - \\eta g$", fontsize=10)

    ax = axes[1]
    velocity = np.array([1.2, 0.35])
    arrow(ax, w, 0.9 * velocity, "gray", r"$\mu v$")
    arrow(ax, w + 0.9 * velocity, -0.4 * gradient, "#1f77b4", r"$-\eta g$")
    arrow(ax, w, 0.9 * velocity - 0.4 * gradient, "#d62728", r"new $v$", ls="-")
    ax.set_title("momentum: $v \\leftarrow \\mu v - \\eta g$, $w \\leftarrow w + v$", fontsize=10)

    ax = axes[2]
    history = np.array([0.3, 1.6])  # root of the running mean of g^2, per coordinate
    scaled = gradient / history
    arrow(ax, w, -0.6 * gradient, "#1f77b4", r"$-\eta g$")
    arrow(ax, w, -0.6 * scaled, "#2ca02c", r"$-\eta g / \sqrt{v}$")
    ax.set_title("AdaGrad, RMSprop, Adam: each coordinate\ndivided by its own gradient scale", fontsize=10)

    for ax in axes:
        ax.plot(*w, "ko")
        ax.set(xlim=(-1.2, 1.4), ylim=(-1.3, 0.8), aspect="equal", xticks=[], yticks=[])
        ax.set_xlabel("$x$ (shallow)")
        ax.set_ylabel("$y$ (steep)")
    fig.tight_layout()
    return fig
