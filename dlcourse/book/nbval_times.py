"""A pytest plugin that times every notebook under nbval and records a run of the whole book.

Loaded by pyproject's ``addopts`` (``-p dlcourse.book.nbval_times``). A notebook's time is the sum of
its cells' setup, call and teardown, kernel start included. After a session that ran every
notebook under ``chapters/``, the plugin writes ``chapters/_run_times.json`` (the record) and
``chapters/_run_times.md`` (the table the book's front page includes); a session that ran only
some notebooks leaves both alone, so the table always describes one whole run.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections import defaultdict
from pathlib import Path

import pytest

RECORD = Path("chapters/_run_times.json")
TABLE = Path("chapters/_run_times.md")

_seconds: dict[str, float] = defaultdict(float)
_failed: set[str] = set()


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), or what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str | int]:
    """What the timings depend on: CPU, cores, the device the notebooks use, library versions."""
    import torch

    from dlcourse.device import describe, get_device

    return {"cpu": cpu_name(), "cores": os.cpu_count() or 0, "device": describe(get_device()),
            "python": platform.python_version(), "torch": torch.__version__}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    notebook = report.nodeid.split("::", 1)[0]
    if notebook.endswith(".ipynb"):
        _seconds[notebook] += report.duration
        if report.failed:
            _failed.add(notebook)


def pytest_sessionfinish(session: pytest.Session) -> None:
    root = session.config.rootpath
    book = sorted(str(p.relative_to(root)) for p in root.glob("chapters/*/*.ipynb"))
    if not book or any(notebook not in _seconds for notebook in book):
        return
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "notebooks": {nb: {"seconds": round(_seconds[nb], 1), "passed": nb not in _failed} for nb in book},
        "total_seconds": round(sum(_seconds[nb] for nb in book), 1),
    }
    (root / RECORD).write_text(json.dumps(record, indent=2) + "\n")
    (root / TABLE).write_text(table(record))


def table(record: dict) -> str:
    """The record as a Markdown table with a line saying where and when it was measured."""
    m = record["machine"]
    header = (f"Measured by the last full `pytest --nbval` run ({record['date']}): {m['cpu']}, {m['cores']} cores, "
              f"device {m['device']}, Python {m['python']}, torch {m['torch']}. Written by `dlcourse/book/nbval_times.py`; "
              f"do not edit.")
    lines = [
        header,
        "",
        "| notebook | seconds | nbval |",
        "| --- | ---: | --- |",
    ]
    for notebook, row in record["notebooks"].items():
        lines.append(f"| `{notebook.removeprefix('chapters/')}` | {row['seconds']:.0f} | {'passed' if row['passed'] else 'FAILED'} |")
    lines.append(f"| **whole book** | **{record['total_seconds']:.0f}** | |")
    return "\n".join(lines) + "\n"
