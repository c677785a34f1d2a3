"""Training: ``fit`` a model, ``evaluate`` it, and keep a ``History`` that plots itself.

One epoch of :func:`fit` is the loop every chapter writes by hand first::

    for x, y in batches:                 # a random permutation, sliced
        loss = loss_fn(model(x), y)      # forward
        optimizer.zero_grad()
        loss.backward()                  # backward: gradients of the loss
        optimizer.step()                 # update: e.g. w <- w - lr * grad

followed by an evaluation on the validation data, if given, and the callbacks.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.std import tqdm

from dlcourse.batches import Batches
from dlcourse.data import Split

#: A callback is called after every epoch with the history so far and the model.
#: It returns True to stop training (e.g. early stopping), anything else to go on. If it also has a
#: method ``on_train_end(history, model)``, fit calls that once when training ends.
Callback = Callable[["History", nn.Module], "bool | None"]
#: A batch transform ``(x, y) -> (x, y)`` applied to training batches only (augmentation, mixup).
#: It may return probability targets of shape (N, classes) instead of class indices.
Augment = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass
class History:
    """Per-epoch records of a training run: ``history["val_acc"]`` is a list with one value per epoch."""

    records: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        if self.records and key not in self.records[0]:
            raise KeyError(f"{key!r} was not recorded; recorded: {list(self.records[0])}")
        return [r[key] for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def last(self) -> dict[str, float]:
        """The record of the last epoch."""
        if not self.records:
            raise IndexError("the history is empty: no epoch has finished")
        return self.records[-1]

    def plot(self, title: str | None = None):  # noqa: ANN201 - returns a matplotlib Figure
        """Loss and accuracy per epoch, training and validation side by side."""
        from dlcourse.plot import plot_history

        return plot_history(self, title=title)


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite: ``fit`` stopped at that batch instead of going on with NaNs.

    ``epoch`` and ``batch`` (both from 1) locate the first non-finite loss (a validation loss counts after
    the epoch's last batch), ``lr`` is the learning rate then, ``history`` holds the epochs finished before.
    """

    def __init__(self, epoch: int, batch: int, batches: int, lr: float, loss: float, history: History,
                 which: str = "training") -> None:
        self.epoch, self.batch, self.lr, self.loss, self.history = epoch, batch, lr, loss, history
        where = f"at epoch {epoch}, batch {batch} of {batches}" if which == "training" else \
            f"after epoch {epoch} (batch {batch} of {batches})"
        super().__init__(
            f"training diverged: the {which} loss became {loss} {where} (learning rate {lr:g}); "
            "lower the learning rate (try a tenth of it), or clip the gradients")


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is at the true class: mean(argmax(logits) == y)."""
    if logits.ndim != 2 or logits.shape[0] != y.shape[0]:
        raise ValueError(f"expected logits (n, classes) and labels (n,), got {tuple(logits.shape)} and {tuple(y.shape)}")
    return (logits.argmax(dim=1) == y).float().mean().item()


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """The model's outputs for all of ``x``, computed in batches in eval mode."""
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)])
    finally:
        model.train(was_training)


def evaluate(
    model: nn.Module,
    data: Split,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    batch_size: int = 4096,
) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on ``data`` (eval mode, no gradients)."""
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    device = next(model.parameters()).device
    data = data.to(device)
    logits = predict(model, data.x, batch_size)
    return {"loss": loss_fn(logits, data.y).item(), "acc": accuracy(logits, data.y)}


def _step_scheduler(scheduler: object, metric: float) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(metric)  # it watches a metric instead of counting epochs
    else:
        scheduler.step()  # type: ignore[attr-defined]


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train: Split,
    *,
    val: Split | None = None,
    epochs: int = 1,
    batch_size: int = 128,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    scheduler: object | None = None,
    scheduler_per_batch: bool = False,
    callbacks: Sequence[Callback] = (),
    augment: Augment | None = None,
    generator: torch.Generator | None = None,
    progress: bool = True,
    verbose: bool = True,
    amp: bool | torch.dtype = False,
    stop_on_divergence: bool = True,
) -> History:
    """Train ``model`` with ``optimizer`` on ``train`` for ``epochs`` epochs and return its History.

    The data is moved once to the model's device. ``train_loss``/``train_acc`` are averages over
    the epoch's batches (the weights change during the epoch); ``val_loss``/``val_acc`` are measured
    after the epoch. ``scheduler`` is stepped after every epoch, or after every batch with
    ``scheduler_per_batch=True`` (OneCycleLR, CyclicLR); ReduceLROnPlateau is given the validation
    loss (the training loss without validation data). ``augment`` transforms each training batch
    (its probability targets count as their most likely class for ``train_acc``). A progress bar goes
    to stderr; with ``verbose`` one line per epoch is printed.

    ``amp=True`` runs the forward pass and the loss in mixed precision (``torch.autocast``: float16 on
    CUDA and MPS, bfloat16 on the CPU); ``amp=torch.bfloat16`` or ``amp=torch.float16`` chooses the
    type (bfloat16 suits GPUs that have it, such as A100 and H100). With float16 a GradScaler multiplies
    the loss before ``backward()`` so that small gradients do not flush to zero, and divides them again
    before the step. The weights stay float32. It is off by default, so every notebook's numbers stay
    those of float32.

    An experiment that wants to watch a network diverge (chapter 5's large weight scales) passes
    ``stop_on_divergence=False`` and trains on through NaN. Otherwise,
    a loss that becomes NaN or infinite stops training with :class:`TrainingDiverged`, which names the
    epoch, the batch and the learning rate; the callbacks' ``on_train_end`` still runs. On the CPU it stops
    right after that batch; on a GPU the losses are checked once per epoch (reading one every batch would
    make the GPU wait), and the message still names the first bad batch.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if len(train) == 0 or (val is not None and len(val) == 0):
        raise ValueError(f"{'train' if len(train) == 0 else 'val'} has no items; fit needs data to train and score on")
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    device = next(model.parameters()).device
    train = train.to(device)
    val = val.to(device) if val is not None else None
    batches = Batches(train.x, train.y, batch_size, shuffle=True, generator=generator)
    amp_dtype = autocast_dtype(amp, device)
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
    history = History()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total_loss = torch.zeros((), device=device)
        total_correct = torch.zeros((), device=device)
        bar = tqdm(batches, desc=f"epoch {epoch}/{epochs}", leave=False, disable=not progress,
                   file=sys.stderr, mininterval=0.5, unit="batch")
        losses = []  # this epoch's batch losses, kept on the device
        for x, y in bar:
            if augment is not None:
                x, y = augment(x, y)
            with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                logits = model(x)
                loss = loss_fn(logits, y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # without amp: loss.backward() and optimizer.step(), unchanged
            scaler.step(optimizer)
            scaler.update()
            if scheduler is not None and scheduler_per_batch:
                scheduler.step()  # type: ignore[attr-defined]
            # Accumulate on the device: calling .item() every batch would wait for the GPU each time.
            total_loss += loss.detach() * y.shape[0]
            labels = y.argmax(dim=1) if y.ndim == 2 else y
            total_correct += (logits.detach().argmax(dim=1) == labels).sum()
            losses.append(loss.detach())
            if stop_on_divergence and device.type == "cpu" and not math.isfinite(losses[-1].item()):
                break  # reading a loss costs nothing on the CPU: stop at the first bad batch
        if stop_on_divergence and not math.isfinite(total_loss.item()):
            _diverged(torch.stack(losses), epoch, len(batches), optimizer, history, model, callbacks)
        record = {
            "epoch": epoch,
            "train_loss": total_loss.item() / len(train),
            "train_acc": total_correct.item() / len(train),
            "lr": optimizer.param_groups[0]["lr"],
        }
        if val is not None:
            scores = evaluate(model, val, loss_fn)
            record.update(val_loss=scores["loss"], val_acc=scores["acc"])
            if stop_on_divergence and not math.isfinite(scores["loss"]):  # weights so large that the outputs overflow
                _diverged(torch.tensor([scores["loss"]]), epoch, len(batches), optimizer, history, model, callbacks,
                          which="validation")
        if scheduler is not None and not scheduler_per_batch:
            _step_scheduler(scheduler, record.get("val_loss", record["train_loss"]))
        record["seconds"] = time.perf_counter() - start
        history.records.append(record)
        if verbose:
            print(_format_record(record, epochs))
        stops = [callback(history, model) is True for callback in callbacks]  # every callback runs
        if any(stops):
            break
    for callback in callbacks:
        if hasattr(callback, "on_train_end"):
            callback.on_train_end(history, model)
    return history


def _diverged(losses: torch.Tensor, epoch: int, batches: int, optimizer: torch.optim.Optimizer, history: History,
              model: nn.Module, callbacks: Sequence[Callback], which: str = "training") -> None:
    """Raise TrainingDiverged for the first non-finite entry of ``losses`` (after the callbacks' on_train_end)."""
    bad = int((~torch.isfinite(losses)).nonzero()[0])
    for callback in callbacks:
        if hasattr(callback, "on_train_end"):
            callback.on_train_end(history, model)
    batch = bad + 1 if which == "training" else batches
    raise TrainingDiverged(epoch, batch, batches, optimizer.param_groups[0]["lr"], losses[bad].item(), history, which)


def autocast_dtype(amp: bool | torch.dtype, device: torch.device) -> torch.dtype | None:
    """The type ``fit(amp=...)`` computes in: None for float32, ``amp`` itself when it is a type, and for
    ``amp=True`` bfloat16 on the CPU (float16 is slow there) and float16 elsewhere."""
    if amp is False:
        return None
    if amp is True:
        return torch.bfloat16 if device.type == "cpu" else torch.float16
    if amp in (torch.float16, torch.bfloat16):
        return amp
    raise ValueError(f"amp must be True, False, torch.float16 or torch.bfloat16, got {amp!r}")


def _format_record(record: dict[str, float], epochs: int) -> str:
    line = f"epoch {int(record['epoch']):>{len(str(epochs))}}/{epochs}  "
    line += f"train loss {record['train_loss']:.4f} acc {record['train_acc']:.4f}"
    if "val_loss" in record:
        line += f"  |  val loss {record['val_loss']:.4f} acc {record['val_acc']:.4f}"
    return line + f"  |  {record['seconds']:.1f} s"
