"""A grader that dies mid-run takes its grading processes along: nothing keeps running unseen.

The grading pytest runs in a session of its own (so that its whole process group can be killed on a
timeout), which also puts it out of reach of the terminal's Ctrl-C and of the grader's death. These
tests start a grading of a notebook whose cell sleeps, then kill or interrupt the grader mid-cell.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the parent-death signal is Linux's")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "interrupted"])
def test_a_grader_that_dies_leaves_no_grading_process_behind(tmp_path: Path, how: signal.Signals):
    """Killed (SIGKILL) or interrupted (Ctrl-C) in the middle of a cell, the grader takes its pytest and kernel along."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(300)")])
    script = ("import nbformat, sys\nfrom dlcourse.grading.grade import run_nbval\n"
              "run_nbval(nbformat.read(sys.argv[1], as_version=4), 600, 600, sandbox=False)\n")
    nbformat.write(nb, str(tmp_path / "slow.ipynb"))
    grader = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "slow.ipynb")], cwd=ROOT)
    try:
        deadline, pytest_pid, kernels = time.monotonic() + 120, None, []
        while time.monotonic() < deadline and not kernels:
            pytest_pid = next(iter(_children(grader.pid)), None)
            kernels = _children(pytest_pid) if pytest_pid else []
            time.sleep(0.5)
        assert pytest_pid and kernels, "the grading pytest and its kernel did not start within two minutes"
        time.sleep(2)  # the cell is running
        grader.send_signal(how)
        grader.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in [pytest_pid, *kernels]):
            time.sleep(0.5)
        left = [p for p in [pytest_pid, *kernels] if _alive(p)]
        assert not left, f"still running after the grader died: {left}"
    finally:
        if grader.poll() is None:
            grader.kill()
