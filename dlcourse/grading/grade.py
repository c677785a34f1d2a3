"""The grader: run a learner's solutions inside the instructor's master notebook under nbval.

For each submission:

1. the graded notebook is the master with each solution cell replaced by the learner's cell of
   the same exercise id (a missing one becomes the released stub); every other cell, checks
   included, comes from the master, so edited, deleted or reordered checks change nothing;
2. cells other than checks are marked ``nbval-ignore-output``; check cells are compared with the
   master's stored outputs by nbval in a separate pytest process, with a per-cell timeout, an
   outer time limit, no conftest.py and a config file of our own;
3. an exercise earns its points when all its check cells pass. An exercise that fails in this
   shared run is run again alone, with only its own solution from the learner and the master's
   for the others, so a crash, an endless loop, an ``os._exit`` or a monkeypatch in one exercise
   costs only that exercise (and a mistake in one exercise is not counted twice by a later one
   that builds on it). An exercise whose solution is still the released stub (or missing) is not
   attempted: it scores 0 without that second run (a submission with nothing attempted costs no run).

The learner's kernel runs in a sandbox (:mod:`dlcourse.grading.sandbox`): it cannot see the master,
the other submissions, the grader's processes or the report pipe, and nothing it writes or starts
outlives its run. The grader trusts nothing from the run but the report of its own pytest process,
and that only if it is a line of known cell numbers and outcomes arriving within the time limit.
The master is hashed when read and checked before every run; one submission's failure of any kind
is recorded for it while the batch goes on.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from dlcourse.grading import sandbox as sandboxing
from dlcourse.grading.exercises import KEY, SOLUTION, Exercise, FormatError, parse_exercises, read_notebook
from dlcourse.grading.nbval_report import FD_VAR
from dlcourse.grading.release import stub_solution

SANITIZE = Path(__file__).resolve().parents[1] / "nbval_sanitize.cfg"
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip", "raises-exception", "nbval-raises-exception"}
OUTCOMES = ("passed", "failed", "skipped")
REPORT_GRACE = 10  # seconds past the time limit to wait for the report of a pytest that has exited
MAX_REPORT = 1 << 20


@dataclass
class ExerciseScore:
    id: str
    points: int
    max_points: int
    failed_cells: list[int] = field(default_factory=list)
    attempted: bool = True


@dataclass
class Result:
    """The grade of one submission."""

    submission: str
    exercises: list[ExerciseScore] = field(default_factory=list)
    error: str | None = None
    sandboxed: bool = True  # whether the student's code ran in the sandbox (False: graded with --no-sandbox)
    master_sha256: str = ""  # the master the grade was computed against

    @property
    def points(self) -> int:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> int:
        return sum(e.max_points for e in self.exercises)

    def to_json(self) -> dict:
        return {"submission": self.submission, "points": self.points, "max_points": self.max_points,
                "error": self.error, "sandboxed": self.sandboxed, "master_sha256": self.master_sha256,
                "exercises": [asdict(e) for e in self.exercises]}


class MasterChanged(RuntimeError):
    """The master notebook changed on disk while a batch was graded: no grade of the batch can be trusted."""


def student_solutions(nb: nbformat.NotebookNode, where: str = "notebook") -> dict[str, str]:
    """The source of the learner's first solution cell of each exercise id.

    Raises FormatError when a cell or one of the fields the grader reads has the wrong type.
    """
    found: dict[str, str] = {}
    for index, cell in enumerate(nb.cells):
        if not isinstance(cell, dict):
            raise FormatError(f"{where}: cell {index} is not a JSON object")
        meta = cell.get("metadata", {})
        if not isinstance(meta, dict):
            raise FormatError(f"{where}: cell {index}: 'metadata' is not a JSON object")
        meta = meta.get(KEY)
        if cell.get("cell_type") == "code" and isinstance(meta, dict) and meta.get("role") == SOLUTION:
            source = cell.get("source")
            if isinstance(source, list) and all(isinstance(line, str) for line in source):
                source = "".join(source)
            if not isinstance(source, str):
                raise FormatError(f"{where}: cell {index}: the solution's 'source' is {type(source).__name__}, not text")
            found.setdefault(str(meta.get("exercise")), source)
    return found


def strip_nbval_markers(source: str) -> str:
    """``source`` without nbval's comment markers (``# NBVAL_IGNORE_OUTPUT``, ``# NBVAL_RAISES_EXCEPTION``...)."""
    return "\n".join(line for line in source.splitlines()
                     if not line.strip().lstrip("#").strip().upper().startswith("NBVAL_"))


def build_graded(master: nbformat.NotebookNode, exercises: dict[str, Exercise], solutions: dict[str, str],
                 only: str | None = None) -> nbformat.NotebookNode:
    """The master with the learner's solutions in place (only exercise ``only``'s, if given)."""
    graded = copy.deepcopy(master)
    checks = {i for e in exercises.values() for i in e.checks}
    for exercise in exercises.values():
        if only is None or exercise.id == only:
            cell = graded.cells[exercise.solution]
            cell.source = solutions.get(exercise.id, stub_solution(cell.source, exercise.id))
    for index, cell in enumerate(graded.cells):
        if cell.cell_type != "code":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t not in IGNORE_TAGS]
        cell.metadata["tags"] = tags if index in checks else tags + ["nbval-ignore-output"]
        if index in checks:
            cell.source = strip_nbval_markers(cell.source)
    return graded


def run_nbval(nb: nbformat.NotebookNode, cell_timeout: float, time_limit: float,
              sandbox: bool = True) -> dict[int, str]:
    """Run ``nb`` under nbval in a fresh folder; return the outcome of each code cell that reported one.

    With ``sandbox``, the kernel runs in :mod:`dlcourse.grading.sandbox`. Whatever happens, this
    returns within about ``time_limit`` seconds; no report, a report that does not parse or
    names cells that do not exist, or a pytest killed by a signal give ``{}``: every cell failed.
    """
    deadline = time.monotonic() + time_limit + REPORT_GRACE
    with tempfile.TemporaryDirectory(prefix="dlcourse-grade-", dir="/tmp" if os.name == "posix" else None) as tmp:
        folder = Path(tmp)
        nbformat.write(nb, str(folder / "graded.ipynb"))
        (folder / "pytest.ini").write_text("[pytest]\n")
        runtime = folder / "run"  # the connection file and, sandboxed, the kernel's ZeroMQ sockets
        runtime.mkdir(mode=0o700)
        read_end, write_end = os.pipe()
        command = [
            sys.executable, "-m", "pytest", "graded.ipynb", "-c", "pytest.ini", "--rootdir", str(folder),
            "--noconftest", "-p", "no:cacheprovider", "-p", "dlcourse.grading.nbval_report", "-q",
            "--nbval", "--nbval-current-env", f"--nbval-cell-timeout={cell_timeout:g}",
            f"--nbval-sanitize-with={SANITIZE}",
        ]
        env = {k: v for k, v in os.environ.items() if k != sandboxing.SPEC_VAR}
        env.update({FD_VAR: str(write_end), "PYTHONDONTWRITEBYTECODE": "1", "JUPYTER_RUNTIME_DIR": str(runtime)})
        if sandbox:
            cpu = int(time_limit * (os.cpu_count() or 1)) + 1  # every core busy for the whole run, at most
            env[sandboxing.SPEC_VAR] = json.dumps(sandboxing.spec(sandboxing.Limits(cpu_seconds=cpu)))
        process = subprocess.Popen(command, cwd=folder, env=env, pass_fds=(write_end,), start_new_session=True,
                                   preexec_fn=_die_with_the_grader, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        try:
            process.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            pass
        finally:  # also on Ctrl-C: the grading pytest is in its own session, out of the terminal's reach
            _kill_group(process.pid)  # pytest (on a timeout) and whatever it left behind in its process group
            process.wait()
        raw = read_report(read_end, deadline)
    if process.returncode < 0:
        return {}  # pytest died by a signal: whatever it reported cannot be trusted
    return parse_report(raw, nb)


def _die_with_the_grader() -> None:
    """In the grading pytest, before it starts: ask Linux to kill it when the grader dies, however it dies.

    Without this, a grader killed by a signal it cannot clean up after (SIGKILL, or an out-of-memory kill)
    would leave the grading pytest running on its own until its cells time out; the sandboxed kernel
    dies with that pytest (Bubblewrap's --die-with-parent). Elsewhere than Linux this does nothing.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def read_report(fd: int, deadline: float) -> bytes:
    """One line from the report pipe ``fd`` (closed here), or b"" if none comes by ``deadline`` or it is huge."""
    data = b""
    try:
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or len(data) > MAX_REPORT or not select.select([fd], [], [], remaining)[0]:
                return b""
            chunk = os.read(fd, 65536)
            if not chunk:
                break  # EOF: every writer is gone
            data += chunk
    finally:
        os.close(fd)
    return data.split(b"\n", 1)[0]


def parse_report(raw: bytes, nb: nbformat.NotebookNode) -> dict[int, str]:
    """The report's outcomes keyed by cell index; {} unless every key is a code cell and every value known."""
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    try:
        report = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(report, dict):
        return {}
    outcomes: dict[int, str] = {}
    for key, value in report.items():
        if not re.fullmatch(r"[0-9]{1,6}", key) or int(key) >= len(code_cells) or value not in OUTCOMES:
            return {}
        outcomes[code_cells[int(key)]] = value
    return outcomes


def score(exercise: Exercise, outcomes: dict[int, str]) -> ExerciseScore:
    failed = [i for i in exercise.checks if outcomes.get(i) != "passed"]
    return ExerciseScore(exercise.id, 0 if failed else exercise.points, exercise.points, failed)


def read_master(path: Path) -> tuple[nbformat.NotebookNode, dict[str, Exercise], str]:
    """The master notebook, its exercises and the SHA-256 of the bytes they were read from."""
    raw = Path(path).read_bytes()
    try:
        master = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as err:  # noqa: BLE001 - JSON errors, schema errors, binary files, ...
        raise FormatError(f"{path}: not a readable Jupyter notebook ({type(err).__name__}: {err})") from err
    if not isinstance(master.get("cells"), list):
        raise FormatError(f"{path}: not a Jupyter notebook (no list of cells)")
    return master, parse_exercises(master, str(path), require_outputs=True), hashlib.sha256(raw).hexdigest()


def verify_master(path: Path, digest: str) -> None:
    """Raise MasterChanged unless ``path`` still holds the bytes hashed to ``digest``."""
    try:
        now = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as err:
        raise MasterChanged(f"the master {path} can no longer be read ({err}); the grades of this batch cannot be trusted") from err
    if now != digest:
        raise MasterChanged(f"the master {path} changed on disk while grading; the grades of this batch cannot be trusted")


def grade_submission(master_path: Path, submission: Path, cell_timeout: float = 60, time_limit: float = 600,
                     sandbox: bool = True) -> Result:
    """Grade one submission against the master notebook (see the module docstring)."""
    return grade(master_path, [submission], None, cell_timeout, time_limit, sandbox)[0]


def _grade(master: nbformat.NotebookNode, exercises: dict[str, Exercise], submission: Path, cell_timeout: float,
           time_limit: float, sandbox: bool, before_run: Callable[[], None]) -> Result:
    result = Result(str(submission))
    try:
        solutions = student_solutions(read_notebook(submission), str(submission))
    except FormatError as err:
        result.error = str(err)
        result.exercises = [ExerciseScore(e.id, 0, e.points, list(e.checks)) for e in exercises.values()]
        return result

    def run(nb: nbformat.NotebookNode) -> dict[int, str]:
        before_run()
        return run_nbval(nb, cell_timeout, time_limit, sandbox)

    attempted = {}
    for exercise in exercises.values():
        stub = stub_solution(master.cells[exercise.solution].source, exercise.id)
        attempted[exercise.id] = solutions.get(exercise.id, stub).strip() != stub.strip()
    outcomes = run(build_graded(master, exercises, solutions)) if any(attempted.values()) else {}
    for exercise in exercises.values():
        if not attempted[exercise.id]:
            result.exercises.append(ExerciseScore(exercise.id, 0, exercise.points, list(exercise.checks), False))
            continue
        if any(outcomes.get(i) != "passed" for i in exercise.checks):  # failed here: give it a run of its own
            alone = run(build_graded(master, exercises, solutions, only=exercise.id))
            outcomes.update({i: alone.get(i, "failed") for i in exercise.checks})
        result.exercises.append(score(exercise, outcomes))
    return result


def grade(master: Path, submissions: list[Path], out_dir: Path | None = None, cell_timeout: float = 60,
          time_limit: float = 600, sandbox: bool = True) -> list[Result]:
    """Grade many submissions; write ``<stem>.json`` per submission and ``grades.csv`` into ``out_dir``.

    Raises SandboxUnavailable (before anything runs) if ``sandbox`` is asked for and none can be
    made here, FormatError for a malformed master, and MasterChanged if the master's file changes
    during the batch. Any other failure while grading one submission is recorded as its error
    (it scores 0) and the batch goes on.
    """
    if sandbox:
        sandboxing.require()
    master_nb, exercises, digest = read_master(master)  # a bad master stops everything
    results = []
    for path in submissions:
        try:
            results.append(_grade(master_nb, exercises, path, cell_timeout, time_limit, sandbox,
                                  lambda: verify_master(master, digest)))
        except MasterChanged:
            raise
        except Exception as err:  # noqa: BLE001 - one submission must not stop the batch
            results.append(Result(str(path), [ExerciseScore(e.id, 0, e.points, list(e.checks)) for e in exercises.values()],
                                  f"{path}: grading failed ({type(err).__name__}: {err})"))
    verify_master(master, digest)
    for r in results:
        r.sandboxed, r.master_sha256 = sandbox, digest
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for r, name in zip(results, report_names([Path(r.submission) for r in results])):
            (out_dir / f"{name}.json").write_text(json.dumps(r.to_json(), indent=2) + "\n")
        write_csv(results, out_dir / "grades.csv")
    return results


def report_names(submissions: list[Path]) -> list[str]:
    """One distinct report name per submission: its file stem, with -2, -3, ... for repeated stems."""
    used: set[str] = set()
    names = []
    for path in submissions:
        name, copy_number = path.stem, 1
        while name in used:
            copy_number += 1
            name = f"{path.stem}-{copy_number}"
        used.add(name)
        names.append(name)
    return names


def write_csv(results: list[Result], path: Path) -> None:
    ids = [e.id for e in results[0].exercises] if results else []
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", *[f"exercise {i}" for i in ids], "points", "max_points", "error"])
        for r in results:
            writer.writerow([r.submission, *[e.points for e in r.exercises], r.points, r.max_points, r.error or ""])


def table(results: list[Result]) -> str:
    """A plain-text score table: one row per submission, one column per exercise."""
    ids = [e.id for e in results[0].exercises] if results else []
    rows = [["submission", *ids, "total"]]
    for r in results:
        cells = [f"{e.points if e.attempted else '-'}/{e.max_points}" for e in r.exercises]
        rows.append([Path(r.submission).name, *cells, f"{r.points}/{r.max_points}" + ("  ERROR" if r.error else "")])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    if any(not e.attempted for r in results for e in r.exercises):
        lines.append("-: not attempted (the solution is still the released stub); it scores 0")
    errors = [f"{Path(r.submission).name}: {r.error}" for r in results if r.error]
    return "\n".join(lines + ([""] + errors if errors else []))
