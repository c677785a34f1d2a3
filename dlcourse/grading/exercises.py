"""The exercise format, and a validator that rejects malformed exercises.

An exercise is marked in cell metadata under the key ``dlcourse``::

    {"dlcourse": {"exercise": "0.1", "role": "solution", "kind": "code"}}  # the learner's cell
    {"dlcourse": {"exercise": "0.1", "role": "check", "points": 1}}       # visible feedback
    {"dlcourse": {"exercise": "0.1", "role": "hidden-check", "points": 1}}  # graded, removed on release

The solution cell names the exercise's kind (``KINDS``): ``code`` (write something that needs thought),
``predict`` (a prediction written before the cell that runs the experiment) or ``concept`` (a graded
answer to a question about why something works). Every exercise has at least one visible check, so the learner's copy gives feedback. A solution cell holds ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` (one pair per function, say); points go on check cells, which
come after the solution and print what they verified. An exercise earns the sum of its check
points when every one of its checks passes, and nothing otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

KEY = "dlcourse"
SOLUTION, CHECK, HIDDEN = "solution", "check", "hidden-check"
ROLES = (SOLUTION, CHECK, HIDDEN)
KINDS = ("code", "predict", "concept")
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"


class FormatError(ValueError):
    """A notebook's exercise cells are malformed; the message lists every problem found."""


@dataclass
class Exercise:
    """Where one exercise's cells are (indices into ``notebook.cells``)."""

    id: str
    solution: int = -1
    checks: list[int] = field(default_factory=list)
    points: int = 0


def marker(cell: nbformat.NotebookNode) -> dict | None:
    """The cell's exercise metadata, or None for an ordinary cell."""
    return cell.get("metadata", {}).get(KEY)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook, turning any failure into a FormatError that names the file."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as err:  # noqa: BLE001 - JSON errors, schema errors, binary files, ...
        raise FormatError(f"{path}: not a readable Jupyter notebook ({type(err).__name__}: {err})") from err
    if not isinstance(nb.get("cells"), list):
        raise FormatError(f"{path}: not a Jupyter notebook (no list of cells)")
    return nb


def solution_lines_ok(source: str) -> bool:
    """True if ``source`` has marker lines BEGIN, END, [BEGIN, END, ...]: at least one pair, none nested."""
    markers = [line.strip() for line in source.splitlines() if line.strip() in (BEGIN, END)]
    return len(markers) >= 2 and markers == [BEGIN, END] * (len(markers) // 2)


def parse_exercises(nb: nbformat.NotebookNode, where: str = "notebook", require_outputs: bool = False) -> dict[str, Exercise]:
    """Find and validate the exercises of ``nb``; raise FormatError listing every problem.

    With ``require_outputs`` (for an instructor's master), every check cell must have stored
    outputs, since the grader compares them.
    """
    problems: list[str] = []
    exercises: dict[str, Exercise] = {}
    for index, cell in enumerate(nb.cells):
        meta = marker(cell)
        if meta is None:
            continue
        at = f"cell {index}"
        if cell.cell_type != "code" or not isinstance(meta, dict):
            problems.append(f"{at}: exercise metadata must be a dict on a code cell")
            continue
        unknown = set(meta) - {"exercise", "role", "points", "kind"}
        exercise_id, role = meta.get("exercise"), meta.get("role")
        if unknown:
            problems.append(f"{at}: unknown keys {sorted(unknown)}")
        if not isinstance(exercise_id, str) or not exercise_id.strip():
            problems.append(f"{at}: 'exercise' must be a non-empty string id such as \"3.2\"")
            continue
        if role not in ROLES:
            problems.append(f"{at}: role {role!r} is not one of {ROLES}")
            continue
        exercise = exercises.setdefault(exercise_id, Exercise(exercise_id))
        if role == SOLUTION:
            if exercise.solution >= 0:
                problems.append(f"{at}: exercise {exercise_id} already has a solution cell (cell {exercise.solution}); ids must be unique")
            exercise.solution = index
            if "kind" in meta and meta["kind"] not in KINDS:
                problems.append(f"{at}: kind {meta['kind']!r} of exercise {exercise_id} is not one of {KINDS}")
            if "points" in meta:
                problems.append(f"{at}: points belong on the check cells of exercise {exercise_id}, not on its solution")
            if not solution_lines_ok(cell.source):
                problems.append(f"{at}: solution of exercise {exercise_id} needs '{BEGIN}' and '{END}' lines in pairs, not nested")
        else:
            points = meta.get("points")
            if type(points) is not int or points < 0:
                problems.append(f"{at}: {role} of exercise {exercise_id} needs 'points', a non-negative int")
            else:
                exercise.points += points
            if "kind" in meta:
                problems.append(f"{at}: the kind of exercise {exercise_id} belongs on its solution cell")
            if exercise.solution < 0:
                problems.append(f"{at}: {role} of exercise {exercise_id} comes before its solution cell")
            if require_outputs and not cell.get("outputs"):
                problems.append(f"{at}: {role} of exercise {exercise_id} has no stored output to compare; "
                                "run the master and make every check print what it verified")
            exercise.checks.append(index)
    for exercise in exercises.values():
        if exercise.solution < 0:
            problems.append(f"exercise {exercise.id}: no solution cell")
        if not any(marker(nb.cells[i])["role"] == CHECK for i in exercise.checks):
            problems.append(f"exercise {exercise.id}: a solution without a (visible) check cell for feedback")
    if problems:
        raise FormatError(f"{where}: malformed exercises:\n  - " + "\n  - ".join(problems))
    return exercises
