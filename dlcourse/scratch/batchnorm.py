"""Batch normalization (chapter 5), forward and backward by hand, as PyTorch defines it.

Training mode, for each channel ``c`` over the ``m`` values it has in a batch (all samples, and all
positions for images of shape ``(N, C, H, W)``):

    mu = mean(x),   var = mean((x - mu)^2),   x_hat = (x - mu) / sqrt(var + eps),   y = gamma * x_hat + beta

and the running statistics used at inference move towards the batch's:

    running_mean <- (1 - momentum) * running_mean + momentum * mu
    running_var  <- (1 - momentum) * running_var  + momentum * var * m / (m - 1)   (the unbiased variance)

Backward (derived on the computational graph in chapter 5), with sums over the same ``m`` values:

    dbeta = sum(dy),   dgamma = sum(dy * x_hat),
    dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat))

In evaluation mode ``x_hat = (x - running_mean) / sqrt(running_var + eps)``, a fixed affine map, so
``dx = gamma / sqrt(running_var + eps) * dy``.
"""

from __future__ import annotations

import torch

from dlcourse.scratch.layers import Layer


class BatchNorm(Layer):
    """Batch normalization over ``num_features`` channels, for inputs ``(N, C)`` or ``(N, C, H, W)``."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.params = {"gamma": torch.ones(num_features, dtype=dtype, device=device),
                       "beta": torch.zeros(num_features, dtype=dtype, device=device)}
        self.running_mean = torch.zeros(num_features, dtype=dtype, device=device)
        self.running_var = torch.ones(num_features, dtype=dtype, device=device)

    def _shape(self, x: torch.Tensor) -> tuple[list[int], list[int]]:
        """The dimensions to reduce over and the shape that broadcasts a per-channel vector against ``x``."""
        channels = len(self.running_mean)
        if x.ndim not in (2, 4) or x.shape[1] != channels:
            raise ValueError(f"BatchNorm({channels}) expects input of shape (N, {channels}) or (N, {channels}, H, W), "
                             f"got {tuple(x.shape)}")
        dims = [0] if x.ndim == 2 else [0, 2, 3]
        return dims, [1, channels] + [1] * (x.ndim - 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims, view = self._shape(x)
        gamma, beta = self.params["gamma"].view(view), self.params["beta"].view(view)
        if self.training:
            m = x.numel() // x.shape[1]
            if m < 2:
                raise ValueError("batch normalization in training mode needs more than one value per channel; "
                                 "use a batch of at least 2, or call .eval() to use the running statistics")
            mu = x.mean(dim=dims, keepdim=True)
            var = ((x - mu) ** 2).mean(dim=dims, keepdim=True)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mu.flatten())
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var.flatten() * m / (m - 1))
        else:
            mu, var = self.running_mean.view(view), self.running_var.view(view)
        self.dims, self.view = dims, view
        self.inv_std = 1.0 / torch.sqrt(var + self.eps)
        self.x_hat = (x - mu) * self.inv_std
        return gamma * self.x_hat + beta

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        dims = self.dims
        self.grads = {"gamma": (dout * self.x_hat).sum(dim=dims), "beta": dout.sum(dim=dims)}
        scale = self.params["gamma"].view(self.view) * self.inv_std
        if not self.training:
            return scale * dout
        mean_dout = dout.mean(dim=dims, keepdim=True)
        mean_dout_xhat = (dout * self.x_hat).mean(dim=dims, keepdim=True)
        return scale * (dout - mean_dout - self.x_hat * mean_dout_xhat)
