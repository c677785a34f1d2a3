"""Figures the chapters share: training curves, image grids, confusion matrices, decision boundaries.

Every function draws a new figure with matplotlib and returns it; in a notebook it is shown
when the cell ends. Assign the result (``fig = plot_history(h)``) so the figure is not shown a
second time as the cell's value: a trailing ``;`` hides it in Jupyter but not under nbval, which
runs cells without storing history.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

class Curves(Protocol):
    """What plot_history reads: per-epoch records (``dlcourse.train.History`` is one)."""

    records: list[dict[str, float]]

    def __getitem__(self, key: str) -> list[float]: ...


def plot_history(history: Curves, title: str | None = None) -> Figure:
    """Loss (left) and accuracy (right) per epoch, for training and, if recorded, validation."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
    epochs = history["epoch"]
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
        ax.plot(epochs, history[f"train_{metric}"], "o-", label="train")
        if "val_" + metric in history.records[0]:
            ax.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy" if metric == "acc" else "loss")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(
    images: torch.Tensor,
    labels: torch.Tensor | Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
    predictions: torch.Tensor | Sequence[int] | None = None,
    ncols: int = 8,
    scale: float = 1.3,
    title: str | None = None,
) -> Figure:
    """A grid of grayscale images ``(n, 1, H, W)`` or ``(n, H, W)``, titled with their labels.

    With ``predictions``, titles read ``predicted (true)`` and wrong ones are drawn in red.
    Pixel values are shown as they are (min to max per image), so normalized images work too.
    """
    images = images.detach().cpu()
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (n, 1, H, W) or (n, H, W), got {tuple(images.shape)}")
    n = images.shape[0]
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(scale * ncols, scale * nrows + 0.3 * nrows), squeeze=False)
    name = (lambda k: classes[k]) if classes is not None else str
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i].numpy(), cmap="gray_r")
        if labels is not None:
            true = int(labels[i])
            if predictions is None:
                ax.set_title(name(true), fontsize=8)
            else:
                guess = int(predictions[i])
                ax.set_title(f"{name(guess)}\n({name(true)})", fontsize=7,
                             color="black" if guess == true else "crimson")
    if title is not None:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts ``C[i, j]`` of items of true class ``i`` predicted as class ``j``."""
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)} must have the same shape")
    flat = y_true.cpu().long() * num_classes + y_pred.cpu().long()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def plot_confusion_matrix(matrix: torch.Tensor, classes: Sequence[str], normalize: bool = True) -> Figure:
    """Heat map of a confusion matrix; with ``normalize`` each row (true class) sums to 1."""
    values = matrix.double()
    if normalize:
        values = values / values.sum(dim=1, keepdim=True).clamp(min=1)
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    image = ax.imshow(values.numpy(), cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(classes)):
        for j in range(len(classes)):
            v = values[i, j].item()
            ax.text(j, i, f"{v:.2f}" if normalize else f"{int(v)}", ha="center", va="center", fontsize=6,
                    color="white" if v > 0.5 * values.max().item() else "black")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def plot_decision_boundary(
    predict_proba: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    ax: Axes | None = None,
    title: str | None = None,
    padding: float = 0.5,
    resolution: int = 200,
) -> Figure:
    """Shade ``predict_proba`` (the probability of class 1) over the plane around 2-D points ``x`` with 0/1 labels ``y``.

    The line where the probability crosses 0.5 is the decision boundary. ``predict_proba`` receives a
    ``(resolution**2, 2)`` tensor of grid points with ``x``'s dtype and device and must return one
    probability per point. Pass ``ax`` to draw into a panel of a larger figure.
    """
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision boundaries are drawn for 2-D inputs of shape (n, 2), got {tuple(x.shape)}")
    lo = x.min(dim=0).values.cpu() - padding
    hi = x.max(dim=0).values.cpu() + padding
    g0, g1 = torch.meshgrid(torch.linspace(lo[0].item(), hi[0].item(), resolution),
                            torch.linspace(lo[1].item(), hi[1].item(), resolution), indexing="xy")
    grid = torch.stack([g0.reshape(-1), g1.reshape(-1)], dim=1).to(dtype=x.dtype, device=x.device)
    with torch.no_grad():
        proba = predict_proba(grid).detach().reshape(resolution, resolution).cpu().double()
    if ax is None:
        fig, ax = plt.subplots(figsize=(3.6, 3.2))
    else:
        fig = ax.figure
    ax.contourf(g0.numpy(), g1.numpy(), proba.numpy(), levels=torch.linspace(0, 1, 11).tolist(), cmap="RdBu_r", alpha=0.6)
    ax.contour(g0.numpy(), g1.numpy(), proba.numpy(), levels=[0.5], colors="black", linewidths=1.5)
    points, labels = x.detach().cpu().double(), y.detach().cpu().reshape(-1)
    for label, marker, color in ((0, "o", "tab:blue"), (1, "^", "tab:red")):
        chosen = labels == label
        ax.scatter(points[chosen, 0], points[chosen, 1], marker=marker, c=color, edgecolors="black", s=60,
                   label=f"class {label}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_trajectories(
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    paths: dict[str, torch.Tensor],
    xlim: tuple[float, float] = (-10, 10),
    ylim: tuple[float, float] = (-5, 5),
    minimum: tuple[float, float] | None = (0.0, 0.0),
    ncols: int = 4,
) -> Figure:
    """One panel per entry of ``paths`` (name -> ``(steps + 1, 2)`` points): the path over the contours of ``f(x, y)``."""
    for name, path in paths.items():
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"path {name!r} must have shape (steps + 1, 2), got {tuple(path.shape)}")
    nrows = math.ceil(len(paths) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 2.6 * nrows), squeeze=False)
    gx, gy = torch.meshgrid(torch.linspace(*xlim, 200), torch.linspace(*ylim, 200), indexing="xy")
    z = f(gx.double(), gy.double()).numpy()
    for ax, (name, path) in zip(axes.flat, paths.items()):
        path = path.detach().cpu().double()
        ax.contour(gx.numpy(), gy.numpy(), z, levels=12, colors="lightgray", linewidths=0.8)
        ax.plot(path[:, 0], path[:, 1], "o-", color="crimson", ms=2.5, lw=1)
        if minimum is not None:
            ax.plot(*minimum, "+", color="black", ms=10)
        ax.set(xlim=xlim, ylim=ylim, title=name)
        ax.title.set_fontsize(10)
    for ax in list(axes.flat)[len(paths):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_activation_histograms(activations: Sequence[torch.Tensor], title: str | None = None,
                               value_range: tuple[float, float] | None = (0.0, 1.0), bins: int = 30) -> Figure:
    """One histogram per layer of the values in ``activations`` (a list of tensors, first layer first)."""
    fig, axes = plt.subplots(1, len(activations), figsize=(2.2 * len(activations), 2.2), sharey=True, squeeze=False)
    for i, (ax, a) in enumerate(zip(axes[0], activations)):
        ax.hist(a.detach().flatten().cpu().double().numpy(), bins=bins, range=value_range, color="steelblue")
        ax.set_title(f"layer {i + 1}", fontsize=9)
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
