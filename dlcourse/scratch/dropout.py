"""Dropout (chapter 6), inverted as PyTorch does it.

Training: every value is kept with probability ``1 - p`` and scaled by ``1 / (1 - p)``,

    mask ~ Bernoulli(1 - p),    out = x * mask / (1 - p),

so the expected output equals the input and nothing needs rescaling at test time. Evaluation:
``out = x``. Backward: ``dx = dout * mask / (1 - p)`` (the same mask as the forward pass).
"""

from __future__ import annotations

import torch

from dlcourse.scratch.layers import Layer


class Dropout(Layer):
    """Inverted dropout with drop probability ``p``; ``generator`` (on the input's device) makes masks reproducible."""

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
        self.p, self.generator = p, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            self.scale = torch.ones((), dtype=x.dtype, device=x.device)
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
        self.scale = keep.to(x.dtype) / (1.0 - self.p)  # the mask and the rescaling in one tensor
        return x * self.scale

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        return dout * self.scale
