"""What an activation keeps of its input's second moment: f(z)^2 weighted by the density of z ~ N(0, 1).

The shaded area is E[f(z)^2]; the gain that keeps the scale from layer to layer is 1 / sqrt(E[f(z)^2]).
"""

import matplotlib.pyplot as plt
import numpy as np


def draw() -> plt.Figure:
    z = np.linspace(-4, 4, 801)
    density = np.exp(-z**2 / 2) / np.sqrt(2 * np.pi)
    activations = {
        "ReLU": np.maximum(z, 0),
        "tanh": np.tanh(z),
        "sigmoid": 1 / (1 + np.exp(-z)),
    }
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.2), sharey=True)
    for ax, (name, values) in zip(axes, activations.items()):
        weighted = values**2 * density
        second_moment = np.trapezoid(weighted, z)
        ax.plot(z, z**2 * density, color="gray", ls="--", label="$z^2 p(z)$ (area 1)")
        ax.fill_between(z, weighted, color="#1f77b4", alpha=0.35, label="$f(z)^2 p(z)$")
        ax.plot(z, weighted, color="#1f77b4")
        ax.set_title(f"{name}: E[f(z)²] = {second_moment:.3f}\ngain 1/√E = {1 / np.sqrt(second_moment):.2f}",
                     fontsize=10)
        ax.set_xlabel("$z \\sim N(0, 1)$")
    axes[0].set_ylabel("contribution to the second moment")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
