"""Hostile submissions against the sandboxed grader: one real grading batch per class of attack.

Each attack knows everything a student could find out (the master's path, the package's, the
site-packages folder, the grader's home, the grades folder) and tries it from inside its kernel,
with every answer wrong. Each test asserts that the attacker scores 0, that a correct victim graded
after it in the same batch scores full, that nothing outside the sandbox's scratch changed, and
that no process the attack started is still alive. The files an attack aims at are restored if an
attack ever gets through, so a failure here does not damage the checkout or the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sysconfig
import time
import uuid
from pathlib import Path

import nbformat
import pytest

import dlcourse
from dlcourse.grading import sandbox
from dlcourse.grading.exercises import marker, read_notebook
from dlcourse.grading.grade import grade
from dlcourse.grading.release import release_notebook

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "grading" / "master.ipynb"
PACKAGE = Path(dlcourse.__file__).resolve().parent
SITE = Path(sysconfig.get_path("purelib"))
HOST_HOME = Path.home()
CORRECT = {m["exercise"]: c.source for c in read_notebook(FIXTURE).cells if (m := marker(c)) and m["role"] == "solution"}
WRONG = {"1": "def double(x):\n    return 3 * x\n", "2": "def mean(values):\n    return 0.0\n",
         "3": "def squares(t):\n    return t\n"}
FULL = {"1": 3, "2": 2, "3": 3}

pytestmark = pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                reason=f"no sandbox here: {sandbox.unavailable_reason()}")


def write_submission(path: Path, solutions: dict[str, str]) -> Path:
    nb = release_notebook(read_notebook(FIXTURE))
    for cell in nb.cells:
        meta = marker(cell)
        if meta and meta["role"] == "solution" and meta["exercise"] in solutions:
            cell.source = solutions[meta["exercise"]]  # the others stay the released stub: not attempted, 0
    nbformat.write(nb, str(path))
    return path


def digest(path: Path) -> str:
    """A hash of a file, or of every file under a folder (names and contents)."""
    h = hashlib.sha256()
    for p in sorted([path] if path.is_file() else path.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def survivors(tag: str) -> list[int]:
    """Processes whose command line holds ``tag``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


class Scene:
    """A teacher's folders for one batch, with the host paths an attacker aims at and their state."""

    def __init__(self, tmp_path: Path) -> None:
        self.tag = f"dlcourse-attack-{uuid.uuid4().hex[:12]}"
        self.teacher = tmp_path / "teacher"
        self.teacher.mkdir()
        self.master = self.teacher / "master.ipynb"
        shutil.copyfile(FIXTURE, self.master)
        self.submissions = tmp_path / "submissions"
        self.submissions.mkdir()
        self.grades = tmp_path / "grades"
        self.planted = [SITE / f"zz_{self.tag}.pth", HOST_HOME / ".ipython" / "profile_default" / "startup" / f"00-{self.tag}.py",
                        Path("/tmp") / f"{self.tag}.py", self.teacher / "loot.py", self.submissions / "loot.py"]
        self.guarded = [self.master, PACKAGE / "grading" / "nbval_report.py", PACKAGE / "nbval_sanitize.cfg",
                        PACKAGE / "grading" / "grade.py"]
        self.saved = {p: p.read_bytes() for p in self.guarded}
        self.package_digest = digest(PACKAGE)

    def paths(self) -> dict[str, str]:
        """What the attack code is told (string literals)."""
        return {"MASTER": str(self.master), "PACKAGE": str(PACKAGE), "SITE": str(SITE), "HOST_HOME": str(HOST_HOME),
                "GRADES": str(self.grades), "SUBMISSIONS": str(self.submissions), "TAG": self.tag,
                "TEACHER": str(self.teacher), "PLANTED": [str(p) for p in self.planted]}

    def attacker(self, name: str, payload: str, exercises: tuple[str, ...] = ("1",)) -> Path:
        """A submission whose ``exercises`` are answered wrong, then run ``payload``; the others are stubs.

        (Stubs are not attempted, so they cost no run: each attacked exercise costs two, the
        shared one and its own.)
        """
        prelude = f"ATTACK = json.loads({json.dumps(self.paths())!r})\n"
        return write_submission(self.submissions / name,
                                {k: WRONG[k] + "import json\n" + prelude + payload for k in exercises})

    def victim(self, name: str = "victim.ipynb") -> Path:
        return write_submission(self.submissions / name, CORRECT)

    def grade(self, submissions: list[Path]) -> list:
        started = time.monotonic()
        try:
            results = grade(self.master, submissions, self.grades, cell_timeout=60, time_limit=180)
        finally:
            changed = [p for p in self.guarded if p.read_bytes() != self.saved[p]]
            for p in changed:
                p.write_bytes(self.saved[p])
            planted = [p for p in self.planted if p.exists()]
            for p in planted:
                p.unlink()
        self.elapsed = time.monotonic() - started
        assert not changed, f"the attack changed {changed}"
        assert not planted, f"the attack planted {planted}"
        return results

    def assert_clean(self, results: list) -> None:
        """Nothing changed outside the scratch, the reports are the grader's, and no attack process lives."""
        time.sleep(1.0)  # give any surviving daemon the time to act
        assert digest(PACKAGE) == self.package_digest
        assert not survivors(self.tag)
        for r, name in zip(results, [Path(r.submission).stem for r in results]):
            assert json.loads((self.grades / f"{name}.json").read_text())["points"] == r.points
        rows = (self.grades / "grades.csv").read_text().splitlines()
        assert len(rows) == len(results) + 1 and not any("pwned" in row for row in rows)


def points(result) -> dict[str, int]:
    return {e.id: e.points for e in result.exercises}


# Attack code shared by two payloads: SIGKILL to every process the submission can see but itself.
KILL_EVERY_PROCESS_IN_VIEW = """\
for _pid in filter(str.isdigit, os.listdir("/proc")):
    if int(_pid) != os.getpid():
        try:
            os.kill(int(_pid), signal.SIGKILL)
        except OSError:
            pass
"""

FORGE = """
import json, os, signal
_forged = (json.dumps({str(i): "passed" for i in range(-40, 40)}) + "\\n").encode()
for _pid in filter(str.isdigit, os.listdir("/proc")):  # every descriptor of every process in view
    try:
        _fds = os.listdir(f"/proc/{_pid}/fd") if int(_pid) != os.getpid() else []
    except OSError:
        _fds = []
    for _fd in _fds:
        try:
            _w = os.open(f"/proc/{_pid}/fd/{_fd}", os.O_WRONLY | os.O_NONBLOCK)
            os.write(_w, _forged)
            os.close(_w)
        except OSError:
            pass
for _var in ("DLCOURSE_GRADE_FD", "JPY_PARENT_PID"):
    if os.environ.get(_var):
        try:
            os.write(int(os.environ[_var]), _forged)
        except (OSError, ValueError):
            pass
# then kill the grader so that the real report never comes
""" + KILL_EVERY_PROCESS_IN_VIEW + """try:
    os.kill(os.getppid(), signal.SIGKILL)
except OSError:
    pass
"""


def test_forging_the_result_channel_scores_zero(tmp_path):
    scene = Scene(tmp_path)
    results = scene.grade([scene.attacker("forger.ipynb", FORGE), scene.victim()])
    assert points(results[0]) == {"1": 0, "2": 0, "3": 0} and points(results[1]) == FULL
    scene.assert_clean(results)


LOOT = """
import glob, json, os
_places = [os.path.expanduser("~/loot.py"), "/tmp/loot.py", *ATTACK["PLANTED"]]
def _loot_sources():
    notebooks = [ATTACK["MASTER"], *glob.glob(ATTACK["SUBMISSIONS"] + "/*.ipynb"), *glob.glob("/work/*/chapters/*/*.ipynb")]
    for _pid in filter(str.isdigit, os.listdir("/proc")):  # the master's path on the grader's command line
        try:
            notebooks += [a for a in open(f"/proc/{_pid}/cmdline").read().split("\\0") if a.endswith(".ipynb")]
        except OSError:
            pass
    for path in notebooks:
        try:
            for cell in json.load(open(path))["cells"]:
                if cell.get("metadata", {}).get("dlcourse", {}).get("role") == "solution":
                    yield "".join(cell["source"])
        except (OSError, ValueError, KeyError):
            pass
    for path in _places:
        try:
            yield open(path).read()
        except OSError:
            pass
for _source in _loot_sources():
    try:
        exec(_source, globals())
    except Exception:
        pass
def _save(info):  # the master's solutions of the other exercises run in this kernel when one is re-run alone
    if "BEGIN SOLUTION" in (info.raw_cell or ""):
        for path in _places:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "a") as f:
                    f.write(info.raw_cell + "\\n")
            except OSError:
                pass
get_ipython().events.register("pre_run_cell", _save)
"""


def test_looting_master_solutions_scores_zero_even_for_a_later_copy(tmp_path):
    scene = Scene(tmp_path)
    first = scene.attacker("looter.ipynb", LOOT)  # its own run of exercise 1 runs the master's 2 and 3
    second = scene.attacker("looter-again.ipynb", LOOT, exercises=("2", "3"))
    results = scene.grade([first, second, scene.victim()])
    assert [sum(points(r).values()) for r in results[:2]] == [0, 0] and points(results[2]) == FULL
    scene.assert_clean(results)


PERSIST = """
import json, os, sys
def _append(path, text):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write(text)
    except OSError:
        pass
try:  # the master: make every check ignore its output or accept an exception
    _nb = json.load(open(ATTACK["MASTER"]))
    for _cell in _nb["cells"]:
        if _cell.get("metadata", {}).get("dlcourse", {}).get("role") in ("check", "hidden-check"):
            _cell["source"] = ["# NBVAL_IGNORE_OUTPUT\\n# NBVAL_RAISES_EXCEPTION\\n", *_cell["source"]]
    json.dump(_nb, open(ATTACK["MASTER"], "w"))
except OSError:
    pass
_append(ATTACK["PACKAGE"] + "/nbval_sanitize.cfg", "\\n[everything]\\nregex: (?s).+\\nreplace: SAME\\n")
_append(ATTACK["PACKAGE"] + "/grading/nbval_report.py", "\\n_outcomes = type('All', (dict,), {'get': lambda *a: 'passed'})()\\n")
_append(ATTACK["PACKAGE"] + "/grading/grade.py", "\\n# persisted\\n")
_append(ATTACK["PLANTED"][0], "import os\\n")  # a .pth in site-packages
_append(ATTACK["PLANTED"][1], "import dlcourse.checks; dlcourse.checks.assert_close = lambda *a, **k: None\\n")
_append(os.path.expanduser("~/.ipython/profile_default/startup/00-pass.py"),
        "import dlcourse.checks; dlcourse.checks.assert_close = lambda *a, **k: None\\n")
_daemon = '''
import json, os, sys, time
os.setsid()
grades = sys.argv[1]
for _ in range(300):  # rewrite the grades after the grader is done
    for name in os.listdir(grades) if os.path.isdir(grades) else []:
        path = os.path.join(grades, name)
        try:
            if name.endswith(".json"):
                report = json.load(open(path)); report["points"] = report["max_points"]; json.dump(report, open(path, "w"))
            else:
                open(path, "a").write("pwned\\\\n")
        except (OSError, ValueError, KeyError):
            pass
    time.sleep(0.1)
'''
if os.fork() == 0:
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", _daemon, ATTACK["GRADES"], ATTACK["TAG"]])
    os._exit(0)
os.wait()
"""


def test_persisting_into_master_package_site_packages_home_and_grades_changes_nothing(tmp_path):
    scene = Scene(tmp_path)
    wrong_after = write_submission(scene.submissions / "wrong-after.ipynb", {"1": WRONG["1"]})
    results = scene.grade([scene.attacker("persister.ipynb", PERSIST), wrong_after, scene.victim()])
    assert [sum(points(r).values()) for r in results[:2]] == [0, 0] and points(results[2]) == FULL
    scene.assert_clean(results)
    assert not (HOST_HOME / ".ipython" / "profile_default" / "startup" / "00-pass.py").exists()
    assert all(r.error is None for r in results)


DENY = """
import os, signal, sys
# kill every process in view, the grader's parents first
""" + KILL_EVERY_PROCESS_IN_VIEW + """try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
if os.fork() == 0:  # a detached grandchild holding every descriptor, and one that kills every later pytest
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c",
                 "import os, signal, time\\nwhile True:\\n"
                 "    for p in filter(str.isdigit, os.listdir('/proc')):\\n"
                 "        try:\\n"
                 "            if int(p) != os.getpid() and b'graded.ipynb' in open(f'/proc/{p}/cmdline', 'rb').read():\\n"
                 "                os.kill(int(p), signal.SIGKILL)\\n"
                 "        except OSError: pass\\n"
                 "    time.sleep(0.05)", ATTACK["TAG"]])
    os._exit(0)
os.wait()
"""


def test_denying_the_batch_fails_only_the_attacker(tmp_path):
    scene = Scene(tmp_path)
    broken = write_submission(scene.submissions / "broken.ipynb", CORRECT)
    raw = json.loads(broken.read_text())
    solutions = [c for c in raw["cells"] if c.get("metadata", {}).get("dlcourse", {}).get("role") == "solution"]
    solutions[0]["source"], solutions[1]["source"] = 5, {"not": "text"}
    del solutions[2]["source"]
    broken.write_text(json.dumps(raw))
    results = scene.grade([scene.attacker("denier.ipynb", DENY), broken, scene.victim()])
    assert sum(points(results[0]).values()) == 0 and sum(points(results[1]).values()) == 0
    assert "'source' is int, not text" in results[1].error
    assert points(results[2]) == FULL and results[2].error is None
    assert scene.elapsed < 4 * 60  # every run bounded by its time limit
    scene.assert_clean(results)


def test_a_flood_of_output_fails_its_run_within_the_time_limit(tmp_path):
    scene = Scene(tmp_path)
    flood = "import sys\nchunk = 'x' * (1 << 20)\nwhile True:\n    sys.stdout.write(chunk)\n"
    flooder = write_submission(scene.submissions / "flooder.ipynb", {"1": WRONG["1"] + flood})
    started = time.monotonic()
    result = grade(scene.master, [flooder], cell_timeout=20, time_limit=40)[0]
    assert time.monotonic() - started < 2 * (40 + 15)  # two runs (shared, then alone), each bounded
    assert result.points == 0 and result.error is None
