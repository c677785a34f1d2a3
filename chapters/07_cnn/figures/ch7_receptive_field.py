"""Receptive field growth in 1-D through this chapter's CNN: conv 3 -> pool 2 -> conv 3 -> pool 2."""

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

# (name, kernel, stride, padding) of the layers of small_cnn, in one dimension
LAYERS = [("conv 3x3", 3, 1, 1), ("max pool 2", 2, 2, 0), ("conv 3x3", 3, 1, 1), ("max pool 2", 2, 2, 0)]
N = 16


def draw() -> plt.Figure:
    sizes = [N]
    for _, k, s, p in LAYERS:
        sizes.append((sizes[-1] + 2 * p - k) // s + 1)
    # walk down from one unit of the last layer: the input positions it depends on, layer by layer
    spans = [(1, 1)]  # (first, last) unit index in the current layer
    for _, k, s, p in reversed(LAYERS):
        first, last = spans[-1]
        spans.append((max(first * s - p, 0), last * s - p + k - 1))
    spans = spans[::-1]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    names = ["input"] + [name for name, *_ in LAYERS]
    for level, (size, name) in enumerate(zip(sizes, names)):
        width = N / size  # each unit drawn as wide as the input pixels it stands above
        first, last = spans[level]
        for i in range(size):
            inside = first <= i <= last
            ax.add_patch(Rectangle((i * width + 0.05, level * 1.2), width - 0.1, 0.8,
                                   facecolor="#f4a582" if inside else "#dbe9f6", edgecolor="#333333", lw=0.6))
        rf = (last - first + 1) * width if level == 0 else None
        label = f"{name} ({size})"
        ax.text(-0.3, level * 1.2 + 0.4, label, ha="right", va="center", fontsize=9)
        if rf:
            ax.text(N + 0.3, 0.4, f"receptive field: {last - first + 1} pixels", va="center", fontsize=9)
    ax.set(xlim=(-4.5, N + 5), ylim=(-0.3, len(sizes) * 1.2), aspect="equal")
    ax.axis("off")
    return fig
