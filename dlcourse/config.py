"""A training run's settings as one object: a dataclass that also parses command-line flags.

Hyperparameters scattered through a script as literals cannot be searched, logged or reproduced. Gather
them in a ``TrainConfig``; every field becomes a flag (``--lr 0.01``), and each run saves the config it
used next to its results, so any number in a report can be traced back to the exact settings.

    config = parse_config(["--lr", "0.05", "--hidden", "256"])   # or parse_config() for sys.argv
    results = train_and_score(config)                            # dlcourse.search
    save_run(config, results, "runs/lr0.05")
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

OPTIMIZERS = ("sgd", "momentum", "adam")
#: The fields ``dlcourse.search.suggest`` searches, with their spaces: a search cannot also fix them.
SEARCHED = {"lr": "log-uniform in [0.001, 1]", "momentum": "uniform in [0, 0.95]",
            "hidden": "log-uniform integers in [16, 512]"}
HEARTBEAT = 60  # seconds between a search worker's heartbeats; silent for twice this, its trial is failed
CONNECT_TIMEOUT = 10  # seconds a search waits for a database server to answer


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run of ``dlcourse.search.train_and_score`` (an MLP on Fashion-MNIST)."""

    lr: float = 0.1  # learning rate
    momentum: float = 0.0  # used by "sgd"/"momentum"
    optimizer: str = "sgd"  # one of OPTIMIZERS
    hidden: int = 128  # width of the one hidden layer
    dropout: float = 0.0  # drop probability after the hidden layer
    weight_decay: float = 0.0  # L2 coefficient
    batch_size: int = 128
    epochs: int = 3
    train_size: int = 10_000  # images used for training (0 = all 55,000)
    val_size: int = 5_000  # images held out for validation
    seed: int = 0

    def __post_init__(self) -> None:
        problems = [f"{name} must be a finite number, got {getattr(self, name)}"
                    for name in ("lr", "momentum", "dropout", "weight_decay") if not math.isfinite(getattr(self, name))]
        if problems:
            raise ValueError("invalid TrainConfig: " + "; ".join(problems))
        if not self.lr > 0:
            problems.append(f"lr must be positive, got {self.lr}")
        if not 0 <= self.momentum < 1:
            problems.append(f"momentum must be in [0, 1), got {self.momentum}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout must be in [0, 1), got {self.dropout}")
        for name in ("hidden", "batch_size", "epochs", "val_size"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.train_size < 0 or self.weight_decay < 0:
            problems.append("train_size and weight_decay cannot be negative")
        if problems:
            raise ValueError("invalid TrainConfig: " + "; ".join(problems))

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated again); unknown names are an error."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"TrainConfig has no field(s) {sorted(unknown)}; fields: {[f.name for f in fields(self)]}")
        return dataclasses.replace(self, **changes)


def add_config_arguments(parser: argparse.ArgumentParser, searched: dict[str, str] | None = None) -> None:
    """Add one ``--flag`` per ``TrainConfig`` field, typed and defaulted from the dataclass.

    The fields in ``searched`` (name -> its search space) get a flag without a default, so that a command
    that searches them can refuse a value instead of ignoring it.
    """
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if searched and f.name in searched:
            parser.add_argument(flag, type=type(f.default), default=None,
                                help=f"searched ({searched[f.name]}); cannot be set here")
        elif f.name == "optimizer":
            parser.add_argument(flag, choices=OPTIMIZERS, default=f.default, help="default: %(default)s")
        else:
            parser.add_argument(flag, type=type(f.default), default=f.default, help="default: %(default)s")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The ``TrainConfig`` named by parsed arguments (``vars(args)`` may hold other keys too); a field
    whose flag is None (searched, see ``add_config_arguments``) keeps its default."""
    values = vars(args)
    return TrainConfig(**{f.name: values[f.name] for f in fields(TrainConfig) if values[f.name] is not None})


def parse_config(argv: list[str] | None = None) -> TrainConfig:
    """Parse ``--lr 0.05 --hidden 256 ...`` (``sys.argv`` when ``argv`` is None) into a TrainConfig."""
    parser = argparse.ArgumentParser(description="Train an MLP on Fashion-MNIST with these settings.")
    add_config_arguments(parser)
    return config_from_args(parser.parse_args(argv))


def new_run_path(folder: str | Path) -> Path:
    """``folder/run.json``, checked before training rather than after: the folder is created if needed and
    must be writable, and must not hold a run yet. Raises FileExistsError or ValueError naming the fix."""
    folder = Path(folder)
    path = folder / "run.json"
    if path.exists():
        raise FileExistsError(f"{path} already holds a run; choose a new folder for this one")
    blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ValueError(f"cannot save the run in {folder}: {blocker} is a file, not a folder; choose another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # can this user write here?
            pass
    except OSError as err:
        raise ValueError(f"cannot save the run in {folder}: {err.strerror or err}; choose another --out "
                         "or fix the folder's permissions") from err
    return path


def json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def save_run(config: TrainConfig, results: dict[str, Any], folder: str | Path) -> Path:
    """Write ``{"config": ..., "results": ...}`` to ``folder/run.json`` and return its path.

    Refuses to overwrite an earlier run: results are evidence, so a second run needs a new folder. The
    file appears whole or not at all (written to a temporary file, then linked into place), and is strict
    JSON: a NaN or infinite number is written as null.
    """
    path = new_run_path(folder)
    text = json.dumps({"config": asdict(config), "results": json_safe(results)}, indent=2, allow_nan=False) + "\n"
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".run.json.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)  # fails if a run.json appeared meanwhile: never overwritten
        except FileExistsError:
            raise FileExistsError(f"{path} already holds a run; choose a new folder for this one") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise FileExistsError(f"{path} already holds a run; choose a new folder for this one") from None
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def load_run(path: str | Path) -> tuple[TrainConfig, dict[str, Any]]:
    """Read back a ``run.json`` written by ``save_run`` (or the folder holding it)."""
    path = Path(path)
    record = json.loads((path / "run.json" if path.is_dir() else path).read_text())
    return TrainConfig(**record["config"]), record["results"]
