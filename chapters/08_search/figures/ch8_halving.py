"""Successive halving: 27 trials get 1 epoch, the best 9 get 3, the best 3 get 9, the best 1 gets 27."""

import matplotlib.pyplot as plt
import numpy as np


def draw() -> plt.Figure:
    rng = np.random.default_rng(0)
    n, eta, rungs = 27, 3, 4
    quality = rng.uniform(0.55, 0.9, n)  # where each trial would end up
    speed = rng.uniform(2, 6, n)  # how many epochs it takes to get there
    budgets = [eta ** r for r in range(rungs)]  # 1, 3, 9, 27 epochs

    def accuracy(t: np.ndarray | int, epochs: np.ndarray | int) -> np.ndarray:
        return quality[t] * (1 - 0.6 * np.exp(-np.asarray(epochs) / speed[t]))

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    alive = np.arange(n)
    for r, budget in enumerate(budgets):
        ranked = alive[np.argsort(-accuracy(alive, budget))]
        keep = ranked[: max(len(alive) // eta, 1)] if r < rungs - 1 else ranked
        for t in alive:
            epochs = np.linspace(1, budget, 30)
            color = plt.cm.viridis(quality[t] / 0.9 - 0.55)
            ax.plot(epochs, accuracy(t, epochs), color=color, linewidth=1)
            if t not in keep:
                ax.plot([budget], [accuracy(t, budget)], marker="x", color="#b2182b", markersize=5)
        ax.axvline(budget, color="#bbbbbb", linestyle=":", linewidth=1)
        ax.text(budget, 1.01, f"{len(alive)} trials", ha="center", va="bottom", fontsize=8,
                transform=ax.get_xaxis_transform())
        alive = keep
    total = sum(len_r * (b - (budgets[r - 1] if r else 0)) for r, (len_r, b) in
                enumerate(zip([n // eta ** r for r in range(rungs)], budgets)))
    ax.set(xscale="log", xlabel="epochs trained (log scale)", ylabel="validation accuracy", ylim=(0.2, 0.95))
    ax.set_title(f"{total} epochs in all instead of {n} x {budgets[-1]} = {n * budgets[-1]}; x: stopped", pad=18)
    ax.set_xticks(budgets, [str(b) for b in budgets])
    ax.minorticks_off()
    fig.tight_layout()
    return fig
