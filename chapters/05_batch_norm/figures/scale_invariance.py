"""A scale-invariant loss in two dimensions: it depends only on the direction of w.

Its level sets are rays from the origin; its gradient is tangent to the circles |w| = const (orthogonal to w)
and shrinks like 1/|w|. An SGD step of the same learning rate turns a short w by a large angle and a long w
by a small one: the effective learning rate eta / |w|^2 of a layer followed by batch normalization.
"""

import matplotlib.pyplot as plt
import numpy as np


def loss(angle: np.ndarray) -> np.ndarray:
    """A loss that depends on the direction only, lowest at 60 degrees."""
    return 1 - np.cos(angle - np.pi / 3)


def draw() -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    grid = np.linspace(-3.2, 3.2, 400)
    gx, gy = np.meshgrid(grid, grid)
    ax.contourf(gx, gy, loss(np.arctan2(gy, gx)), levels=14, cmap="Blues_r", alpha=0.3)
    for radius in (1.0, 2.5):
        ax.add_patch(plt.Circle((0, 0), radius, fill=False, ls=":", color="gray"))
    eta = 0.9
    for radius, colour in ((1.0, "#d62728"), (2.5, "#2ca02c")):
        angle = np.radians(-20)
        w = radius * np.array([np.cos(angle), np.sin(angle)])
        tangent = np.array([-np.sin(angle), np.cos(angle)])
        gradient_size = np.sin(angle - np.pi / 3) / radius  # d loss / d angle, divided by |w|
        step = -eta * gradient_size * tangent
        ax.annotate("", xy=w, xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.5})
        ax.annotate("", xy=w + step, xytext=w, arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.5})
        turned = np.degrees(np.arctan2(*(w + step)[::-1]) - angle)
        ax.text(*(w + step + np.array([0.1, 0.05])), f"|w| = {radius:g}: turns {turned:.0f}°", color=colour,
                fontsize=10)
    ax.plot([0, 3.2 * np.cos(np.pi / 3)], [0, 3.2 * np.sin(np.pi / 3)], color="navy", lw=1, ls="--")
    ax.text(1.0, 2.6, "lowest loss:\na direction, not a point", color="navy", fontsize=9)
    ax.set(xlim=(-1, 3.2), ylim=(-1.6, 3.0), xlabel="$w_1$", ylabel="$w_2$", aspect="equal",
           title="same η, same loss: a long w turns slowly")
    return fig
