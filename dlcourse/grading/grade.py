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
   attempted: it scores 0 without that second run.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from dlcourse.grading.exercises import (SOLUTION, Exercise, FormatError, marker, parse_exercises,
                                        read_notebook)
from dlcourse.grading.nbval_report import FD_VAR
from dlcourse.grading.release import stub_solution

SANITIZE = Path(__file__).resolve().parents[1] / "nbval_sanitize.cfg"
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip", "raises-exception", "nbval-raises-exception"}


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

    @property
    def points(self) -> int:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> int:
        return sum(e.max_points for e in self.exercises)

    def to_json(self) -> dict:
        return {"submission": self.submission, "points": self.points, "max_points": self.max_points,
                "error": self.error, "exercises": [asdict(e) for e in self.exercises]}


def student_solutions(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The source of the learner's first solution cell of each exercise id."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        meta = marker(cell)
        if cell.get("cell_type") == "code" and isinstance(meta, dict) and meta.get("role") == SOLUTION:
            found.setdefault(str(meta.get("exercise")), cell.source)
    return found


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
    return graded


def run_nbval(nb: nbformat.NotebookNode, cell_timeout: float, time_limit: float) -> dict[int, str]:
    """Run ``nb`` under nbval in a fresh folder; return the outcome of each code cell that reported one."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-grade-") as tmp:
        folder = Path(tmp)
        nbformat.write(nb, str(folder / "graded.ipynb"))
        (folder / "pytest.ini").write_text("[pytest]\n")
        read_end, write_end = os.pipe()
        command = [
            sys.executable, "-m", "pytest", "graded.ipynb", "-c", "pytest.ini", "--rootdir", str(folder),
            "--noconftest", "-p", "no:cacheprovider", "-p", "dlcourse.grading.nbval_report", "-q",
            "--nbval", "--nbval-current-env", f"--nbval-cell-timeout={cell_timeout:g}",
            f"--nbval-sanitize-with={SANITIZE}",
        ]
        env = {**os.environ, FD_VAR: str(write_end), "PYTHONDONTWRITEBYTECODE": "1"}
        process = subprocess.Popen(command, cwd=folder, env=env, pass_fds=(write_end,), start_new_session=True,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        try:
            process.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # pytest and everything it started
            process.wait()
        with os.fdopen(read_end, "rb") as pipe:
            raw = pipe.read()
    if not raw:
        return {}  # pytest was killed before it could report: every cell counts as failed
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    return {code_cells[int(k)]: v for k, v in json.loads(raw).items()}


def score(exercise: Exercise, outcomes: dict[int, str]) -> ExerciseScore:
    failed = [i for i in exercise.checks if outcomes.get(i) != "passed"]
    return ExerciseScore(exercise.id, 0 if failed else exercise.points, exercise.points, failed)


def grade_submission(master_path: Path, submission: Path, cell_timeout: float = 60, time_limit: float = 600) -> Result:
    """Grade one submission against the master notebook (see the module docstring)."""
    master = read_notebook(master_path)
    exercises = parse_exercises(master, str(master_path), require_outputs=True)
    return _grade(master, exercises, submission, cell_timeout, time_limit)


def _grade(master: nbformat.NotebookNode, exercises: dict[str, Exercise], submission: Path, cell_timeout: float,
           time_limit: float) -> Result:
    result = Result(str(submission))
    try:
        solutions = student_solutions(read_notebook(submission))
    except FormatError as err:
        result.error = str(err)
        result.exercises = [ExerciseScore(e.id, 0, e.points) for e in exercises.values()]
        return result
    outcomes = run_nbval(build_graded(master, exercises, solutions), cell_timeout, time_limit)
    for exercise in exercises.values():
        stub = stub_solution(master.cells[exercise.solution].source, exercise.id)
        if solutions.get(exercise.id, stub).strip() == stub.strip():
            result.exercises.append(ExerciseScore(exercise.id, 0, exercise.points, list(exercise.checks), False))
            continue
        if any(outcomes.get(i) != "passed" for i in exercise.checks):  # failed here: give it a run of its own
            alone = run_nbval(build_graded(master, exercises, solutions, only=exercise.id), cell_timeout, time_limit)
            outcomes.update({i: alone.get(i, "failed") for i in exercise.checks})
        result.exercises.append(score(exercise, outcomes))
    return result


def grade(master: Path, submissions: list[Path], out_dir: Path | None = None, cell_timeout: float = 60,
          time_limit: float = 600) -> list[Result]:
    """Grade many submissions; write ``<stem>.json`` per submission and ``grades.csv`` into ``out_dir``."""
    master_nb = read_notebook(master)
    exercises = parse_exercises(master_nb, str(master), require_outputs=True)  # a bad master stops everything
    results = [_grade(master_nb, exercises, s, cell_timeout, time_limit) for s in submissions]
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
