"""Issue 25: faults and bad input, one test per numbered case (no hang, no silent wrong result, no lost work).

Every test is short: tiny datasets written by the tests, local sockets that never answer, subprocesses
killed on purpose. The PostgreSQL server test is in tests/test_postgres.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
import torch
from torch import nn

from dlcourse import cli, data, idx
from dlcourse.book import bench
from dlcourse.train import fit
from tests.conftest import TINY, write_tiny

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "DLCOURSE_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
SMALL = ["--train-size", "300", "--val-size", "300", "--epochs", "1"]


def dlcourse(*args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``dlcourse`` command in a fresh process (as a user would), bounded by ``timeout``."""
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], capture_output=True, text=True,
                          timeout=timeout, env=env or ENV, check=False)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A local TCP port that accepts connections (the kernel's backlog) and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def deny(monkeypatch: pytest.MonkeyPatch):
    """``deny(path)``: from now on, stat() and open() of ``path`` and anything below it fail with EACCES.

    That is what the system does to a user without permission; the tests simulate it because CI runs
    as root, whom file permissions do not stop.
    """
    import builtins
    import io

    denied: list[str] = []
    real_stat, real_open = os.stat, builtins.open

    def check(path: object) -> None:
        if isinstance(path, (str, os.PathLike)):
            text = os.path.abspath(os.fspath(path))
            if any(text == d or text.startswith(d + os.sep) for d in denied):
                raise PermissionError(13, "Permission denied", os.fspath(path))

    def stat(path, *args, **kwargs):
        if kwargs.get("dir_fd") is None:
            check(path)
        return real_stat(path, *args, **kwargs)

    def open_(file, *args, **kwargs):
        check(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    return lambda path: denied.append(os.path.abspath(path))


# --- 1. the PostgreSQL driver is declared, and a missing one is explained --------------------------------

def test_case1_postgres_driver_is_an_extra_and_its_absence_is_explained(tmp_path):
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["postgres"] == ["psycopg[binary]"]
    # without psycopg: the search names the package to install instead of a traceback deep inside SQLAlchemy
    blocker = tmp_path / "no_psycopg"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['psycopg'] = None\n")
    env = {**ENV, "PYTHONPATH": f"{blocker}{os.pathsep}{ROOT}"}
    result = dlcourse("search", "--storage", "postgresql://u:p@127.0.0.1:9/db", *SMALL, env=env)
    assert result.returncode == 2, result.stderr
    assert 'pip install "dlcourse[postgres]"' in result.stderr and "Traceback" not in result.stderr


# --- 3. no unbounded wait: a download mirror or a database that never answers -------------------------

def test_case3_a_server_that_never_answers_times_out(tmp_path, silent_server):
    if Path("/usr/share/datasets/mnist").exists():
        pytest.skip("MNIST is installed here: nothing to download")
    script = textwrap.dedent(f"""
        import torchvision.datasets
        from dlcourse import cli
        torchvision.datasets.MNIST.mirrors = ["http://127.0.0.1:{silent_server}/"]
        raise SystemExit(cli.main(["data", "--name", "mnist", "--fetch", "--timeout", "1"]))
    """)
    env = {**ENV, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=120, check=False)  # without a timeout it would wait forever
    assert result.returncode == 1 and "did not answer within 1 s" in result.stderr, result.stderr
    assert "--timeout" in result.stderr
    pytest.importorskip("psycopg")
    result = dlcourse("search", "--storage", f"postgresql+psycopg://u:p@127.0.0.1:{silent_server}/db",
                      "--connect-timeout", "2", *SMALL, timeout=120)
    assert result.returncode == 2 and "did not answer within 2 s" in result.stderr, result.stderr
    assert "--connect-timeout" in result.stderr and "Traceback" not in result.stderr


# --- 4. workers starting together on a new SQLite file -------------------------------------------------

def test_case4_workers_starting_together_on_a_new_sqlite_file(tmp_path):
    """Three processes open the same new SQLite study at the same instant, three times over: none crashes."""
    script = textwrap.dedent("""
        import sys, time
        from dlcourse.search import open_study
        print("ready", flush=True)
        start = float(sys.stdin.readline())  # the same instant for every process
        for round in range(3):
            time.sleep(max(0.0, start + 2 * round - time.time()))
            open_study(f"sqlite:///{sys.argv[1]}/round{round}.db", "together")
    """)
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], env=ENV, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    assert all(w.stdout.readline() == "ready\n" for w in workers)  # all imported: now start them together
    start = time.time() + 0.5
    outputs = [w.communicate(f"{start}\n", timeout=60)[0] for w in workers]
    assert [w.returncode for w in workers] == [0] * 3, outputs
    for round in range(3):
        assert optuna.get_all_study_names(f"sqlite:///{tmp_path}/round{round}.db") == ["together"]


# --- 5. a killed worker's trial does not stay RUNNING forever ------------------------------------------

HANG = textwrap.dedent("""
    import sys, time
    from dlcourse.search import open_study
    study = open_study(sys.argv[1], "stale", heartbeat=1)
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        print("running", flush=True)
        time.sleep(600)
    study.optimize(objective, n_trials=1)
""")


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_case5_a_killed_workers_trial_is_failed_and_retried(tmp_path, kind):
    from dlcourse.search import open_study

    storage = f"journal:{tmp_path / 's.log'}" if kind == "journal" else f"sqlite:///{tmp_path / 's.db'}"
    worker = subprocess.Popen([sys.executable, "-c", HANG, storage], env=ENV, stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline() == "running\n"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    killed_at = time.monotonic()
    study = open_study(storage, "stale", heartbeat=1)
    stale = study.trials[0]
    assert stale.state == optuna.trial.TrialState.RUNNING
    values = []
    while study.trials[0].state == optuna.trial.TrialState.RUNNING and time.monotonic() - killed_at < 15:
        study.optimize(lambda trial: values.append(trial.suggest_float("x", 0, 1)) or time.sleep(0.3), n_trials=1)
    assert study.trials[0].state == optuna.trial.TrialState.FAIL, "still RUNNING 15 s after the kill"
    assert time.monotonic() - killed_at < 2 * 1 + 5  # the grace period (2 heartbeats) and a trial or two
    retried = [t for t in study.trials if t.system_attrs.get("failed_trial") == stale.number]
    assert len(retried) == 1 and retried[0].params == stale.params  # re-queued once, with its parameters
    assert stale.params["x"] in values  # ... and run by this worker


def test_case5_a_worker_whose_trial_was_failed_meanwhile_goes_on(tmp_path, capsys):
    """A worker silent past the grace period (a suspended laptop) finds its trial failed by another: it says
    so and runs its next trial instead of crashing."""
    from dlcourse.search import open_study, optimize

    study = open_study(f"sqlite:///{tmp_path / 's.db'}", "suspended", heartbeat=1)

    def run(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 0:  # what another worker does to a trial whose heartbeat stopped
            study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        return x

    optimize(study, run, 2)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.COMPLETE]
    assert "marked failed by another worker" in capsys.readouterr().err


# --- 6. divergence stops at the first non-finite loss, and run files stay JSON -----------------------

def test_case6_divergence_stops_with_epoch_batch_and_learning_rate(tmp_path, capsys):
    from dlcourse.train import TrainingDiverged

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 4) * 100, torch.randint(0, 3, (64,))
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch \d+ of 8.*learning rate 1e\+12") as caught:
        fit(net, torch.optim.SGD(net.parameters(), lr=1e12), data.Split(x, y), epochs=5, batch_size=8,
            progress=False, verbose=False)
    assert caught.value.epoch == 1 and len(caught.value.history) == 0  # stopped inside the first epoch
    out = tmp_path / "run"
    assert cli.main(["train", "--lr", "1e6", *SMALL, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "learning rate 1e+06" in err
    record = json.loads((out / "run.json").read_text(), parse_constant=lambda name: pytest.fail(f"{name} in run.json"))
    assert "diverged" in record["results"]
    assert cli.main(["train", "--lr", "inf"]) == 2
    assert "lr must be a finite number" in capsys.readouterr().err


# --- 7. search refuses the flags it would ignore --------------------------------------------------------

def test_case7_search_refuses_the_flags_it_searches(tmp_path, capsys):
    storage = f"journal:{tmp_path / 's.log'}"
    assert cli.main(["search", "--storage", storage, "--trials", "1", "--lr", "0.05", "--hidden", "64", *SMALL]) == 2
    err = capsys.readouterr().err
    assert "--lr" in err and "--hidden" in err and "searched" in err
    assert not (tmp_path / "s.log").exists()  # refused before anything was written
    with pytest.raises(SystemExit):
        cli.main(["search", "--help"])
    assert "--lr LR               searched" in capsys.readouterr().out


# --- 8. a bad --out is refused before training ------------------------------------------------------------

def test_case8_a_bad_out_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import dlcourse.search

    monkeypatch.setattr(dlcourse.search, "train_and_score", lambda *a, **k: pytest.fail("trained before checking --out"))
    a_file = tmp_path / "results.txt"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "run1"):
        assert cli.main(["train", *SMALL, "--out", str(out)]) == 2
        assert str(a_file) in capsys.readouterr().err
    assert a_file.read_text() == "not a folder"


# --- 9. messages, not tracebacks --------------------------------------------------------------------------

def test_case9_unavailable_device_and_bad_storage_folders_are_messages(tmp_path, capsys, monkeypatch):
    if torch.backends.mps.is_available():
        pytest.skip("needs a machine without Apple's MPS")
    monkeypatch.setenv("DLCOURSE_DEVICE", "mps")
    assert cli.main(["train", *SMALL]) == 2
    assert "'mps'" in capsys.readouterr().err
    storage = f"journal:{tmp_path / 'device.log'}"
    assert cli.main(["search", "--storage", storage, "--trials", "2", *SMALL]) == 2
    assert "not available" in capsys.readouterr().err
    assert not (tmp_path / "device.log").exists()  # no FAIL trials in the shared study
    monkeypatch.setenv("DLCOURSE_DEVICE", "cpu")
    for storage in (f"sqlite:///{tmp_path}/missing/s.db", f"journal:{tmp_path}/missing/s.log"):
        assert cli.main(["search", "--storage", storage, "--trials", "1", *SMALL]) == 2
        err = capsys.readouterr().err
        assert f"{tmp_path}/missing" in err and "does not exist" in err


def test_case9_an_unreadable_data_folder_is_skipped_and_named(isolated, monkeypatch, deny):
    write_tiny(isolated / "locked")
    write_tiny(isolated / "data", seed=1)
    monkeypatch.setenv("DLCOURSE_DATA", str(isolated / "locked"))
    deny(isolated / "locked")
    assert data.load(TINY).source == Path("data")  # $DLCOURSE_DATA could not be read: ./data, later, is used
    with pytest.raises(data.DatasetNotFoundError, match=r"locked.*permission denied.*chmod"):
        data.load(TINY, root=isolated / "locked")  # an explicit root is used or refused, never passed over
    shutil.rmtree(isolated / "data")
    with pytest.raises(data.DatasetNotFoundError, match=r"locked \(\$DLCOURSE_DATA\): permission denied"):
        data.load(TINY, download=False)  # found nowhere: the error names the folder it could not read


# --- 10. an unreadable file is not called damaged -----------------------------------------------------------

def test_case10_an_unreadable_file_is_reported_as_such(isolated, deny):
    write_tiny(isolated / "data")
    deny(isolated / "data" / "train-labels-idx1-ubyte.gz")
    with pytest.raises(idx.IDXError) as caught:
        idx.read_bytes(isolated / "data" / "train-labels-idx1-ubyte.gz")
    assert "permission denied" in str(caught.value) and "chmod a+r" in str(caught.value)
    assert "damaged" not in str(caught.value)


# --- 11. the smaller ones ------------------------------------------------------------------------------------

def test_case11_explicit_root_empty_data_bad_counts_and_huge_headers(isolated, tmp_path, capsys):
    write_tiny(isolated / "data")
    (isolated / "partial").mkdir()
    idx.write(isolated / "partial" / "train-images-idx3-ubyte", torch.zeros(1, 28, 28, dtype=torch.uint8).numpy())
    with pytest.raises(data.DatasetNotFoundError, match=r"partial.*missing.*t10k-images-idx3-ubyte"):
        data.load(TINY, root=isolated / "partial")  # not ./data behind the user's back
    net = nn.Linear(2, 2)
    empty = data.Split(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match="train has no items"):
        fit(net, torch.optim.SGD(net.parameters(), lr=0.1), empty, progress=False)
    with pytest.raises(SystemExit) as exited:
        cli.main(["search", "--storage", f"journal:{tmp_path / 's.log'}", "--trials", "-1"])
    assert exited.value.code == 2 and "must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli.main(["bench", "book", "--repeats", "0"])
    assert exited.value.code == 2 and "must be at least 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        bench.median_seconds(lambda: None, torch.device("cpu"), 0)
    huge = bytes([0, 0, 8, 3]) + b"".join((2**32 - 1).to_bytes(4, "big") for _ in range(3))
    with pytest.raises(idx.IDXError) as caught:
        idx.parse(huge)
    assert "-" not in str(caught.value).split("bytes")[0] and f"{4 + 12 + (2**32 - 1) ** 3:,}" in str(caught.value)
