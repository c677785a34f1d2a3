"""Layers written by hand: each has a ``forward`` and a ``backward`` (the chain rule, one node at a time).

A layer remembers in ``forward`` what its ``backward`` needs. ``backward(dout)`` receives
``dout = dL/d(output)`` and returns ``dL/d(input)``; a layer with parameters also stores
``grads[name] = dL/d(params[name])``. Shapes follow the row convention of the source notes: a batch
is ``x`` of shape ``(N, features)`` and an affine layer computes ``x @ W + b`` with ``W`` of shape
``(in, out)``, the transpose of ``nn.Linear.weight``.

Nothing here calls autograd; the tests check every ``backward`` against ``torch.autograd`` and
against central differences (:mod:`dlcourse.scratch.gradcheck`). New tensors are created on the
input's device and with its dtype, so the layers run on a GPU as they are.
"""

from __future__ import annotations

import torch


class Layer:
    """Base class: a node of the computational graph with no parameters unless it adds some.

    Like ``nn.Module``, a layer is in training mode until ``eval()`` is called; only layers that
    behave differently in evaluation (dropout, batch normalization) read ``self.training``.
    """

    def __init__(self) -> None:
        self.params: dict[str, torch.Tensor] = {}
        self.grads: dict[str, torch.Tensor] = {}
        self.training = True

    def train(self, mode: bool = True) -> Layer:
        """Training mode (``mode=True``) or evaluation mode, as ``nn.Module.train``; returns the layer."""
        self.training = mode
        return self

    def eval(self) -> Layer:
        """Evaluation mode, as ``nn.Module.eval``; returns the layer."""
        return self.train(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


class Add:
    """``out = x + y``. Backward: the gradient passes to both inputs unchanged, ``dx = dy = dout``."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x + y

    def backward(self, dout: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return dout, dout


class Mul:
    """``out = x * y`` (elementwise). Backward: each input gets ``dout`` times the *other* input."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return dout * self.y, dout * self.x


class Affine(Layer):
    """``out = x W + b`` for ``x`` of shape ``(N, in)``, ``W`` of shape ``(in, out)``, ``b`` of shape ``(out,)``.

    Backward: ``dW = x^T dout`` (sums over the batch), ``db = sum_n dout[n]`` and ``dx = dout W^T``.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        if weight.ndim != 2 or bias.shape != (weight.shape[1],):
            raise ValueError(f"Affine needs W of shape (in, out) and b of shape (out,); "
                             f"got W {tuple(weight.shape)} and b {tuple(bias.shape)}")
        self.params = {"W": weight, "b": bias}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n_in = self.params["W"].shape[0]
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(f"Affine expects input of shape (N, {n_in}), got {tuple(x.shape)}; "
                             "flatten images first, e.g. x.reshape(len(x), -1)")
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(dim=0)}
        return dout @ self.params["W"].T


class Sigmoid(Layer):
    """``out = 1 / (1 + exp(-x))``. Backward: ``dx = dout * out * (1 - out)``, reusing the forward output."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.out = torch.sigmoid(x)
        return self.out

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        return dout * self.out * (1.0 - self.out)


class ReLU(Layer):
    """``out = max(0, x)``. Backward: ``dx = dout`` where ``x > 0`` and 0 elsewhere (0 at ``x = 0``, as PyTorch)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.positive = x > 0
        return x * self.positive

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        return dout * self.positive


def _class_probabilities(target: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Targets as a ``(N, C)`` matrix: class indices become one-hot rows; probability rows are kept."""
    if target.shape == logits.shape:
        return target.to(logits.dtype)
    if target.ndim == 1 and len(target) == len(logits) and not target.is_floating_point():
        one_hot = torch.zeros_like(logits)
        one_hot[torch.arange(len(target), device=logits.device), target] = 1.0
        return one_hot
    raise ValueError(f"targets must be class indices of shape ({len(logits)},) or probabilities of shape "
                     f"{tuple(logits.shape)}; got {tuple(target.shape)} ({target.dtype})")


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy, as one node.

    Forward, for logits ``z`` of shape ``(N, C)`` and targets ``t`` (class indices or rows of probabilities):
    ``p = softmax(z)``, ``L = -(1/N) sum_n sum_k t[n,k] log p[n,k]``, with ``log p = z - logsumexp(z)``
    so that large logits do not overflow. Backward: ``dL/dz = (p - t) / N``, the reason the two are
    fused: the softmax's Jacobian and the log cancel to this one line.
    """

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.ndim != 2:
            raise ValueError(f"SoftmaxWithLoss expects logits of shape (N, classes), got {tuple(logits.shape)}")
        self.t = _class_probabilities(target, logits)
        shifted = logits - logits.max(dim=1, keepdim=True).values
        log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
        self.p = log_p.exp()
        return -(self.t * log_p).sum() / len(logits)

    def backward(self, dout: torch.Tensor | float = 1.0) -> torch.Tensor:
        return dout * (self.p - self.t) / len(self.p)


class BinaryCrossEntropy:
    """The mean binary cross-entropy of probabilities ``p`` (after a sigmoid) against 0/1 targets ``y``.

    Forward: ``L = -(1/N) sum_n [y_n log p_n + (1 - y_n) log(1 - p_n)]`` (what ``nn.BCELoss`` computes,
    over all ``N`` entries). Backward: ``dL/dp = (p - y) / (p (1 - p)) / N``; chained with the sigmoid's
    ``p (1 - p)`` this becomes ``(p - y) / N``.
    """

    def forward(self, p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if p.shape != y.shape:
            raise ValueError(f"probabilities {tuple(p.shape)} and targets {tuple(y.shape)} must have the same shape")
        self.p, self.y = p, y.to(p.dtype)
        return -(self.y * p.log() + (1.0 - self.y) * (1.0 - p).log()).mean()

    def backward(self, dout: torch.Tensor | float = 1.0) -> torch.Tensor:
        return dout * (self.p - self.y) / (self.p * (1.0 - self.p)) / self.p.numel()
