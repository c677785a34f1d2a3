"""Early stopping on idealized curves: validation loss falls, then rises; stop after `patience` epochs without a
new best and keep the best epoch's weights."""

import matplotlib.pyplot as plt
import numpy as np


def draw() -> plt.Figure:
    epochs = np.arange(1, 101)
    train = 1.6 * np.exp(-epochs / 12) + 0.02
    val = 1.6 * np.exp(-epochs / 12) + 0.35 + 0.0045 * np.maximum(epochs - 20, 0) ** 1.3 / 4
    best = int(np.argmin(val)) + 1
    patience = 25
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    ax.plot(epochs, train, color="#1f77b4", lw=2, label="training loss")
    ax.plot(epochs, val, color="#ff7f0e", lw=2, label="validation loss")
    ax.axvline(best, color="#2ca02c", ls="--")
    ax.axvspan(best, best + patience, color="#2ca02c", alpha=0.12)
    ax.axvline(best + patience, color="gray", ls=":")
    ax.text(best + 1, 1.35, "best epoch:\nweights kept", color="#2ca02c", fontsize=9)
    ax.text(best + patience + 1, 1.1, "no new best for\n`patience` epochs:\nstop here", color="gray", fontsize=9)
    ax.text(70, 0.2, "gap = overfitting", fontsize=9)
    ax.set(xlabel="epoch", ylabel="loss", ylim=(0, 1.7))
    ax.legend(loc="upper right", fontsize=9)
    fig.tight_layout()
    return fig
