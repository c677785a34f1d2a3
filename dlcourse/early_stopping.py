"""Early stopping (chapter 6): stop when the validation loss has not improved for a while, keep the best weights.

Use it as a callback of :func:`dlcourse.train.fit`::

    stopper = EarlyStopping(patience=5)
    history = fit(model, optimizer, train, val=val, epochs=100, callbacks=[stopper])
    # model now holds the weights of epoch stopper.best_epoch
"""

from __future__ import annotations

import copy

from torch import nn

from dlcourse.train import History


class EarlyStopping:
    """Stop after ``patience`` epochs in which ``monitor`` did not beat its best by more than ``min_delta``.

    ``mode="min"`` for losses, ``"max"`` for accuracies. With ``restore_best`` the model gets the weights
    of its best epoch back, when training stops early and also when it runs out of epochs (``fit``
    calls :meth:`on_train_end`).
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, monitor: str = "val_loss", mode: str = "min",
                 restore_best: bool = True) -> None:
        if patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, got {patience}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' (for losses) or 'max' (for accuracies), got {mode!r}")
        self.patience, self.min_delta, self.monitor, self.restore_best = patience, min_delta, monitor, restore_best
        self.sign = 1.0 if mode == "min" else -1.0  # compare sign * value, so that lower is always better
        self.best = float("inf")
        self.best_epoch = 0
        self.best_state: dict | None = None

    def __call__(self, history: History, model: nn.Module) -> bool:
        record = history.last()
        if self.monitor not in record:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which fit did not record "
                           f"(recorded: {list(record)}); pass val=... to fit or choose monitor='train_loss'")
        value = self.sign * record[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch = value, int(record["epoch"])
            if self.restore_best:
                self.best_state = copy.deepcopy(model.state_dict())
        return int(record["epoch"]) - self.best_epoch >= self.patience

    def on_train_end(self, history: History, model: nn.Module) -> None:
        """Put the best epoch's weights back into ``model``."""
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)
