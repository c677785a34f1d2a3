"""Chapter 8's PostgreSQL set-up, run for real: a throwaway server that this test starts and stops itself.

`pip install "dlcourse[postgres]"` (psycopg 3), then `dlcourse search --storage
postgresql+psycopg://USER:PASSWORD@HOST:5432/DB` in several workers. Two workers share a study; one is killed
with SIGKILL in the middle of a trial; the other finishes its trials, and, starting a trial after the grace
period (two heartbeats), marks the killed trial FAIL and runs it once more. Skipped only where no PostgreSQL
server programs are installed (Debian: `apt install postgresql`; `.ci/run` installs it).
"""

from __future__ import annotations

import datetime
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg", reason='needs the psycopg 3 driver: pip install "dlcourse[postgres]"')
import optuna  # noqa: E402 - after the skip above

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD, DATABASE = "dlcourse", "s3cret", "studies"
SURVIVOR_TRIALS = 10
HEARTBEAT = 1  # seconds; a killed worker's trial is failed after 2 * HEARTBEAT of silence


def server_programs() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl), newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server in a temporary folder, on a free local port, with one database; stopped after."""
    bin_dir = server_programs()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server programs (initdb) found: install Debian's postgresql package")
    as_user: list[str] = []
    parent = None
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the postgres (or nobody) account
        account = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "nobody"
        as_user = ["runuser", "-u", account, "--"]
        # a temporary folder that account can reach (some sandboxes close /tmp to other users)
        parent = next((d for d in (tempfile.gettempdir(), "/var/tmp", "/dev/shm")
                       if subprocess.run([*as_user, "test", "-x", d], capture_output=True).returncode == 0), None)
        if parent is None:
            pytest.skip(f"no temporary folder that the {account} account can enter")
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-pg-", dir=parent))
    (folder / "password").write_text(PASSWORD + "\n")
    if as_user:
        for path in (folder, folder / "password"):
            shutil.chown(path, user=as_user[2])
    port = free_port()

    def run(*command: str) -> None:
        result = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=60, check=False,
                                env={**os.environ, "PGPASSWORD": PASSWORD})
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"

    data = folder / "data"
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(folder / "password"),
        "--auth=scram-sha-256", "--no-sync")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "30", "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE)
        yield f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def worker(storage: str, trials: int) -> subprocess.Popen:
    """`dlcourse search` in its own process: a few small trials, heartbeats every HEARTBEAT seconds."""
    command = [sys.executable, "-m", "dlcourse", "search", "--storage", storage, "--study", "shared",
               "--trials", str(trials), "--heartbeat", str(HEARTBEAT), "--train-size", "1000", "--val-size", "500",
               "--epochs", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DLCOURSE_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_workers_share_a_postgres_study_and_a_killed_workers_trial_is_retried(postgres_url):
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")  # the short form works too
    survivor, victim = worker(postgres_url, SURVIVOR_TRIALS), worker(plain, 10)
    storage = optuna.storages.RDBStorage(postgres_url)  # optuna.load_study(storage=URL) reads the same study
    victim_trial = None
    deadline = time.monotonic() + 120
    while victim_trial is None and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.1)
        try:
            trials = optuna.load_study(study_name="shared", storage=storage).trials
        except KeyError:  # the study is not created yet
            continue
        running = [t for t in trials if t.state == optuna.trial.TrialState.RUNNING and len(t.params) == 3
                   and t.user_attrs.get("worker", "").endswith(f":{victim.pid}")]  # training, its config drawn
        victim_trial = running[0] if running else None
    assert victim_trial is not None, victim.communicate()[0]
    victim.send_signal(signal.SIGKILL)  # in the middle of its trial: no chance to say goodbye
    victim.wait(timeout=10)
    killed_at = datetime.datetime.now()
    output = survivor.communicate(timeout=180)[0]
    assert survivor.returncode == 0, output
    study = optuna.load_study(study_name="shared", storage=postgres_url)
    if study.trials[victim_trial.number].state == optuna.trial.TrialState.RUNNING:
        # a fast machine: the survivor finished before the grace period ran out, so the next worker to start
        # a trial is a new one (the survivor must not have started a trial after the grace period)
        last_start = max(t.datetime_start for t in study.trials
                         if t.user_attrs.get("worker", "").endswith(f":{survivor.pid}"))
        assert last_start < killed_at + datetime.timedelta(seconds=2 * HEARTBEAT)
        time.sleep(max(0.0, 2 * HEARTBEAT - (datetime.datetime.now() - killed_at).total_seconds()) + 0.5)
        late = worker(postgres_url, 1)
        assert late.wait(timeout=120) == 0, late.communicate()[0]
    trials = {t.number: t for t in optuna.load_study(study_name="shared", storage=postgres_url).trials}
    assert sorted(trials) == list(range(len(trials)))  # every trial recorded once
    states = [t.state for t in trials.values()]
    assert optuna.trial.TrialState.RUNNING not in states and optuna.trial.TrialState.WAITING not in states
    killed = trials[victim_trial.number]
    assert killed.state == optuna.trial.TrialState.FAIL
    # not failed before the grace period (2 heartbeats of silence) could have run out: its last heartbeat was at
    # most one interval before the kill, so the earliest moment it is stale is one interval after the kill
    assert killed.datetime_complete >= killed_at + datetime.timedelta(seconds=HEARTBEAT - 0.5), (
        killed.datetime_complete, killed_at)
    retries = [t for t in trials.values() if t.system_attrs.get("failed_trial") == killed.number]
    assert len(retries) == 1 and retries[0].params == killed.params  # re-queued once, same parameters
    assert retries[0].state == optuna.trial.TrialState.COMPLETE
    assert retries[0].datetime_start >= killed.datetime_complete  # retried by a trial started after the failing
    by_survivor = [t for t in trials.values() if t.user_attrs["worker"].endswith(f":{survivor.pid}")]
    assert len(by_survivor) == SURVIVOR_TRIALS and all(t.state == optuna.trial.TrialState.COMPLETE for t in by_survivor)
    assert states.count(optuna.trial.TrialState.FAIL) == 1
