"""The optimizers of chapter 3, written out as ``torch.optim.Optimizer`` subclasses.

Each one writes only its update rule (the ``update`` method, the rule also in its class docstring);
:class:`PerParameterOptimizer` loops over the parameters that have a gradient ``g``. Per-parameter
memory (velocities, running averages) lives in ``state``. Because they are real ``Optimizer``
subclasses they work with ``dlcourse.train.fit`` and with every ``torch.optim.lr_scheduler``. The
tests check each against its ``torch.optim`` counterpart step by step in float64.

``weight_decay`` (where offered) adds ``weight_decay * p`` to the gradient, an L2 penalty
``(weight_decay / 2) * ||p||^2`` on the loss; :class:`AdamW` instead shrinks the weights directly
(decoupled weight decay). Chapter 6 explains why that differs for adaptive methods.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import torch
from torch.optim import Optimizer


def _check(**values: float) -> None:
    for name, value in values.items():
        low, high = (0.0, 1.0) if name in ("momentum", "alpha", "rho", "beta1", "beta2") else (0.0, float("inf"))
        if not (low <= value < high) or (name == "lr" and value == 0):
            allowed = "in [0, 1)" if high == 1.0 else ("> 0" if name == "lr" else ">= 0")
            raise ValueError(f"{name} must be {allowed}, got {value!r}")


class PerParameterOptimizer(Optimizer):
    """The loop all optimizers share: ``step`` calls ``update`` for every parameter that has a gradient.

    A subclass writes only its rule, ``update(p, g, state, group)``: ``p`` the parameter (changed in
    place), ``g`` its gradient, ``state`` its own memory (a dict kept between steps) and ``group`` the
    hyperparameters (``group["lr"]``, ...), which a scheduler may change between steps.
    """

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001, ANN201 (the signature torch.optim.Optimizer defines)
        loss = None if closure is None else closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], group)
        return loss

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        raise NotImplementedError


class SGD(PerParameterOptimizer):
    """Stochastic gradient descent: ``p <- p - lr * g``."""

    def __init__(self, params: Iterable, lr: float = 0.01, weight_decay: float = 0.0) -> None:
        _check(lr=lr, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay})

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        g = g + group["weight_decay"] * p
        p.sub_(group["lr"] * g)


class Momentum(PerParameterOptimizer):
    """Gradient descent with momentum, in the textbook form: a velocity ``v`` (0 at the start) accumulates gradients,

        v <- momentum * v - lr * g,        p <- p + v.

    PyTorch's ``SGD(momentum=...)`` keeps ``b = -v / lr`` instead (``b <- momentum * b + g``,
    ``p <- p - lr * b``): the same steps while ``lr`` is constant. When a scheduler changes ``lr``,
    the textbook form keeps the old rate inside ``v`` and PyTorch's applies the new rate to all of it.
    """

    def __init__(self, params: Iterable, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        _check(lr=lr, momentum=momentum, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        g = g + group["weight_decay"] * p
        v = state.setdefault("velocity", torch.zeros_like(p))
        v.mul_(group["momentum"]).sub_(group["lr"] * g)
        p.add_(v)


class Nesterov(Momentum):
    """Nesterov's accelerated gradient: momentum that corrects its course by looking ahead.

    Sutskever's form takes the gradient at the look-ahead point ``p + momentum * v``. Substituting
    ``p' = p + momentum * v`` (we store the look-ahead point) gives the form PyTorch uses, which needs
    only the gradient ``g`` at the stored point:

        b <- momentum * b + g,        p <- p - lr * (g + momentum * b).

    It takes the same hyperparameters as :class:`Momentum`.
    """

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        g = g + group["weight_decay"] * p
        b = state.setdefault("buffer", torch.zeros_like(p))
        b.mul_(group["momentum"]).add_(g)
        p.sub_(group["lr"] * (g + group["momentum"] * b))


class AdaGrad(PerParameterOptimizer):
    """AdaGrad: each coordinate's step is divided by the root of its summed squared gradients,

        h <- h + g * g,        p <- p - lr * g / (sqrt(h) + eps).

    Coordinates with large past gradients slow down; the steps shrink for ever as ``h`` grows.
    ``eps = 1e-10`` as in PyTorch (the source notes use ``1e-7``).
    """

    def __init__(self, params: Iterable, lr: float = 0.01, eps: float = 1e-10) -> None:
        _check(lr=lr, eps=eps)
        super().__init__(params, {"lr": lr, "eps": eps})

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        h = state.setdefault("sum_of_squares", torch.zeros_like(p))
        h.add_(g * g)
        p.sub_(group["lr"] * g / (h.sqrt() + group["eps"]))


class RMSprop(PerParameterOptimizer):
    """RMSprop: AdaGrad with a forgetting factor, so old gradients fade and the steps do not die out,

        v <- alpha * v + (1 - alpha) * g * g,        p <- p - lr * g / (sqrt(v) + eps).
    """

    def __init__(self, params: Iterable, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        _check(lr=lr, alpha=alpha, eps=eps)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps})

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        v = state.setdefault("mean_square", torch.zeros_like(p))
        v.mul_(group["alpha"]).add_((1 - group["alpha"]) * g * g)
        p.sub_(group["lr"] * g / (v.sqrt() + group["eps"]))


class Adadelta(PerParameterOptimizer):
    """Adadelta: RMSprop whose step size is itself a running RMS of past steps, so the units match,

        v <- rho * v + (1 - rho) * g * g
        d <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * d * d
        p <- p - lr * d

    Zeiler's paper has no learning rate (``lr = 1``, PyTorch's default).
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6) -> None:
        _check(lr=lr, rho=rho, eps=eps)
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps})

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        rho, eps = group["rho"], group["eps"]
        v = state.setdefault("mean_square", torch.zeros_like(p))
        u = state.setdefault("mean_square_step", torch.zeros_like(p))
        v.mul_(rho).add_((1 - rho) * g * g)
        d = (u + eps).sqrt() / (v + eps).sqrt() * g
        u.mul_(rho).add_((1 - rho) * d * d)
        p.sub_(group["lr"] * d)


class Adam(PerParameterOptimizer):
    """Adam: momentum on the gradient and RMSprop on its square, both corrected for starting at zero,

        m <- beta1 * m + (1 - beta1) * g,          v <- beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1^t),                 v_hat = v / (1 - beta2^t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    at step ``t = 1, 2, ...``. Without the corrections the first steps would be too small, since ``m``
    and ``v`` start at 0. This is PyTorch's form. The paper's "efficient version" (also in the source
    notes) computes ``p <- p - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps')``: the
    same update with ``eps' = eps * sqrt(1 - beta2^t)``, so the two differ slightly while ``v`` is tiny.
    ``weight_decay`` adds an L2 penalty to the gradient (PyTorch's ``Adam(weight_decay=...)``).
    """

    def __init__(self, params: Iterable, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        _check(lr=lr, beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        self.adam_step(p, g + group["weight_decay"] * p, state, group)

    @staticmethod
    def adam_step(p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        """The bias-corrected Adam step for gradient ``g`` (shared with :class:`AdamW`)."""
        beta1, beta2 = group["betas"]
        state["t"] = t = state.get("t", 0) + 1
        m = state.setdefault("m", torch.zeros_like(p))
        v = state.setdefault("v", torch.zeros_like(p))
        m.mul_(beta1).add_((1 - beta1) * g)
        v.mul_(beta2).add_((1 - beta2) * g * g)
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p.sub_(group["lr"] * m_hat / (v_hat.sqrt() + group["eps"]))


class AdamW(Adam):
    """Adam with decoupled weight decay: shrink the weights, then take Adam's step on the plain gradient,

        p <- p - lr * weight_decay * p,        then the update of :class:`Adam`.

    In ``Adam(weight_decay=...)`` the penalty's gradient goes through the division by ``sqrt(v_hat)``,
    so weights with large gradients are barely decayed; here every weight shrinks at the same rate.
    """

    def __init__(self, params: Iterable, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def update(self, p: torch.Tensor, g: torch.Tensor, state: dict, group: dict) -> None:
        p.mul_(1 - group["lr"] * group["weight_decay"])
        self.adam_step(p, g, state, group)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad, "rmsprop": RMSprop,
    "adadelta": Adadelta, "adam": Adam, "adamw": AdamW,
}


def make_optimizer(name: str, params: Iterable, **hyperparameters: float) -> Optimizer:
    """The optimizer called ``name`` (any case: ``"adam"``, ``"AdaGrad"``, ...) over ``params``."""
    key = name.lower()
    if key not in OPTIMIZERS:
        close = difflib.get_close_matches(key, OPTIMIZERS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown optimizer {name!r}.{hint} Choose one of: {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[key](params, **hyperparameters)
