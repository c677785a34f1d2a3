"""The sandbox a learner's kernel runs in, checked from inside it (no notebook, no kernel: fast)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import dlcourse
from dlcourse.grading import sandbox

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                reason=f"no sandbox here: {sandbox.unavailable_reason()}")

LOOK = """
import json, os, resource, socket, sys
seen = {"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ), "home": os.listdir(os.path.expanduser("~")),
        "tmp": os.listdir("/tmp"), "pids": [p for p in os.listdir("/proc") if p.isdigit()],
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "limits": {k: resource.getrlimit(getattr(resource, k))[0] for k in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC")},
        "visible": {p: os.path.exists(p) for p in json.loads(sys.argv[1])}, "writable": {}}
for path in json.loads(sys.argv[2]):
    try:
        open(path, "a").close()
        seen["writable"][path] = True
    except OSError:
        seen["writable"][path] = False
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    seen["network"] = "connected"
except OSError as err:
    seen["network"] = err.errno
import dlcourse
seen["dlcourse"] = dlcourse.__file__
print(json.dumps(seen))
"""


def test_inside_the_sandbox_nothing_of_the_grader_is_visible_or_writable(tmp_path):
    secret = tmp_path / "masters" / "master.ipynb"
    secret.parent.mkdir()
    secret.write_text("{}")
    package = Path(dlcourse.__file__).resolve().parent
    hidden = [str(secret), str(ROOT / "chapters"), str(ROOT / ".git"), str(Path.home() / ".bash_history"),
              str(tmp_path), "/etc/shadow"]
    targets = [str(Path(sys.prefix) / "attack.pth"), str(package / "nbval_sanitize.cfg"), "/usr/attack",
               "/home/student/mine.txt", "/tmp/mine.txt"]
    done = sandbox.run([sys.executable, "-c", LOOK, json.dumps(hidden), json.dumps(targets)])
    assert done.returncode == 0, done.stderr.decode()
    seen = json.loads(done.stdout)
    assert not any(seen["visible"].values()), seen["visible"]
    assert seen["writable"] == {**dict.fromkeys(targets[:3], False), "/home/student/mine.txt": True, "/tmp/mine.txt": True}
    assert seen["home"] in ([".cache"], []) and seen["tmp"] == []  # matplotlib's font list, copied in
    assert seen["pids"] == ["1", "2"]  # bwrap's init and this process: nothing of the host
    assert seen["fds"] == [0, 1, 2, 3]  # the standard streams and the one listdir opened
    assert set(seen["env"]) <= {"HOME", "LANG", "MPLBACKEND", "PATH", "PWD", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH",
                                "TMPDIR", "USER", *sandbox.PASSED_ENV}
    assert seen["network"] != "connected"
    assert seen["dlcourse"] == f"{sandbox.PACKAGE_MOUNT}/dlcourse/__init__.py"
    assert seen["limits"] == {"RLIMIT_AS": sandbox.Limits().memory, "RLIMIT_CPU": sandbox.Limits().cpu_seconds,
                              "RLIMIT_NPROC": sandbox.Limits().processes}
    if os.geteuid() == 0:
        assert seen["uid"] == sandbox.NOBODY
    assert not (Path(sys.prefix) / "attack.pth").exists()


def test_limits_stop_runaway_memory_processes_and_cpu():
    limits = sandbox.Limits(memory=1 << 30, processes=30, cpu_seconds=1)
    memory = sandbox.run([sys.executable, "-c", "b = bytearray(2 << 30)"], limits)
    assert memory.returncode != 0 and b"MemoryError" in memory.stderr
    fork = ("import os, time\nn = 0\ntry:\n    for _ in range(100):\n        if os.fork() == 0:\n"
            "            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\nprint(n)")
    forks = sandbox.run([sys.executable, "-c", fork], limits)
    assert int(forks.stdout) < 30  # and the sleepers die with the sandbox, not 30 s later
    cpu = sandbox.run([sys.executable, "-c", "while True:\n    pass"], limits, timeout=30)
    assert cpu.returncode != 0  # SIGXCPU/SIGKILL after a second of CPU time, well before the timeout


def test_a_detached_daemon_dies_with_the_sandbox():
    tag = f"dlcourse-sandbox-daemon-{os.getpid()}"
    daemon = (f"import os, sys, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', '{tag}'])\n"
              f"    os._exit(0)\nos.wait()\ntime.sleep(0.5)")
    assert sandbox.run([sys.executable, "-c", daemon]).returncode == 0
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
        except OSError:
            pass
    assert not alive
