"""Student copies: solutions replaced by a stub, outputs cleared, hidden checks removed.

    # BEGIN SOLUTION                      # BEGIN SOLUTION
    return (a == b).mean()          ->    raise NotImplementedError("Exercise 0.1: write your solution here")
    # END SOLUTION                        # END SOLUTION

Releasing a released copy changes nothing, and a master is never written over: neither the notebooks being
released nor any other master (a notebook with hidden checks or unstubbed solutions) already at an output path.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from dlcourse.grading.exercises import BEGIN, END, HIDDEN, SOLUTION, marker, parse_exercises, read_notebook


def stub_solution(source: str, exercise_id: str) -> str:
    """``source`` with the lines inside each marker pair replaced by one ``raise NotImplementedError``."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if line.strip() == END:
            inside = False
        if not inside:
            out.append(line)
        if line.strip() == BEGIN:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("Exercise {exercise_id}: write your solution here")')
    return "\n".join(out)


def release_notebook(nb: nbformat.NotebookNode, where: str = "notebook",
                     keep_outputs: bool = False) -> nbformat.NotebookNode:
    """The student copy of ``nb`` (a new notebook; ``nb`` is not changed).

    With ``keep_outputs`` (the student edition of the site), the cells outside exercises keep their
    stored outputs; the solution and check cells of exercises are cleared either way.
    """
    parse_exercises(nb, where)  # refuse to release a malformed master
    student = copy.deepcopy(nb)
    kept = []
    for cell in student.cells:
        meta = marker(cell) or {}
        if meta.get("role") == HIDDEN:
            continue
        if cell.cell_type == "code" and (meta or not keep_outputs):
            cell.outputs = []
            cell.execution_count = None
            if meta.get("role") == SOLUTION:
                cell.source = stub_solution(cell.source, meta["exercise"])
        kept.append(cell)
    student.cells = kept
    return student


def is_master(nb: nbformat.NotebookNode) -> bool:
    """True if ``nb`` holds what a student copy must not: hidden checks, or a solution that is not the stub."""
    for cell in nb.cells:
        meta = marker(cell) or {}
        if meta.get("role") == HIDDEN:
            return True
        if meta.get("role") == SOLUTION and cell.source != stub_solution(cell.source, meta["exercise"]):
            return True
    return False


def notebooks_under(path: Path) -> list[Path]:
    """``path`` itself if it is a notebook, else every notebook below it (checkpoints excluded)."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def release(source: Path, target: Path) -> list[Path]:
    """Write student copies of the notebook or tree ``source`` into ``target``; returns the files written.

    For a tree, the folder structure is mirrored; a ``target`` inside ``source`` is left out of the masters
    (so releasing ``chapters`` into ``chapters/handout`` can be repeated). Raises ValueError, before
    writing anything, if a copy would land on one of the masters or on any other master notebook.
    """
    source, target = Path(source).resolve(), Path(target).resolve()
    masters = [m for m in notebooks_under(source)
               if source.is_file() or target == source or not m.is_relative_to(target)]
    if not masters:
        raise FileNotFoundError(f"no notebooks found at {source}")
    if source.is_file():
        outputs = [target / source.name if target.suffix != ".ipynb" else target]
    else:
        outputs = [target / m.relative_to(source) for m in masters]
    clashes = set(outputs) & set(masters)
    clashes |= {out for out in outputs if out.is_file() and _holds_master(out)}
    if clashes:
        raise ValueError(f"refusing to write over the master(s) {sorted(map(str, clashes))}; choose another output folder")
    released = [release_notebook(read_notebook(m), str(m)) for m in masters]  # all checked before any write
    for nb, out in zip(released, outputs):
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out))
    return outputs


def _holds_master(path: Path) -> bool:
    """True if ``path`` is a notebook that is a master (a file that is not a notebook is not ours to judge)."""
    try:
        return is_master(nbformat.read(str(path), as_version=4))
    except Exception:  # noqa: BLE001 - unreadable or not a notebook: the write below reports what is wrong
        return False
