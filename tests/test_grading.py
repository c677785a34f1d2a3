"""Real grading runs: release, grade, and the attacks a grader must survive."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from dlcourse.cli import main
from dlcourse.grading.exercises import FormatError, marker, parse_exercises, read_notebook
from dlcourse.grading.grade import grade, grade_submission, report_names, table
from dlcourse.grading.release import release, release_notebook, stub_solution
from dlcourse.grading.sandbox import unavailable_reason

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "tests" / "fixtures" / "grading" / "master.ipynb"
CHAPTERS = sorted(ROOT.glob("chapters/*/*.ipynb"))
CORRECT = {e: c.source for c in read_notebook(MASTER).cells if (m := marker(c)) and m["role"] == "solution"
           for e in [m["exercise"]]}


def scores(result) -> dict[str, int]:
    return {e.id: e.points for e in result.exercises}


def submission(tmp_path: Path, solutions: dict[str, str], edit: Callable[[list], list] | None = None,
               name: str = "student.ipynb") -> Path:
    """A student's notebook: the released copy with ``solutions`` written in, then ``edit``ed."""
    nb = release_notebook(read_notebook(MASTER))
    for cell in nb.cells:
        meta = marker(cell)
        if meta and meta["role"] == "solution" and meta["exercise"] in solutions:
            cell.source = solutions[meta["exercise"]]
    if edit:
        nb.cells = edit(nb.cells)
    path = tmp_path / name
    nbformat.write(nb, str(path))
    return path


FULL = {"1": 3, "2": 2, "3": 3}
SANDBOX = unavailable_reason() is None  # without one (CI without Bubblewrap), these run unsandboxed
NO_SANDBOX = [] if SANDBOX else ["--no-sandbox"]


# --- format -----------------------------------------------------------------------------------------

def test_every_master_is_well_formed():
    """Every chapter's exercises pass the format check as masters (how many and of which kinds: test_book.py)."""
    for path in CHAPTERS:
        parse_exercises(read_notebook(path), str(path), require_outputs=True)  # raises FormatError, listing problems
    assert parse_exercises(read_notebook(MASTER), str(MASTER), require_outputs=True)


@pytest.mark.parametrize(("change", "message"), [
    (lambda cells: cells[3].metadata["dlcourse"].update(exercise="2"), "already has a solution cell"),
    (lambda cells: cells[3].metadata["dlcourse"].update(points=1), "points belong on the check cells"),
    (lambda cells: cells[4].metadata["dlcourse"].pop("points"), "needs 'points'"),
    (lambda cells: setattr(cells[3], "source", "def double(x):\n    return 2 * x"), "in pairs"),
    (lambda cells: cells[4].metadata["dlcourse"].update(role="judge"), "role 'judge' is not one of"),
    (lambda cells: [cells[i].metadata.pop("dlcourse") for i in (4, 5)], "without a \\(visible\\) check cell"),
])
def test_malformed_exercises_are_rejected(change, message):
    nb = read_notebook(MASTER)
    assert marker(nb.cells[3])["role"] == "solution" and marker(nb.cells[5])["role"] == "hidden-check"
    change(nb.cells)
    with pytest.raises(FormatError, match=message):
        parse_exercises(nb)


def test_check_before_its_solution_and_missing_outputs_are_rejected():
    nb = read_notebook(MASTER)
    nb.cells[3], nb.cells[4] = nb.cells[4], nb.cells[3]
    with pytest.raises(FormatError, match="comes before its solution"):
        parse_exercises(nb)
    nb = read_notebook(MASTER)
    nb.cells[5].outputs = []
    parse_exercises(nb)
    with pytest.raises(FormatError, match="has no stored output"):
        parse_exercises(nb, require_outputs=True)


# --- release -----------------------------------------------------------------------------------------

def test_release_stubs_clears_and_drops_hidden_checks(tmp_path):
    out = release(MASTER, tmp_path / "student")[0]
    nb = read_notebook(out)
    roles = [marker(c)["role"] for c in nb.cells if marker(c)]
    assert "hidden-check" not in roles and roles.count("check") == 3 and roles.count("solution") == 3
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    solution = next(c for c in nb.cells if marker(c) and marker(c)["exercise"] == "1")
    assert solution.source == ('def double(x: float) -> float:\n    # BEGIN SOLUTION\n'
                               '    raise NotImplementedError("Exercise 1: write your solution here")\n    # END SOLUTION')
    # idempotent: releasing the student copy again gives the same notebook
    again = release(out, tmp_path / "again")[0]
    assert read_notebook(again).cells == nb.cells


def test_release_of_a_tree_mirrors_it_and_never_overwrites_masters(tmp_path):
    written = release(ROOT / "chapters", tmp_path / "out")
    assert [p.relative_to(tmp_path / "out") for p in written] == [p.relative_to(ROOT / "chapters") for p in CHAPTERS]
    with pytest.raises(ValueError, match="refusing to write over the master"):
        release(ROOT / "chapters", ROOT / "chapters")
    with pytest.raises(ValueError, match="refusing to write over the master"):
        release(MASTER, MASTER.parent)


# --- grading: masters and released copies ------------------------------------------------------------

@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if parse_exercises(read_notebook(c), str(c))],
                         ids=lambda p: str(p.relative_to(ROOT / "chapters")))
def test_chapter_master_scores_full_in_one_run_and_release_scores_zero_without_one(chapter, tmp_path, monkeypatch):
    """The master, graded against itself, passes every check in a single (sandboxed) run; its
    released copy holds only stubs, so it is graded without running anything and scores 0."""
    from dlcourse.grading import grade as grade_module

    runs: list[int] = []
    real_run = grade_module.run_nbval
    monkeypatch.setattr(grade_module, "run_nbval", lambda nb, *a: runs.append(len(nb.cells)) or real_run(nb, *a))
    released = release(chapter, tmp_path)[0]
    master_result, released_result = grade(chapter, [chapter, released], cell_timeout=120, time_limit=600,
                                           sandbox=SANDBOX)
    assert master_result.points == master_result.max_points > 0 and master_result.error is None
    assert all(e.attempted and not e.failed_cells for e in master_result.exercises)
    assert all(e.points == 0 and not e.attempted for e in released_result.exercises)
    assert released_result.error is None and len(runs) == 1  # the master's one run; none for the stubs


def test_correct_submission_scores_full_even_with_checks_edited_deleted_reordered(tmp_path):
    def vandalize(cells: list) -> list:
        cells = [c for c in cells if not (marker(c) and marker(c)["exercise"] == "1" and marker(c)["role"] == "check")]
        for c in cells:
            if marker(c) and marker(c)["role"] == "check":
                c.source = "pass"
        cells.append(nbformat.v4.new_code_cell("print('my own extra cell')"))
        return list(reversed(cells))

    result = grade_submission(MASTER, submission(tmp_path, CORRECT, vandalize), sandbox=SANDBOX)
    assert scores(result) == FULL and result.error is None


# --- grading: attacks --------------------------------------------------------------------------------

WRONG = "def double(x: float) -> float:\n    return 3 * x\n"
ATTACKS = {
    "check replaced by pass": (WRONG, lambda cells: [setattr(c, "source", "pass") if marker(c) and marker(c)["role"] == "check" else None for c in cells] and cells),
    "showtraceback override": (WRONG + "from IPython.core.interactiveshell import InteractiveShell\n"
                               "InteractiveShell.showtraceback = lambda *a, **k: None\n", None),
    "__eq__ always True": ("class Anything(float):\n    def __eq__(self, other):\n        return True\n"
                           "    def __round__(self, n=None):\n        return self\n"
                           "def double(x):\n    return Anything(0.0)\n", None),
    "monkeypatched checks": (WRONG + "import dlcourse.checks\n"
                             "dlcourse.checks.assert_close = lambda *a, **k: None\n"
                             "assert_close = dlcourse.checks.assert_close\n"
                             "dlcourse.checks.canonical = lambda *a, **k: 'patched'\n"
                             "canonical = dlcourse.checks.canonical\n", None),
    "endless loop": ("def double(x):\n    while True:\n        pass\n", None),
    "os._exit": ("import os\nos._exit(1)\n", None),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_score_zero_for_their_exercise_only(attack, tmp_path):
    source, edit = ATTACKS[attack]
    result = grade_submission(MASTER, submission(tmp_path, {**CORRECT, "1": source}, edit), cell_timeout=30,
                              time_limit=180, sandbox=SANDBOX)  # room for `import torch` on a loaded machine
    assert scores(result) == {**FULL, "1": 0}


def test_malformed_file_is_a_clear_error_and_the_batch_goes_on(tmp_path, capsys):
    garbage = tmp_path / "garbage.ipynb"
    garbage.write_text("{ this is not json")
    picture = tmp_path / "photo.ipynb"
    picture.write_bytes(bytes(range(256)))
    good = submission(tmp_path, CORRECT, name="good.ipynb")
    out = tmp_path / "report"
    status = main(["grade", str(MASTER), str(garbage), str(picture), str(good), "--out", str(out), *NO_SANDBOX])
    assert status == 1  # not everyone passed
    printed = capsys.readouterr().out
    assert "garbage.ipynb: " in printed and "not a readable Jupyter notebook" in printed
    rows = list(csv.DictReader((out / "grades.csv").read_text().splitlines()))
    assert [(Path(r["submission"]).name, r["points"]) for r in rows] == [("garbage.ipynb", "0"), ("photo.ipynb", "0"), ("good.ipynb", "8")]
    report = json.loads((out / "good.json").read_text())
    assert report["points"] == report["max_points"] == 8 and report["error"] is None
    assert report["sandboxed"] is SANDBOX and report["master_sha256"] == hashlib.sha256(MASTER.read_bytes()).hexdigest()


def test_students_pytest_config_in_the_submission_folder_is_ignored(tmp_path):
    (tmp_path / "conftest.py").write_text("import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                                          "def pytest_runtest_makereport(item, call):\n"
                                          "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:nbval\n")
    result = grade_submission(MASTER, submission(tmp_path, {**CORRECT, "2": "def mean(v):\n    return 0.0\n"}),
                              sandbox=SANDBOX)
    assert scores(result) == {**FULL, "2": 0}


def test_missing_solution_cell_scores_zero_for_that_exercise(tmp_path):
    drop_3 = lambda cells: [c for c in cells if not (marker(c) and marker(c)["exercise"] == "3")]  # noqa: E731
    assert scores(grade_submission(MASTER, submission(tmp_path, CORRECT, drop_3), sandbox=SANDBOX)) == {**FULL, "3": 0}


def test_grade_command_exit_status_and_bad_master(tmp_path, capsys):
    good = submission(tmp_path, CORRECT)
    assert main(["grade", str(MASTER), str(good), *NO_SANDBOX]) == 0
    assert "8/8" in capsys.readouterr().out
    bad_master = copy.deepcopy(read_notebook(MASTER))
    bad_master.cells[5].outputs = []
    nbformat.write(bad_master, str(tmp_path / "bad.ipynb"))
    assert main(["grade", str(tmp_path / "bad.ipynb"), str(good), *NO_SANDBOX]) == 2
    assert "has no stored output" in capsys.readouterr().err


def test_report_names_are_distinct_even_when_stems_repeat():
    paths = [Path("a/x.ipynb"), Path("x-2.ipynb"), Path("b/x.ipynb"), Path("c/x.ipynb")]
    assert report_names(paths) == ["x", "x-2", "x-3", "x-4"]


def test_unattempted_exercise_scores_zero_without_a_second_run_and_is_marked(tmp_path, monkeypatch):
    from dlcourse.grading import grade as grade_module

    runs = []
    real_run = grade_module.run_nbval
    monkeypatch.setattr(grade_module, "run_nbval", lambda nb, *a: runs.append(nb) or real_run(nb, *a))
    stubbed = {**CORRECT, "2": stub_solution(CORRECT["2"], "2")}
    result = grade_submission(MASTER, submission(tmp_path, stubbed), sandbox=SANDBOX)
    assert scores(result) == {**FULL, "2": 0} and len(runs) == 1
    assert [e.attempted for e in result.exercises] == [True, False, True]
    assert "-/2" in table([result]) and "not attempted" in table([result])


# --- grading: the pure-code defences -----------------------------------------------------------------

def test_report_keys_must_be_code_cells_and_values_known():
    from dlcourse.grading.grade import parse_report

    nb = read_notebook(MASTER)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert parse_report(b'{"0": "passed", "3": "failed"}', nb) == {code[0]: "passed", code[3]: "failed"}
    for bad in [b'{"-1": "passed"}', b'{"%d": "passed"}' % len(code), b'{"1e1": "passed"}', b'{" 1": "passed"}',
                b'{"1": "won"}', b'{"1": true}', b'["passed"]', b"{not json", b"", "{\"\u0663\": \"passed\"}".encode()]:
        assert parse_report(bad, nb) == {}, bad


def test_report_read_is_bounded_even_if_someone_holds_the_pipe_open():
    import os
    import time

    from dlcourse.grading.grade import read_report

    read_end, write_end = os.pipe()
    os.write(write_end, b'{"0": "pass')  # half a report, and the writer never closes
    started = time.monotonic()
    assert read_report(read_end, time.monotonic() + 0.5) == b""
    assert time.monotonic() - started < 2
    os.close(write_end)
    read_end, write_end = os.pipe()
    os.write(write_end, b'{"0": "passed"}\n')  # a whole line is enough: no need to wait for EOF
    assert read_report(read_end, time.monotonic() + 5) == b'{"0": "passed"}'
    os.close(write_end)


def test_pytest_killed_at_the_time_limit_counts_every_cell_failed(tmp_path):
    import time

    from dlcourse.grading.grade import run_nbval

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)"),
                                         nbformat.v4.new_code_cell("while True:\n    pass")])
    started = time.monotonic()
    assert run_nbval(nb, cell_timeout=600, time_limit=4, sandbox=SANDBOX) == {}
    assert time.monotonic() - started < 30


def test_nbval_comment_markers_are_stripped_from_check_cells_only():
    from dlcourse.grading.grade import build_graded

    nb = read_notebook(MASTER)
    exercises = parse_exercises(nb)
    nb.cells[5].source = "# NBVAL_IGNORE_OUTPUT\n  #  NBVAL_RAISES_EXCEPTION\n" + nb.cells[5].source
    nb.cells[7].source = "# NBVAL_SKIP\n" + nb.cells[7].source
    graded = build_graded(nb, exercises, CORRECT)
    assert "NBVAL" not in graded.cells[5].source and graded.cells[5].source.startswith("print(canonical(")
    assert graded.cells[7].source.startswith("# NBVAL_SKIP")  # an ordinary cell is the master's business


def test_wrong_types_in_a_submission_are_a_format_error_for_it_alone(tmp_path):
    from dlcourse.grading.grade import student_solutions

    nb = release_notebook(read_notebook(MASTER))
    nb.cells[3].source = ["def double(x):\n", "    return 2 * x\n"]  # a list of lines is fine
    assert student_solutions(nb)["1"] == "def double(x):\n    return 2 * x\n"
    for field, value, message in [("source", 5, "'source' is int"), ("source", None, "'source' is NoneType"),
                                  ("metadata", [], "'metadata' is not a JSON object")]:
        broken = copy.deepcopy(nb)
        broken.cells[3][field] = value
        with pytest.raises(FormatError, match=message):
            student_solutions(broken)
    broken = copy.deepcopy(nb)
    broken.cells[3] = "a string, not a cell"
    with pytest.raises(FormatError, match="not a JSON object"):
        student_solutions(broken)


def test_an_exception_grading_one_submission_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch):
    from dlcourse.grading import grade as grade_module

    real_run = grade_module.run_nbval
    calls = []

    def flaky(nb, *args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the disk is full")
        return real_run(nb, *args)

    monkeypatch.setattr(grade_module, "run_nbval", flaky)
    first, second = (submission(tmp_path, CORRECT, name=n) for n in ("first.ipynb", "second.ipynb"))
    results = grade(MASTER, [first, second], tmp_path / "out", sandbox=SANDBOX)
    assert results[0].points == 0 and "RuntimeError: the disk is full" in results[0].error
    assert scores(results[1]) == FULL and results[1].error is None
    assert json.loads((tmp_path / "out" / "first.json").read_text())["error"].endswith("(RuntimeError: the disk is full)")


def test_a_check_the_isolated_rerun_never_reported_counts_as_failed(tmp_path, monkeypatch):
    from dlcourse.grading import grade as grade_module

    nb = read_notebook(MASTER)
    everything = {i: "passed" for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    runs = iter([{**everything, 4: "failed"}, {i: v for i, v in everything.items() if i != 5}])
    monkeypatch.setattr(grade_module, "run_nbval", lambda *a: next(runs))
    result = grade_submission(MASTER, submission(tmp_path, CORRECT), sandbox=False)
    assert scores(result) == {**FULL, "1": 0} and result.exercises[0].failed_cells == [5]


def test_a_master_changed_during_the_batch_stops_it(tmp_path, monkeypatch, capsys):
    from dlcourse.grading import grade as grade_module

    master = tmp_path / "master.ipynb"
    master.write_bytes(MASTER.read_bytes())
    real_run = grade_module.run_nbval

    def tamper(nb, *args):
        master.write_text(master.read_text().replace("check passed", "check passed!"))
        return real_run(nb, *args)

    monkeypatch.setattr(grade_module, "run_nbval", tamper)
    first, second = (submission(tmp_path, CORRECT, name=n) for n in ("first.ipynb", "second.ipynb"))
    assert main(["grade", str(master), str(first), str(second), *NO_SANDBOX]) == 2
    assert "changed on disk while grading" in capsys.readouterr().err


def test_without_a_sandbox_grade_refuses_unless_told_and_says_the_risk(tmp_path, monkeypatch, capsys):
    from dlcourse.grading import sandbox

    monkeypatch.setattr(sandbox, "unavailable_reason", lambda: "Bubblewrap (bwrap) is not installed")
    good = submission(tmp_path, CORRECT)
    assert main(["grade", str(MASTER), str(good)]) == 2
    err = capsys.readouterr().err
    assert "refusing to grade untrusted submissions without a sandbox: Bubblewrap (bwrap) is not installed" in err
    assert "--no-sandbox" in err and "forge its grade" in err and len(err.strip().splitlines()) == 1
    assert main(["grade", str(MASTER), str(good), "--no-sandbox"]) == 0
    assert "8/8" in capsys.readouterr().out
