"""Hyperparameter search: one training function, grid and random search written out, and Optuna studies.

Every search strategy asks the same question, "how good is this config on validation data?", answered by
``train_and_score``. Grid search tries every combination of listed values; random search draws each value
independently (learning rates on a log scale, ``lr = 10 ** uniform(-3, 0)``); Optuna's TPE sampler
(Bayesian optimization) draws where past trials did well, and its pruners stop poor trials early.

A study lives in a **storage**, named by a URL, so several processes, or several machines, can work on
one study at once:

- ``journal:PATH`` (or a path ending in ``.log``): Optuna's journal file, safe for processes on one machine
  or on a shared file system;
- ``sqlite:///PATH.db``: one file, fine for a few processes on one machine;
- ``postgresql://user:password@host/db`` or ``mysql+pymysql://...``: a database server, for many machines.
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import optuna
import torch
from torch import nn

from dlcourse import data
from dlcourse.config import TrainConfig
from dlcourse.data import Split
from dlcourse.device import get_device
from dlcourse.seed import seed_everything
from dlcourse.train import Callback, fit

#: Called after every epoch with (epoch, validation accuracy); may raise to stop the run (pruning).
Report = Callable[[int, float], None]


def search_data(config: TrainConfig, dataset: data.Dataset | None = None) -> tuple[Split, Split]:
    """The training and validation images a config asks for: ``val_size`` held out, ``train_size`` kept.

    The split depends only on the sizes, never on the config's seed, so every trial of a search is
    scored on the same validation images.
    """
    dataset = dataset or data.load("fashion-mnist")
    train, val = data.train_val_split(dataset.train, val_size=config.val_size, seed=0)
    if config.train_size:
        if config.train_size > len(train):
            raise ValueError(f"train_size={config.train_size} but only {len(train)} images are left for training")
        train = train[: config.train_size]  # train_val_split shuffled, so this is a random subset
    return train, val


def build_model(config: TrainConfig) -> nn.Module:
    """784-hidden-10 MLP with ReLU and dropout: small enough that a trial takes seconds on a CPU."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, config.hidden), nn.ReLU(), nn.Dropout(config.dropout),
                         nn.Linear(config.hidden, 10))


def build_optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    """SGD (with ``momentum``, which "momentum" requires to be positive) or Adam, with ``weight_decay``."""
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "momentum" and config.momentum == 0:
        raise ValueError('optimizer "momentum" needs a momentum in (0, 1), e.g. --momentum 0.9')
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                           weight_decay=config.weight_decay)


def train_and_score(
    config: TrainConfig,
    splits: tuple[Split, Split] | None = None,
    report: Report | None = None,
    device: torch.device | None = None,
) -> dict[str, Any]:
    """Train ``build_model(config)`` and return its final validation accuracy and loss, and the time taken.

    ``splits`` saves reloading the data in every trial (default: ``search_data(config)``). ``report`` is
    called after each epoch; a pruner stops a trial by raising from it. A loss that becomes NaN or
    infinite (too high a learning rate) ends the run with ``val_acc`` as measured, not an exception:
    a diverging config is a result, not an error.
    """
    train, val = splits or search_data(config)
    device = device or get_device()
    seed_everything(config.seed)
    model = build_model(config).to(device)
    optimizer = build_optimizer(config, model)
    callbacks: list[Callback] = [lambda history, _model: not math.isfinite(history.last()["train_loss"])]
    if report is not None:
        callbacks.append(lambda history, _model: report(len(history), history.last()["val_acc"]))
    start = time.perf_counter()
    history = fit(model, optimizer, train, val=val, epochs=config.epochs, batch_size=config.batch_size,
                  callbacks=callbacks, generator=torch.Generator().manual_seed(config.seed), progress=False,
                  verbose=False)
    last = history.last()
    return {"val_acc": last["val_acc"], "val_loss": last["val_loss"], "epochs": len(history),
            "seconds": time.perf_counter() - start}


def grid(space: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the listed values: ``grid({"lr": [0.1, 1], "hidden": [64, 128]})`` has 4 entries."""
    for name, values in space.items():
        if isinstance(values, (str, bytes)) or len(values) == 0:
            raise ValueError(f"grid space {name!r} needs a non-empty list of values, got {values!r}")
    names = list(space)
    return [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))]


def log_uniform(low: float, high: float, generator: torch.Generator) -> float:
    """A number between ``low`` and ``high`` whose logarithm is uniform: 10 ** uniform(log10 low, log10 high).

    Learning rates are drawn this way because 0.001 -> 0.01 matters as much as 0.1 -> 1.
    """
    if not 0 < low < high:
        raise ValueError(f"log_uniform needs 0 < low < high, got low={low}, high={high}")
    u = torch.rand((), generator=generator, dtype=torch.float64).item()
    return 10 ** (math.log10(low) + u * (math.log10(high) - math.log10(low)))


def random_configs(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` random draws from this chapter's space: lr log-uniform in [1e-3, 1], momentum uniform in
    [0, 0.95], hidden log-uniform among the integers 16..512."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(n):
        lr = log_uniform(1e-3, 1.0, generator)
        momentum = 0.95 * torch.rand((), generator=generator, dtype=torch.float64).item()
        hidden = round(log_uniform(16, 512, generator))
        yield {"lr": lr, "momentum": momentum, "hidden": hidden}


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """The same space as ``random_configs``, asked of an Optuna trial (which may use TPE to choose)."""
    return {
        "lr": trial.suggest_float("lr", 1e-3, 1.0, log=True),
        "momentum": trial.suggest_float("momentum", 0.0, 0.95),
        "hidden": trial.suggest_int("hidden", 16, 512, log=True),
    }


def objective(base: TrainConfig, splits: tuple[Split, Split]) -> Callable[[optuna.Trial], float]:
    """An Optuna objective: ``base`` with the trial's suggestions, reporting validation accuracy per epoch.

    The trial records the process that ran it (``worker`` attribute), which shows how parallel workers
    shared a study.
    """

    def run(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")

        def report(epoch: int, val_acc: float) -> None:
            trial.report(val_acc, step=epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch} at validation accuracy {val_acc:.4f}")

        return train_and_score(base.replace(**suggest(trial)), splits, report)["val_acc"]

    return run


def open_storage(url: str) -> str | optuna.storages.BaseStorage:
    """The Optuna storage a URL names: ``journal:PATH`` / ``*.log`` -> journal file, else a database URL."""
    if url.startswith("journal:") or url.endswith(".log"):
        path = url.removeprefix("journal:")
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(path))
    if url.startswith(("sqlite:///", "postgresql://", "postgresql+", "mysql://", "mysql+")):
        return url
    raise ValueError(
        f"unknown storage {url!r}; use journal:study.log, sqlite:///study.db or "
        "postgresql://user:password@host/database"
    )


def make_pruner(name: str) -> optuna.pruners.BasePruner:
    """``none``, ``median``, ``halving`` (successive halving) or ``hyperband``, by name."""
    pruners: dict[str, Callable[[], optuna.pruners.BasePruner]] = {
        "none": optuna.pruners.NopPruner,
        "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1),
        "halving": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3),
    }
    if name not in pruners:
        raise ValueError(f"unknown pruner {name!r}; choose one of {sorted(pruners)}")
    return pruners[name]()


def run_study(
    storage: str,
    study_name: str,
    n_trials: int,
    base: TrainConfig,
    pruner: str = "none",
    sampler_seed: int | None = None,
    splits: tuple[Split, Split] | None = None,
) -> optuna.Study:
    """Create (or join) study ``study_name`` in ``storage`` and run ``n_trials`` more trials of it here.

    Start the same call in several processes or machines with the same storage and name: each asks the
    storage for its next trial, so the work is shared and every trial is recorded once.
    """
    study = optuna.create_study(storage=open_storage(storage), study_name=study_name, direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=sampler_seed),
                                pruner=make_pruner(pruner), load_if_exists=True)
    study.optimize(objective(base, splits or search_data(base)), n_trials=n_trials)
    return study
