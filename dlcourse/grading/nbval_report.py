"""A pytest plugin the grader loads into its nbval run (``-p dlcourse.grading.nbval_report``).

It records each notebook cell's outcome and, at the end, writes them as JSON to the file
descriptor named by ``$DLCOURSE_GRADE_FD``: a pipe the grader opened and the kernel never
inherits, so code in the learner's kernel cannot forge the report. Once pytest has read the
notebook it deletes the file, so the kernel cannot read the stored reference outputs either.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

FD_VAR = "DLCOURSE_GRADE_FD"

_outcomes: dict[int, str] = {}


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
        os.write(int(fd), json.dumps(_outcomes).encode())
        os.close(int(fd))
