"""Label smoothing (chapter 6): train against softened targets instead of one-hot vectors.

With ``K`` classes and smoothing ``eps``, the target for label ``y`` puts ``1 - eps + eps / K`` on ``y``
and ``eps / K`` on every other class:

    t = (1 - eps) * one_hot(y) + eps / K.

The loss is the cross-entropy against ``t``, ``-sum_k t_k log p_k``: what ``nn.CrossEntropyLoss(
label_smoothing=eps)`` computes. The network is no longer pushed to make its logits infinitely
confident, which tends to improve calibration and, a little, accuracy.
"""

from __future__ import annotations

import torch


def smooth_labels(labels: torch.Tensor, num_classes: int, eps: float,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``(N,)`` class indices to ``(N, num_classes)`` smoothed target probabilities (on the labels' device)."""
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label smoothing must be in [0, 1], got {eps!r}")
    if labels.ndim != 1 or labels.is_floating_point():
        raise ValueError(f"labels must be a 1-D tensor of class indices, got shape {tuple(labels.shape)} "
                         f"({labels.dtype})")
    targets = torch.full((len(labels), num_classes), eps / num_classes, dtype=dtype, device=labels.device)
    targets[torch.arange(len(labels), device=labels.device), labels] += 1.0 - eps
    return targets


def smoothed_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, eps: float) -> torch.Tensor:
    """Mean cross-entropy of ``logits`` against :func:`smooth_labels` targets."""
    targets = smooth_labels(labels, logits.shape[1], eps, dtype=logits.dtype)
    return -(targets * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
