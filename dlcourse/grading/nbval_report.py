"""A pytest plugin the grader loads into its nbval run (``-p dlcourse.grading.nbval_report``).

It records each notebook cell's outcome and, at the end, writes them as JSON to the file
descriptor named by ``$DLCOURSE_GRADE_FD``: a pipe the grader opened and the kernel never
inherits, so code in the learner's kernel cannot forge the report. Once pytest has read the
notebook it deletes the file, so the kernel cannot read the stored reference outputs either.

When ``$DLCOURSE_SANDBOX`` is set (by the grader), nbval's kernel is started through
:mod:`dlcourse.grading.sandbox` and talks to it over ZeroMQ IPC sockets instead of TCP, since the
sandboxed kernel has no network.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

FD_VAR = "DLCOURSE_GRADE_FD"

_outcomes: dict[int, str] = {}


GRADER_MEMORY = 4 << 30  # bytes of address space for this pytest process: a flood of output fails the run


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("DLCOURSE_SANDBOX"):
        import resource

        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard == resource.RLIM_INFINITY or hard > GRADER_MEMORY:  # soft only: the kernel sets its own
            resource.setrlimit(resource.RLIMIT_AS, (GRADER_MEMORY, hard))
        _use_sandboxed_kernel()


def _use_sandboxed_kernel() -> None:
    """Make nbval's current-env kernel the sandboxed one, over IPC sockets, interrupted by message."""
    import sys
    import uuid

    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager
    from nbval import kernel as nbval_kernel

    class SandboxedKernelManager(KernelManager):
        def __init__(self, **kwargs: object) -> None:
            folder = os.environ["JUPYTER_RUNTIME_DIR"]  # the grader's private folder, bound into the sandbox
            super().__init__(transport="ipc", connection_file=f"{folder}/kernel-{uuid.uuid4().hex[:8]}.json",
                             **kwargs)

    def get_kernel_spec(self: object, kernel_name: str) -> KernelSpec:
        return KernelSpec(argv=[sys.executable, "-m", "dlcourse.grading.sandbox", "{connection_file}"],
                          display_name="dlcourse sandbox", language="python", interrupt_mode="message")

    start = nbval_kernel.start_new_kernel

    def start_and_lock(*args: object, **kwargs: object) -> tuple:
        """Once every channel is connected, take the socket folder back from the kernel (as root)."""
        km, kc = start(*args, **kwargs)
        if os.geteuid() == 0:  # the kernel runs as nobody: it can no longer swap its sockets for links
            folder = os.path.dirname(km.connection_file)
            os.chown(folder, 0, 0)
            os.chmod(folder, 0o711)
        return km, kc

    nbval_kernel.KernelManager = SandboxedKernelManager
    nbval_kernel.NbvalKernelspecManager.get_kernel_spec = get_kernel_spec
    nbval_kernel.start_new_kernel = start_and_lock


def pytest_collection_finish(session: pytest.Session) -> None:
    for path in {Path(str(item.fspath)) for item in session.items}:
        path.unlink(missing_ok=True)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    match = re.search(r"::Cell (\d+)$", report.nodeid)
    if not match:
        return
    cell = int(match.group(1))
    if report.when == "call" or report.outcome != "passed":
        previous = _outcomes.get(cell, "passed")
        _outcomes[cell] = report.outcome if previous == "passed" else previous  # setup, call, teardown


def pytest_sessionfinish(session: pytest.Session) -> None:
    fd = os.environ.get(FD_VAR)
    if fd:
        os.write(int(fd), json.dumps(_outcomes).encode() + b"\n")
        os.close(int(fd))
