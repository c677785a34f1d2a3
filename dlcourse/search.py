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
- ``postgresql+psycopg://user:password@host:5432/db`` (``postgresql://`` is read the same way; it needs
  psycopg 3: ``pip install "dlcourse[postgres]"``) or ``mysql+pymysql://...``: a database server, for
  many machines. ``connect_timeout`` bounds the wait for a server that does not answer.

Workers die (a closed laptop, a killed job). Every worker sends a **heartbeat** for its running trial every
``heartbeat`` seconds; a trial whose heartbeat stopped for two intervals is marked FAIL, and queued once
more with the same parameters, by the next worker that starts a trial. The database storages use Optuna's
own heartbeat (the server's clock judges the silence); the journal gets the same behaviour from
:class:`HeartbeatJournalStorage`, where each worker judges silence on its own clock, so the machines'
clocks need not agree.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import socket
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna
import torch
from optuna.storages._heartbeat import BaseHeartbeat
from torch import nn

from dlcourse import data
from dlcourse.config import CONNECT_TIMEOUT, HEARTBEAT, SEARCHED, TrainConfig  # noqa: F401 - SEARCHED: suggest's space
from dlcourse.data import Split
from dlcourse.device import get_device
from dlcourse.seed import seed_everything
from dlcourse.train import Callback, TrainingDiverged, evaluate, fit

#: Called after every epoch with (epoch, validation accuracy); may raise to stop the run (pruning).
Report = Callable[[int, float], None]


class StorageError(ValueError):
    """A study's storage cannot be opened; the message names the problem and the fix."""


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
    infinite (too high a learning rate) stops the run at that batch (``fit`` raises ``TrainingDiverged``);
    the result then holds ``diverged`` (the message), ``val_acc`` of the model as it was left, and
    ``val_loss`` None: a diverging config is a result, not an error.
    """
    train, val = splits or search_data(config)
    device = device or get_device()
    seed_everything(config.seed)
    model = build_model(config).to(device)
    optimizer = build_optimizer(config, model)
    callbacks: list[Callback] = []
    if report is not None:
        callbacks.append(lambda history, _model: report(len(history), history.last()["val_acc"]))
    start = time.perf_counter()
    try:
        history = fit(model, optimizer, train, val=val, epochs=config.epochs, batch_size=config.batch_size,
                      callbacks=callbacks, generator=torch.Generator().manual_seed(config.seed), progress=False,
                      verbose=False)
    except TrainingDiverged as err:
        return {"val_acc": evaluate(model, val)["acc"], "val_loss": None, "epochs": err.epoch,
                "seconds": time.perf_counter() - start, "diverged": str(err)}
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


class HeartbeatJournalStorage(optuna.storages.JournalStorage, BaseHeartbeat):
    """Optuna's journal storage with the heartbeat its database storages have.

    A heartbeat is a trial system attribute that the trial's worker rewrites every ``heartbeat_interval``
    seconds. Another worker calls a RUNNING trial stale when it has seen that attribute keep one value for
    ``grace_period`` seconds of its own monotonic clock: no two machines' clocks are compared, so the
    journal may live on a file system shared by machines whose clocks disagree. A worker that has just
    started must watch for one grace period before it can judge; one that ran earlier trials already has.
    """

    KEY = "dlcourse:heartbeat"

    def __init__(self, backend: optuna.storages.journal.BaseJournalBackend, heartbeat_interval: int,
                 grace_period: int | None = None,
                 heartbeat_stale_trial_callback: Callable[[optuna.Study, optuna.trial.FrozenTrial], None] | None = None,
                 ) -> None:
        super().__init__(backend)
        if heartbeat_interval < 1:
            raise ValueError(f"heartbeat_interval must be at least 1 second, got {heartbeat_interval}")
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period or 2 * heartbeat_interval
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback
        self._seen: dict[int, tuple[Any, float]] = {}  # trial id -> (last heartbeat value, when first seen)

    def record_heartbeat(self, trial_id: int) -> None:
        try:  # the value only has to change: a counter that differs between workers and beats
            self.set_trial_system_attr(trial_id, self.KEY, f"{os.getpid()}:{time.monotonic_ns()}")
        except optuna.exceptions.UpdateFinishedTrialError:
            pass  # another worker already failed this trial as stale; its result will be refused too

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        now = time.monotonic()
        stale = []
        for trial in self.get_all_trials(study_id, deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            beat = trial.system_attrs.get(self.KEY)
            if beat is None:
                continue  # started by a worker without heartbeat: nothing to judge it by
            seen = self._seen.get(trial._trial_id)
            if seen is None or seen[0] != beat:
                self._seen[trial._trial_id] = (beat, now)
            elif now - seen[1] > self.grace_period:
                stale.append(trial._trial_id)
        return stale

    def get_heartbeat_interval(self) -> int:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None] | None:
        return self.heartbeat_stale_trial_callback


def database_url(url: str) -> str:
    """The SQLAlchemy URL a storage URL names: ``postgresql://`` (and ``postgres://``) use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith(("sqlite:///", "postgresql+", "mysql://", "mysql+")):
        return url
    raise StorageError(
        f"unknown storage {url!r}; use journal:study.log, sqlite:///study.db or "
        "postgresql+psycopg://user:password@host:5432/database"
    )


def _writable_file(path: Path, what: str) -> None:
    """Refuse, with the fix, a storage file whose folder is missing or that cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise StorageError(f"the {what} {path} cannot be created: the folder {folder} does not exist; "
                           f"create it (mkdir -p {folder}) or choose another path")
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise StorageError(f"the {what} {path} cannot be written ({target} is read-only for this user); "
                           "fix its permissions or choose another path")


@contextlib.contextmanager
def _folder_lock(folder: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (POSIX ``flock``; a no-op where there is none), waiting at most
    ``timeout`` seconds. Two workers creating one SQLite file's tables at once would collide."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock (workers there should start a second or two apart)
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError(f"another process held the lock on {folder} for over {timeout:g} s "
                                       "while creating a study there; try again") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _database_error(url: str, err: Exception, seconds: float, connect_timeout: float) -> StorageError:
    """The message for a database storage that could not be opened."""
    first_line = str(getattr(err, "orig", None) or err).strip().splitlines()[0] if str(err).strip() else repr(err)
    if url.startswith("sqlite"):
        return StorageError(f"cannot open the SQLite storage {url}: {first_line}")
    if "timeout" in first_line.lower() or seconds >= connect_timeout:
        return StorageError(f"the database server of {url.split('@')[-1]} did not answer within {connect_timeout:g} s; "
                            "check the host and port and that the server runs and accepts connections from "
                            "here, or wait longer with --connect-timeout SECONDS")
    return StorageError(f"cannot connect to the database of {url.split('@')[-1]}: {first_line}")


def open_storage(url: str, heartbeat: int | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT) -> optuna.storages.BaseStorage:
    """The Optuna storage a URL names: ``journal:PATH`` / ``*.log`` -> journal file, else a database.

    With ``heartbeat`` (seconds), running trials send heartbeats and a trial silent for two of them is
    failed and retried once (see the module's docstring). ``connect_timeout`` bounds the wait for a
    database server. A storage that cannot be opened raises :class:`StorageError` naming the fix.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)
    if url.startswith("journal:") or url.endswith(".log"):
        from optuna.storages.journal import JournalFileBackend

        path = Path(url.removeprefix("journal:"))
        _writable_file(path, "journal file")
        backend = JournalFileBackend(str(path))
        if heartbeat is None:
            return optuna.storages.JournalStorage(backend)
        return HeartbeatJournalStorage(backend, heartbeat, heartbeat_stale_trial_callback=retry)
    sqlalchemy_url = database_url(url)
    engine_kwargs: dict[str, Any] = {}
    in_memory = sqlalchemy_url in ("sqlite://", "sqlite:///:memory:")
    if sqlalchemy_url.startswith("sqlite:///") and not in_memory:
        _writable_file(Path(sqlalchemy_url.removeprefix("sqlite:///")), "SQLite file")
        engine_kwargs["connect_args"] = {"timeout": connect_timeout}  # waiting for another writer's lock
    if sqlalchemy_url.startswith("postgresql+psycopg://"):
        try:
            import psycopg  # noqa: F401 - only to say which package is missing
        except ImportError:
            raise StorageError('a postgresql:// storage needs the psycopg 3 driver: pip install "dlcourse[postgres]"'
                               ) from None
        engine_kwargs["connect_args"] = {"connect_timeout": max(1, round(connect_timeout))}
    if in_memory:
        heartbeat = None  # nobody else can see an in-memory database, and a heartbeat thread would not either
    start = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeat_interval
            return optuna.storages.RDBStorage(
                sqlalchemy_url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat,
                heartbeat_stale_trial_callback=retry if heartbeat else None)
    except ModuleNotFoundError as err:
        raise StorageError(f"the driver for {url.split(':')[0]} is not installed ({err}); install it, e.g. "
                           'pip install "dlcourse[postgres]" for PostgreSQL or pip install pymysql for MySQL') from None
    except Exception as err:  # noqa: BLE001 - SQLAlchemy's and the drivers' errors, each made one message
        raise _database_error(url, err, time.monotonic() - start, connect_timeout) from err


def open_study(storage: str, study_name: str, heartbeat: int | None = HEARTBEAT,
               connect_timeout: float = CONNECT_TIMEOUT, **create_kwargs: Any) -> optuna.Study:
    """Create study ``study_name`` in ``storage``, or load it if another worker created it first.

    ``create_kwargs`` go to ``optuna.create_study`` (direction, sampler, pruner). Workers starting together
    on a new SQLite file take turns (a lock on its folder) to create its tables, which would otherwise
    collide.
    """
    create_kwargs.setdefault("direction", "maximize")
    url = storage.removeprefix("journal:")
    lock: contextlib.AbstractContextManager = contextlib.nullcontext()
    if storage.startswith("sqlite:///") and not storage.startswith("sqlite:///:memory:"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        if folder.is_dir():
            lock = _folder_lock(folder, max(60.0, connect_timeout))
    with lock:
        opened = open_storage(storage, heartbeat, connect_timeout)
        return optuna.create_study(storage=opened, study_name=study_name, load_if_exists=True, **create_kwargs)


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


def optimize(study: optuna.Study, run: Callable[[optuna.Trial], float], n_trials: int) -> None:
    """``study.optimize(run, n_trials)``, one trial at a time, surviving one case that would end it: another
    worker marked this worker's trial failed (it was silent for longer than the grace period, e.g. a
    suspended laptop) and queued it again. That trial's result is refused by the storage; this says so and
    goes on with the next trial."""

    def checked(trial: optuna.Trial) -> float:
        value = run(trial)
        if study._storage.get_trial(trial._trial_id).state != optuna.trial.TrialState.RUNNING:
            raise RuntimeError(f"trial {trial.number} is no longer this worker's")  # Optuna then refuses to tell
        return value

    for _ in range(n_trials):
        try:
            study.optimize(checked, n_trials=1)
        except (ValueError, optuna.exceptions.UpdateFinishedTrialError) as err:
            if isinstance(err, ValueError) and not str(err).startswith("Cannot tell a"):
                raise  # the objective's own error
            print(f"a trial of this worker was marked failed by another worker while it ran ({err}); this worker "
                  "was silent for longer than the grace period (2 heartbeats). The trial was queued again; "
                  "going on with the next one.", file=sys.stderr)


def run_study(
    storage: str,
    study_name: str,
    n_trials: int,
    base: TrainConfig,
    pruner: str = "none",
    sampler_seed: int | None = None,
    splits: tuple[Split, Split] | None = None,
    heartbeat: int | None = HEARTBEAT,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> optuna.Study:
    """Create (or join) study ``study_name`` in ``storage`` and run ``n_trials`` more trials of it here.

    Start the same call in several processes or machines with the same storage and name: each asks the
    storage for its next trial, so the work is shared and every trial is recorded once. A worker that
    dies leaves its trial RUNNING until another worker, starting a trial, finds its heartbeat silent for
    ``2 * heartbeat`` seconds: then it is marked FAIL and run once more (``heartbeat=None``: never).
    """
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    study = open_study(storage, study_name, heartbeat, connect_timeout,
                       sampler=optuna.samplers.TPESampler(seed=sampler_seed), pruner=make_pruner(pruner))
    optimize(study, objective(base, splits or search_data(base)), n_trials)
    return study
