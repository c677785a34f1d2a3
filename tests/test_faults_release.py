"""Issue 25, case 2: `dlcourse release` never writes over a master, the one being released or another."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dlcourse.grading.exercises import marker, read_notebook
from dlcourse.grading.release import release

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "tests" / "fixtures" / "grading" / "master.ipynb"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def test_case2_release_refuses_to_overwrite_another_master(tmp_path):
    other = tmp_path / "other_master.ipynb"
    shutil.copy(MASTER, other)
    before = other.read_bytes()
    result = subprocess.run([sys.executable, "-m", "dlcourse", "release", str(MASTER), str(other)],
                            capture_output=True, text=True, env=ENV, check=False, timeout=60)
    assert result.returncode == 2 and "master" in result.stderr and str(other) in result.stderr
    assert other.read_bytes() == before  # its solutions and hidden checks are still there
    # a tree released into a folder inside itself: the second run does not take the copies for masters
    tree = tmp_path / "chapters"
    (tree / "01").mkdir(parents=True)
    shutil.copy(MASTER, tree / "01" / "lesson.ipynb")
    first = release(tree, tree / "handout")
    second = release(tree, tree / "handout")
    assert first == second == [tree / "handout" / "01" / "lesson.ipynb"]
    assert not (tree / "handout" / "handout").exists()
    assert any(marker(c) and marker(c)["role"] == "hidden-check" for c in read_notebook(tree / "01" / "lesson.ipynb").cells)
