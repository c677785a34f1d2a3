"""A network of hand-written layers: forward through the layers, backward through them in reverse.

This is backpropagation as a loop: the loss node starts with ``dL/dL = 1`` and every layer turns the
gradient of its output into the gradient of its input (and of its parameters) by the chain rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from dlcourse.scratch.layers import BinaryCrossEntropy, Layer, SoftmaxWithLoss


class Sequential:
    """``layers`` applied in order, followed by a loss node (``SoftmaxWithLoss`` or ``BinaryCrossEntropy``)."""

    def __init__(self, layers: Sequence[Layer], loss: SoftmaxWithLoss | BinaryCrossEntropy) -> None:
        self.layers = list(layers)
        self.loss_node = loss

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The network's output (logits or probabilities) for a batch ``x``."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Forward pass and loss; remembers what :meth:`backward` needs."""
        return self.loss_node.forward(self.forward(x), target)

    def backward(self) -> None:
        """Fill every layer's ``grads`` with ``dL/d(parameter)`` for the last :meth:`loss` call."""
        dout = self.loss_node.backward(1.0)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

    def parameters(self) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
        """``(name, parameter, gradient)`` for every parameter, named ``"<layer index>.<name>"``."""
        return [(f"{i}.{name}", tensor, layer.grads[name])
                for i, layer in enumerate(self.layers) for name, tensor in layer.params.items()]

    def sgd_step(self, lr: float) -> None:
        """Gradient descent, ``w <- w - lr * dL/dw``, in place (so the layers keep their tensors)."""
        for _, tensor, grad in self.parameters():
            tensor.sub_(lr * grad)
