"""Numerical gradients by central differences, to check a hand-written backward pass.

For a scalar function ``f`` and each entry ``x_i`` of its input,

    df/dx_i ≈ (f(x + h e_i) - f(x - h e_i)) / (2h),

whose error is of order ``h²`` (one-sided differences are only of order ``h``). In float64 with
``h = 1e-6`` an exact backward pass agrees to a relative error far below ``1e-6``; a wrong one
is off by order 1. Use float64: in float32 the round-off ``1e-7 / h`` swamps the comparison.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def numerical_gradient(f: Callable[[], torch.Tensor | float], x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """``df/dx`` by central differences, changing ``x`` in place one entry at a time (and restoring it).

    ``f`` takes no arguments and reads ``x`` itself, so ``x`` can be an input or any parameter tensor
    of a model. Costs ``2 * x.numel()`` calls of ``f``.
    """
    grad = torch.zeros_like(x)
    flat, grad_flat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + h
        f_plus = float(f())
        flat[i] = original - h
        f_minus = float(f())
        flat[i] = original
        grad_flat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """``max |a - b| / max(max |a| + max |b|, 1e-12)``: 0 when equal, about 1 when unrelated."""
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {tuple(a.shape)} and {tuple(b.shape)}")
    scale = max(a.abs().max().item() + b.abs().max().item(), 1e-12)
    return (a - b).abs().max().item() / scale


def check_layer(layer: object, x: torch.Tensor, h: float = 1e-6, seed: int = 1234) -> dict[str, float]:
    """Relative errors between ``layer.backward`` and central differences, for the input and each parameter.

    The scalar checked is ``L = sum(forward(x) * R)`` for a fixed random ``R``, so ``dL/d(out) = R``
    reaches every output with a different weight (its seed is not the book's usual 0, so that ``R`` is
    not the very tensor a notebook drew as ``x`` after ``seed_everything(0)``: for batch normalization
    ``dL/dx`` would then be almost exactly 0). Returns ``{"x": err, "W": err, ...}``.
    """
    if x.dtype != torch.float64:
        raise ValueError(f"check gradients in float64 (got {x.dtype}): float32 round-off hides real errors")
    x = x.clone()
    weights = torch.randn(layer.forward(x).shape, generator=torch.Generator().manual_seed(seed),
                          dtype=x.dtype).to(x.device)

    def loss() -> float:
        return (layer.forward(x) * weights).sum().item()

    layer.forward(x)
    analytic = {"x": layer.backward(weights)}
    analytic.update(getattr(layer, "grads", {}))
    numeric = {"x": numerical_gradient(loss, x, h)}
    for name, tensor in getattr(layer, "params", {}).items():
        numeric[name] = numerical_gradient(loss, tensor, h)
    return {name: relative_error(analytic[name], numeric[name]) for name in numeric}
