"""Grid vs random search with 9 trials when only one of two hyperparameters matters (Bergstra & Bengio, 2012)."""

import matplotlib.pyplot as plt
import numpy as np


def score(x: np.ndarray) -> np.ndarray:
    """How good a value of the important hyperparameter is (a made-up curve with a narrow peak)."""
    return np.exp(-((x - 0.73) ** 2) / 0.006) + 0.35 * np.exp(-((x - 0.3) ** 2) / 0.02)


def draw() -> plt.Figure:
    rng = np.random.default_rng(3)
    points = {
        "grid: 3 x 3": np.array([(a, b) for a in (1 / 6, 1 / 2, 5 / 6) for b in (1 / 6, 1 / 2, 5 / 6)]),
        "random: 9 draws": rng.uniform(0.02, 0.98, size=(9, 2)),
    }
    line = np.linspace(0, 1, 200)
    fig, axes = plt.subplots(2, 2, figsize=(8, 4.6), gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    for col, (title, xy) in enumerate(points.items()):
        ax = axes[0, col]
        ax.scatter(xy[:, 0], xy[:, 1], s=40, color="#2166ac", zorder=3)
        ax.set(xlim=(0, 1), ylim=(0, 1), ylabel="unimportant hyperparameter" if col == 0 else None, title=title)
        ax.set_yticks([])
        bottom = axes[1, col]
        bottom.plot(line, score(line), color="#777777")
        bottom.scatter(xy[:, 0], score(xy[:, 0]), color="#b2182b", zorder=3, s=25)
        bottom.set(xlabel="important hyperparameter", ylabel="score" if col == 0 else None, yticks=[])
        tried = len(np.unique(np.round(xy[:, 0], 6)))
        bottom.text(0.02, 0.95, f"{tried} distinct values tried", transform=bottom.transAxes, va="top", fontsize=9)
    fig.tight_layout()
    return fig
