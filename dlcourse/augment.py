"""Data augmentation and mixing on whole batches (chapter 6), on whatever device the batch is on.

Every function takes a batch ``x`` of images ``(N, C, H, W)`` and returns a new tensor; random choices
come from ``generator`` on the CPU (then moved to ``x``'s device), so a seeded run draws the same
augmentations on a GPU as on the CPU. Pass them to ``fit(..., augment=...)`` through a function
``(x, y) -> (x, y)``; they are applied to training batches only.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F


def _check_images(x: torch.Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"expected a batch of images of shape (N, C, H, W), got {tuple(x.shape)}")


def random_shift(x: torch.Tensor, max_shift: int, fill: float = 0.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Move each image by a random whole number of pixels in ``[-max_shift, max_shift]`` along each axis.

    Pixels shifted in from outside take the value ``fill`` (use the background value of normalized images).
    """
    _check_images(x)
    n, _, h, w = x.shape
    m = max_shift
    padded = F.pad(x, (m, m, m, m), value=fill)
    dy, dx = (torch.randint(-m, m + 1, (n,), generator=generator).to(x.device) for _ in range(2))
    rows = torch.arange(h, device=x.device) + m - dy[:, None]  # (n, h): which padded row each output row reads
    cols = torch.arange(w, device=x.device) + m - dx[:, None]
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (n, h, w, c) -> (n, c, h, w)


def random_flip(x: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image left-right with probability ``p`` (sensible for clothes, not for digits or text)."""
    _check_images(x)
    flip = (torch.rand(len(x), generator=generator) < p).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def gaussian_noise(x: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """``x + std * z`` with ``z ~ N(0, 1)`` independently per value."""
    return x + std * torch.randn(x.shape, generator=generator).to(x.device, x.dtype)


def _one_hot(y: torch.Tensor, num_classes: int, dtype: torch.dtype) -> torch.Tensor:
    if y.ndim == 2:
        return y.to(dtype)
    return F.one_hot(y, num_classes).to(dtype)


def mixup(x: torch.Tensor, y: torch.Tensor, num_classes: int, alpha: float = 0.2,
          generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Blend each example with another of the batch (Zhang et al., 2018).

    ``lam ~ Beta(alpha, alpha)``, one value per batch; ``x' = lam x + (1 - lam) x[perm]`` and the targets
    mix the same way, ``t' = lam t + (1 - lam) t[perm]`` (``t`` one-hot). Returns ``(x', t')``;
    ``nn.CrossEntropyLoss`` accepts such probability targets directly.
    """
    lam = _beta(alpha, generator)
    perm = torch.randperm(len(x), generator=generator).to(x.device)
    t = _one_hot(y, num_classes, x.dtype)
    return lam * x + (1 - lam) * x[perm], lam * t + (1 - lam) * t[perm]


def cutmix(x: torch.Tensor, y: torch.Tensor, num_classes: int, alpha: float = 1.0,
           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Paste a random box from another example of the batch into each image (Yun et al., 2019).

    The box covers a fraction ``1 - lam`` of the image, ``lam ~ Beta(alpha, alpha)``, at a random place
    (clipped at the borders); the targets are mixed by the area actually pasted.
    """
    _check_images(x)
    n, _, h, w = x.shape
    lam = _beta(alpha, generator)
    perm = torch.randperm(n, generator=generator).to(x.device)
    cut_h, cut_w = int(h * math.sqrt(1 - lam)), int(w * math.sqrt(1 - lam))
    cy, cx = (int(torch.randint(0, size, (1,), generator=generator)) for size in (h, w))
    top, bottom = max(cy - cut_h // 2, 0), min(cy + cut_h - cut_h // 2, h)
    left, right = max(cx - cut_w // 2, 0), min(cx + cut_w - cut_w // 2, w)
    mixed = x.clone()
    mixed[:, :, top:bottom, left:right] = x[perm, :, top:bottom, left:right]
    kept = 1 - (bottom - top) * (right - left) / (h * w)
    t = _one_hot(y, num_classes, x.dtype)
    return mixed, kept * t + (1 - kept) * t[perm]


def _beta(alpha: float, generator: torch.Generator | None) -> float:
    """One draw of Beta(alpha, alpha) by NumPy, seeded from ``generator`` so that seeded runs repeat."""
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha!r}")
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    return float(np.random.default_rng(seed).beta(alpha, alpha))
