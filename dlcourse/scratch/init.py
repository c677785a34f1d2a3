"""Weight initialization (chapter 4): the rules behind ``nn.init``, written out.

A layer computes ``z = sum_i w_i x_i`` over ``fan_in`` inputs. With independent zero-mean weights and
inputs, ``Var(z) = fan_in * Var(w) * Var(x)``, so keeping the variance of the signal the same from
layer to layer asks for ``Var(w) = 1 / fan_in``; the backward pass asks for ``1 / fan_out``.

- Xavier (Glorot & Bengio, 2010), for tanh/sigmoid: ``Var(w) = gain^2 * 2 / (fan_in + fan_out)``.
- He (Kaiming, He et al., 2015), for ReLU, which zeroes half of its inputs: ``Var(w) = gain^2 / fan``,
  with ``gain^2 = 2`` for ReLU and ``fan = fan_in`` by default.

Every function fills a tensor in place, like its ``nn.init`` twin, and returns it. Shapes follow
PyTorch: ``(out, in)`` for linear layers and ``(out, in, kh, kw)`` for convolutions.
"""

from __future__ import annotations

import math

import torch

GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def fan_in_and_fan_out(shape: torch.Size | tuple[int, ...]) -> tuple[int, int]:
    """``(in * receptive field, out * receptive field)`` for a weight of shape ``(out, in, *kernel)``."""
    if len(shape) < 2:
        raise ValueError(f"fan-in and fan-out need a weight with at least 2 dimensions (out, in, ...), got shape "
                         f"{tuple(shape)}; biases are usually initialized to zero instead")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def gain(nonlinearity: str) -> float:
    """The factor that compensates an activation's effect on the variance (``nn.init.calculate_gain``)."""
    if nonlinearity not in GAINS:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; choose one of {', '.join(GAINS)}")
    return GAINS[nonlinearity]


def zeros_(w: torch.Tensor) -> torch.Tensor:
    """All zeros. Fine for biases; for weights every unit of a layer then computes the same thing for ever."""
    with torch.no_grad():
        return w.zero_()


def normal_(w: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """``w ~ N(0, std^2)``, the same ``std`` for every layer whatever its size."""
    with torch.no_grad():
        return w.normal_(0.0, std, generator=generator)


def xavier_normal_(w: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """``w ~ N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = fan_in_and_fan_out(w.shape)
    return normal_(w, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def xavier_uniform_(w: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """``w ~ U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))`` (``U(-a, a)`` has variance ``a^2 / 3``)."""
    fan_in, fan_out = fan_in_and_fan_out(w.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return w.uniform_(-bound, bound, generator=generator)


def he_normal_(w: torch.Tensor, mode: str = "fan_in", nonlinearity: str = "relu",
               generator: torch.Generator | None = None) -> torch.Tensor:
    """``w ~ N(0, std^2)`` with ``std = gain / sqrt(fan)`` (``nn.init.kaiming_normal_``)."""
    return normal_(w, gain(nonlinearity) / math.sqrt(_fan(w, mode)), generator)


def he_uniform_(w: torch.Tensor, mode: str = "fan_in", nonlinearity: str = "relu",
                generator: torch.Generator | None = None) -> torch.Tensor:
    """``w ~ U(-a, a)`` with ``a = gain * sqrt(3 / fan)`` (``nn.init.kaiming_uniform_``)."""
    bound = gain(nonlinearity) * math.sqrt(3.0 / _fan(w, mode))
    with torch.no_grad():
        return w.uniform_(-bound, bound, generator=generator)


def _fan(w: torch.Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(w.shape)
    return fan_in if mode == "fan_in" else fan_out
