"""The same formula read two ways: a distribution over outcomes (theta fixed) and a likelihood over theta (data fixed)."""

from math import comb

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def draw() -> Figure:
    n, k, theta = 10, 7, 0.7
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    ks = np.arange(n + 1)
    probs = [comb(n, j) * theta**j * (1 - theta) ** (n - j) for j in ks]
    left.bar(ks, probs, color=["#c0504d" if j == k else "#4a6fa5" for j in ks])
    left.set(xlabel="k, number of point-up throws in 10", ylabel="P(k | θ = 0.7)",
             title="probability: θ fixed, outcomes vary\nthe bars sum to 1")
    thetas = np.linspace(0, 1, 400)
    likelihood = comb(n, k) * thetas**k * (1 - thetas) ** (n - k)
    right.plot(thetas, likelihood, color="#c0504d")
    right.fill_between(thetas, likelihood, alpha=0.15, color="#c0504d")
    right.axvline(k / n, color="gray", ls=":")
    right.text(k / n + 0.02, likelihood.max() * 0.5, "maximum at\nθ = k/n = 0.7", fontsize=9)
    right.set(xlabel="θ", ylabel="L(θ) = P(k = 7 | θ)",
              title="likelihood: data fixed, θ varies\nthe area is 1/11, not 1")
    fig.tight_layout()
    return fig
