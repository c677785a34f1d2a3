"""Paths of four optimizers on f(x, y) = x^2/20 + y^2 from (-7, 2), as Deep Learning from Scratch draws them.

The update rules are written out with NumPy here (the notebook runs the book's own implementations), with the
source notes' rates: SGD 0.95, momentum 0.1, AdaGrad 1.5, Adam 0.3; 30 steps each.
"""

import matplotlib.pyplot as plt
import numpy as np


def gradient(w: np.ndarray) -> np.ndarray:
    return np.array([w[0] / 10, 2 * w[1]])


def run(rule: str, steps: int = 30) -> np.ndarray:
    w = np.array([-7.0, 2.0])
    v, h, m = np.zeros(2), np.zeros(2), np.zeros(2)
    path = [w.copy()]
    for t in range(1, steps + 1):
        g = gradient(w)
        if rule == "SGD":
            w = w - 0.95 * g
        elif rule == "Momentum":
            v = 0.9 * v - 0.1 * g
            w = w + v
        elif rule == "AdaGrad":
            h = h + g * g
            w = w - 1.5 * g / (np.sqrt(h) + 1e-7)
        else:  # Adam
            m = 0.9 * m + 0.1 * g
            h = 0.999 * h + 0.001 * g * g
            w = w - 0.3 * (m / (1 - 0.9**t)) / (np.sqrt(h / (1 - 0.999**t)) + 1e-8)
        path.append(w.copy())
    return np.array(path)


def draw() -> plt.Figure:
    x, y = np.meshgrid(np.linspace(-10, 10, 300), np.linspace(-5, 5, 200))
    fig, axes = plt.subplots(2, 2, figsize=(10, 5.6), sharex=True, sharey=True)
    for ax, rule in zip(axes.flat, ("SGD", "Momentum", "AdaGrad", "Adam")):
        ax.contour(x, y, x**2 / 20 + y**2, levels=np.geomspace(0.05, 30, 10), colors="lightgray")
        path = run(rule)
        ax.plot(path[:, 0], path[:, 1], "o-", color="#d62728", ms=3, lw=1)
        ax.plot(0, 0, "+", color="black", ms=12)
        ax.set_title(rule, fontsize=11)
        ax.set_aspect("equal")
    for ax in axes[1]:
        ax.set_xlabel("$x$")
    for ax in axes[:, 0]:
        ax.set_ylabel("$y$")
    fig.tight_layout()
    return fig
