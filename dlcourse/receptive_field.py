"""Receptive fields: the input pixels one unit of a convolutional network can see, computed and measured.

A unit after a stack of convolutions and poolings depends on a square patch of the input, its
**receptive field**. Layer by layer, with kernel ``k``, stride ``s`` and ``j`` the distance in input pixels
between neighbouring units of the layer below (the *jump*),

    r_out = r_in + (k - 1) * j_in,    j_out = j_in * s,    starting from r = j = 1 at the input.

``growth`` applies this rule to a list of layers; ``layers_of`` reads the list off a model. ``measure``
finds the field empirically: the gradient of one unit with respect to the input is non-zero only on
pixels the unit depends on. Max pooling passes the gradient to one pixel per window, so one image shows
only part of the field; the union over many random images shows all of it, and the mean absolute gradient
shows the *effective* receptive field, which is concentrated near the centre.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

Layer = tuple[int, int, int]  # (kernel, stride, padding) along one side


def growth(layers: Sequence[Layer]) -> list[tuple[int, int]]:
    """``(receptive field, jump)`` after each layer of ``layers``, each given as ``(kernel, stride, padding)``."""
    field, jump, out = 1, 1, []
    for kernel, stride, _padding in layers:
        if kernel < 1 or stride < 1:
            raise ValueError(f"a layer needs kernel >= 1 and stride >= 1, got kernel={kernel}, stride={stride}")
        field, jump = field + (kernel - 1) * jump, jump * stride
        out.append((field, jump))
    return out


def _side(value: int | tuple[int, ...]) -> int:
    """One side of a square kernel, stride or padding (a module may store it as an int or a pair)."""
    if isinstance(value, tuple):
        if len(set(value)) != 1:
            raise ValueError(f"only square kernels, strides and paddings are supported, got {value}")
        return value[0]
    return value


def layers_of(model: nn.Module) -> list[Layer]:
    """The ``(kernel, stride, padding)`` of every convolution and pooling in ``model``, in definition order."""
    layers = []
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            kernel = _side(module.kernel_size)
            stride = _side(module.stride) if module.stride is not None else kernel
            layers.append((kernel, stride, _side(module.padding)))
    return layers


def measure(
    features: nn.Module,
    input_shape: tuple[int, int, int],
    channel: int,
    row: int,
    col: int,
    samples: int = 64,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Mean absolute gradient of unit ``(channel, row, col)`` of ``features(x)`` over ``samples`` random inputs.

    ``input_shape`` is ``(C, H, W)``. The result has shape ``(H, W)``: zero outside the unit's receptive
    field (up to units that never activate), largest where the unit looks most. ``features`` is run in
    evaluation mode and restored to its previous mode.
    """
    was_training = features.training
    features.eval()
    parameter = next(features.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    x = torch.randn(samples, *input_shape, generator=generator).to(device).requires_grad_(True)
    try:
        out = features(x)
        # Samples are independent, so the gradient of the sum is every sample's own gradient;
        # autograd.grad leaves the model's own .grad fields alone.
        (grad,) = torch.autograd.grad(out[:, channel, row, col].sum(), x)
    finally:
        features.train(was_training)
    return grad.abs().mean(dim=(0, 1)).cpu()


def extent(saliency: torch.Tensor) -> tuple[int, int]:
    """Height and width of the smallest box holding every non-zero entry of a 2-D map (0, 0 if none)."""
    rows = saliency.abs().sum(dim=1).nonzero()
    cols = saliency.abs().sum(dim=0).nonzero()
    if len(rows) == 0:
        return 0, 0
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
