"""Posterior densities under a uniform prior, with the MAP estimate (mode) and the posterior mean marked."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from math import gamma


def beta_pdf(t: np.ndarray, a: float, b: float) -> np.ndarray:
    return gamma(a + b) / (gamma(a) * gamma(b)) * t ** (a - 1) * (1 - t) ** (b - 1)


def draw() -> Figure:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=False)
    t = np.linspace(0, 1, 500)
    for ax, (k, n) in zip(axes, ((7, 10), (3, 3))):
        density = beta_pdf(t, k + 1, n - k + 1)
        ax.plot(t, density, color="#4a6fa5")
        ax.fill_between(t, density, alpha=0.15, color="#4a6fa5")
        mode, mean = k / n, (k + 1) / (n + 2)
        ax.axvline(mode, color="#c0504d", ls="--", label=f"MAP = MLE = k/n = {mode:.2f}")
        ax.axvline(mean, color="black", ls=":", label=f"posterior mean = (k+1)/(n+2) = {mean:.2f}")
        ax.set(xlabel="θ", ylabel="posterior density", title=f"{k} point-up in {n} throws, uniform prior")
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
