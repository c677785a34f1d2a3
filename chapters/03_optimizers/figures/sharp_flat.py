"""A sharp and a flat minimum of a one-dimensional training loss, and the test loss as the training loss shifted.

The test data's loss surface is never exactly the training data's; drawn here as the same curve moved sideways.
At the flat minimum the shift costs little; at the sharp one it costs a lot.
"""

import matplotlib.pyplot as plt
import numpy as np


def training_loss(w: np.ndarray) -> np.ndarray:
    sharp = 1 - 0.9 * np.exp(-((w + 2) ** 2) / (2 * 0.15**2))
    flat = 1 - 0.9 * np.exp(-((w - 2) ** 2) / (2 * 1.0**2))
    return np.minimum(sharp, flat)


def draw() -> plt.Figure:
    w = np.linspace(-4.5, 5.5, 1000)
    shift = 0.35
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    ax.plot(w, training_loss(w), color="#1f77b4", lw=2, label="training loss")
    ax.plot(w, training_loss(w - shift), color="#ff7f0e", lw=2, ls="--", label="test loss (the same, shifted)")
    for centre, name in ((-2, "sharp minimum"), (2, "flat minimum")):
        gap = training_loss(np.array([centre - shift]))[0] - training_loss(np.array([centre]))[0]
        ax.annotate("", xy=(centre, training_loss(np.array([centre - shift]))[0]), xytext=(centre, 0.1),
                    arrowprops={"arrowstyle": "<->", "color": "black"})
        ax.text(centre + 0.12, 0.55 if name.startswith("sharp") else 0.2,
                f"{name}\ntest - train = {gap:.2f}", fontsize=9)
    ax.set(xlabel="weight $w$", ylabel="loss", ylim=(0, 1.1))
    ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return fig
