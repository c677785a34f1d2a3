"""TPE: split the finished trials into good and bad, fit a density to each, try where l(x)/g(x) is largest."""

import matplotlib.pyplot as plt
import numpy as np


def kde(samples: np.ndarray, grid: np.ndarray, width: float) -> np.ndarray:
    """A Gaussian kernel density estimate of ``samples`` on ``grid``."""
    z = (grid[:, None] - samples[None, :]) / width
    return np.exp(-0.5 * z ** 2).sum(axis=1) / (len(samples) * width * np.sqrt(2 * np.pi))


def draw() -> plt.Figure:
    rng = np.random.default_rng(1)
    x = rng.uniform(-4, 0, 30)  # log10 learning rates of 30 finished trials
    y = np.exp(-((x + 1.6) ** 2) / 0.5) + 0.08 * rng.normal(size=x.size)  # their scores
    good = y >= np.quantile(y, 0.75)
    grid = np.linspace(-4, 0, 300)
    l, g = kde(x[good], grid, 0.3), kde(x[~good], grid, 0.5)
    fig, axes = plt.subplots(3, 1, figsize=(7, 5.2), sharex=True)
    axes[0].scatter(x[~good], y[~good], color="#777777", s=18, label="bad (the rest)")
    axes[0].scatter(x[good], y[good], color="#b2182b", s=22, label="good (best quarter)")
    axes[0].axhline(np.quantile(y, 0.75), color="#b2182b", linestyle=":", linewidth=1)
    axes[0].set(ylabel="score")
    axes[0].legend(fontsize=8, loc="upper left")
    axes[1].plot(grid, l, color="#b2182b", label="$\\ell(x)$: density of good trials")
    axes[1].plot(grid, g, color="#777777", label="$g(x)$: density of bad trials")
    axes[1].set(ylabel="density")
    axes[1].legend(fontsize=8, loc="upper left")
    ratio = l / g
    axes[2].plot(grid, ratio, color="#2166ac")
    best = grid[np.argmax(ratio)]
    axes[2].axvline(best, color="#2166ac", linestyle="--", linewidth=1)
    axes[2].text(best + 0.05, ratio.max() * 0.9, "next trial here", fontsize=9, color="#2166ac")
    axes[2].set(ylabel="$\\ell(x) / g(x)$", xlabel="$\\log_{10}$ learning rate")
    fig.tight_layout()
    return fig
