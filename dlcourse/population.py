"""Population training: many small models of one architecture trained at once with ``torch.func.vmap``.

A search over learning rates trains N copies of one network. Run one after another, each step is a few
small matrix products that leave most of the hardware idle. ``torch.func`` can stack the N models'
parameters along a new first dimension and ``vmap`` one model's forward pass over it, so each layer
becomes one batched matrix product for the whole population:

    params[name]: (N, *shape)    logits = vmap(model_i)(params, x): (N, batch, classes)

The models are independent: the loss is the sum of the N models' mean losses, so the gradient of each
model's parameters is exactly the gradient of its own loss. SGD then updates model i with its own
learning rate lr_i (and momentum mu_i):  v_i <- mu_i v_i + g_i,  w_i <- w_i - lr_i v_i,
exactly what ``torch.optim.SGD`` does for one model.

Limits: every model has the same architecture and sees the same batches; modules that update buffers
during the forward pass (batch norm's running statistics) cannot be stacked, so they are refused;
dropout with p > 0 is refused too (vmap would need ``randomness="different"``, and the models would then draw
other masks than when trained one by one); memory grows N-fold.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from dlcourse.batches import Batches
from dlcourse.data import Split


def _unsupported(module: nn.Module) -> bool:
    """Batch norm (running statistics) and dropout with p > 0 (random masks) cannot be vmapped faithfully."""
    return isinstance(module, nn.modules.batchnorm._BatchNorm) or (isinstance(module, nn.Dropout) and module.p > 0)


class Population:
    """N models with identical architecture, stacked for vmapped training and evaluation."""

    def __init__(self, models: Sequence[nn.Module]) -> None:
        if len(models) == 0:
            raise ValueError("a population needs at least one model")
        shapes = [[(name, p.shape) for name, p in m.named_parameters()] for m in models]
        if any(s != shapes[0] for s in shapes):
            raise ValueError("all models of a population must have the same architecture (parameter names and shapes)")
        bad = sorted({type(m).__name__ for m in models[0].modules() if _unsupported(m)})
        if bad:
            raise ValueError(f"population training does not support {bad}: batch norm updates running statistics "
                             "and dropout draws random masks inside the forward pass; train such models one by one")
        params, self.buffers = stack_module_state(list(models))
        self.params = {name: p.detach().requires_grad_() for name, p in params.items()}
        self.size = len(models)
        self._skeleton = copy.deepcopy(models[0]).to("meta")  # the architecture, without its own weights

    def _one(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(self._skeleton, (params, buffers), (x,))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Every model's output for the same input batch: shape (N, batch, ...)."""
        return vmap(self._one, in_dims=(0, 0, None))(self.params, self.buffers, x)

    def losses(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Each model's mean cross-entropy on the batch, shape (N,)."""
        logits = self(x)
        n, batch, classes = logits.shape
        per_item = nn.functional.cross_entropy(logits.reshape(n * batch, classes), y.repeat(n), reduction="none")
        return per_item.view(n, batch).mean(dim=1)

    @torch.no_grad()
    def accuracies(self, split: Split, batch_size: int = 4096) -> torch.Tensor:
        """Each model's accuracy on ``split``, shape (N,)."""
        correct = torch.zeros(self.size, device=split.x.device)
        for i in range(0, len(split), batch_size):
            logits = self(split.x[i : i + batch_size])
            correct += (logits.argmax(dim=2) == split.y[i : i + batch_size]).sum(dim=1)
        return correct / len(split)

    def unstack(self, like: nn.Module) -> list[nn.Module]:
        """N ordinary modules (copies of ``like``) holding the population's current weights."""
        models = []
        for i in range(self.size):
            model = copy.deepcopy(like)
            model.load_state_dict({name: p[i].detach().clone() for name, p in self.params.items()}
                                  | {name: b[i].clone() for name, b in self.buffers.items()})
            models.append(model)
        return models


def train_population(
    population: Population,
    train: Split,
    lrs: Sequence[float] | torch.Tensor,
    momenta: Sequence[float] | torch.Tensor | None = None,
    epochs: int = 1,
    batch_size: int = 128,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """SGD on every model at once, model i with learning rate ``lrs[i]`` and momentum ``momenta[i]``.

    Returns the per-model average training loss of each epoch, shape (epochs, N). Every model sees the
    same batches in the same order, as if each had been trained alone with the same ``generator`` seed.
    """
    device = next(iter(population.params.values())).device
    dtype = next(iter(population.params.values())).dtype
    lrs = torch.as_tensor(lrs, dtype=dtype, device=device)
    momenta = torch.zeros_like(lrs) if momenta is None else torch.as_tensor(momenta, dtype=dtype, device=device)
    if lrs.shape != (population.size,) or momenta.shape != (population.size,):
        raise ValueError(f"need one learning rate and one momentum per model ({population.size}), "
                         f"got {tuple(lrs.shape)} and {tuple(momenta.shape)}")
    velocity = {name: torch.zeros_like(p) for name, p in population.params.items()}
    batches = Batches(train.x, train.y, batch_size, shuffle=True, generator=generator)
    epoch_losses = []
    for _ in range(epochs):
        total = torch.zeros(population.size, dtype=dtype, device=device)
        for x, y in batches:
            losses = population.losses(x, y)
            grads = torch.autograd.grad(losses.sum(), list(population.params.values()))
            with torch.no_grad():
                for (name, p), g in zip(population.params.items(), grads):
                    shape = (-1,) + (1,) * (p.ndim - 1)  # broadcast lr_i and mu_i over model i's tensor
                    velocity[name].mul_(momenta.view(shape)).add_(g)
                    p.sub_(lrs.view(shape) * velocity[name])
            total += losses.detach() * y.shape[0]
        epoch_losses.append(total / len(train))
    return torch.stack(epoch_losses)
