"""The two editions of the site: the student edition holds no answer, the teacher edition folds every one.

"No answer" is checked on every file of the built student site (HTML, the downloadable ``_sources``,
``searchindex.js``, ...): no line of a master's solution body, no line of a hidden check's source and
no line of a hidden check's stored output may appear in it. Lines that the student copies show anyway
(``import torch`` in a hidden check, say, or a line that is part of a longer public line) are not
secrets and are left out of the search.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from dlcourse import __version__
from dlcourse.book import editions, publish
from dlcourse.grading.exercises import BEGIN, END, HIDDEN, SOLUTION, marker
from dlcourse.grading.release import release_notebook

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted(ROOT.glob("chapters/*/*.ipynb"))
TEXT_SUFFIXES = {".html", ".js", ".txt", ".md", ".ipynb", ".json", ".py", ".css", ".xml", ".inv"}


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def output_lines(cell) -> list[str]:
    lines = []
    for output in cell.get("outputs", []):
        lines += "".join(output.get("text", "")).splitlines()
        for value in output.get("data", {}).values():
            if isinstance(value, str) and not value.startswith(("iVBOR", "/9j/")):
                lines += value.splitlines()
    return lines


def solution_body(source: str) -> list[str]:
    """The lines between each BEGIN SOLUTION and END SOLUTION marker."""
    body, inside = [], False
    for line in source.splitlines():
        if line.strip() == END:
            inside = False
        if inside:
            body.append(line)
        if line.strip() == BEGIN:
            inside = True
    return body


def public_text() -> str:
    """Everything the student copies show, one line after another: sources and kept outputs of every cell."""
    lines = []
    for master in MASTERS:
        for cell in release_notebook(nbformat.read(str(master), as_version=4), keep_outputs=True).cells:
            lines += [normalize(line) for line in cell.source.splitlines() + output_lines(cell)]
    return "\n".join(lines)


def secrets() -> dict[str, str]:
    """Secret line -> where it comes from, for every master: solution bodies, hidden checks and their outputs."""
    public, found = public_text(), {}
    for master in MASTERS:
        nb = nbformat.read(str(master), as_version=4)
        for index, cell in enumerate(nb.cells):
            meta = marker(cell) or {}
            if meta.get("role") == SOLUTION:
                lines = solution_body(cell.source)
            elif meta.get("role") == HIDDEN:
                lines = cell.source.splitlines() + output_lines(cell)
            else:
                continue
            for line in map(normalize, lines):
                if len(line) >= 8 and line not in public and not line.startswith("#"):
                    found[line] = f"{master.relative_to(ROOT)} cell {index} (exercise {meta['exercise']})"
    return found


def site_text(path: Path) -> str:
    """A built file's text as a reader or a search would see it: HTML without tags, a notebook's cells."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        nb = json.loads(raw)
        raw = "\n".join("".join(c.get("source", "")) + "\n" + "\n".join(output_lines(c)) for c in nb["cells"])
    elif path.suffix == ".html":
        raw = html_lib.unescape(re.sub(r"<[^>]+>", "", raw))
    return normalize(raw)


def test_the_secret_lines_are_many_and_the_teacher_site_shows_them(built_editions):
    """The search below finds what it looks for: every secret line is in the teacher edition."""
    found = secrets()
    assert len(found) > 50, f"only {len(found)} secret lines: the search would prove little"
    result, html = built_editions["teacher"]
    assert result.returncode == 0
    teacher = " ".join(site_text(p) for p in html.rglob("*.html") if "_static" not in p.parts)
    missing = [f"{where}: {line}" for line, where in found.items() if line not in teacher]
    assert not missing, "not in the teacher edition:\n" + "\n".join(missing[:20])


def test_no_file_of_the_student_site_holds_an_answer(built_editions):
    result, html = built_editions["student"]
    assert result.returncode == 0
    found = secrets()
    leaks = []
    files = [p for p in html.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES and "mathjax" not in p.parts]
    assert any(p.name == "searchindex.js" for p in files) and any(p.suffix == ".ipynb" for p in files)
    for path in files:
        text = site_text(path)
        leaks += [f"{path.relative_to(html)}: {line!r} from {where}" for line, where in found.items() if line in text]
    assert not leaks, "answers in the student site:\n" + "\n".join(leaks[:30])


def exercise_pages() -> list[tuple[Path, str]]:
    pages = []
    for master in MASTERS:
        nb = nbformat.read(str(master), as_version=4)
        pages += [(master, marker(c)["exercise"]) for c in nb.cells if (marker(c) or {}).get("role") == SOLUTION]
    return pages


def test_every_solution_is_folded_in_the_teacher_edition(built_editions):
    """Each solution sits inside a closed <details> whose summary names the exercise; hidden checks too."""
    _, html = built_editions["teacher"]
    pages = exercise_pages()
    assert len(pages) >= 20
    for master, exercise in pages:
        page = (html / master.relative_to(ROOT)).with_suffix(".html").read_text()
        for what in ("solution", "hidden check") if f"exercise {exercise}" else ():
            prompt = f"Show the {what} of exercise {exercise}"
            if what == "hidden check" and prompt not in page:
                continue  # not every exercise has a hidden check
            start = page.index(prompt)
            details = page.rindex("<details", 0, start)
            assert "open" not in page[details : page.index(">", details)], f"{master.name}: {prompt} is unfolded"
        assert f"Show the solution of exercise {exercise}" in page, f"{master.name}: exercise {exercise} not folded"
    assert "Publish it only where students cannot reach it" in (html / "chapters" / "intro.html").read_text()


def test_the_student_editions_launch_buttons_open_the_student_branch(built_editions):
    _, html = built_editions["student"]
    page = (html / "chapters" / "03_optimizers" / "optimizers.html").read_text()
    colab = re.findall(r'https://colab\.research\.google\.com/github/[^"]+', page)
    binder = re.findall(r'https://mybinder\.org/v2/gh/[^"]+', page)
    assert colab and all(f"/blob/{editions.STUDENT_BRANCH}/" in url for url in colab), colab
    assert binder and all(f"/{editions.STUDENT_BRANCH}?" in url for url in binder), binder
    source = json.loads((html / "_sources" / "chapters" / "03_optimizers" / "optimizers.ipynb").read_text())
    assert "NotImplementedError" in json.dumps(source), "the download button must serve the student copy"


def test_the_student_tree_holds_student_copies_and_the_package(tmp_path: Path):
    tree = publish.student_tree(ROOT, tmp_path / "student")
    for name in ("pyproject.toml", "environment.yml", "_config.yml", "dlcourse/__init__.py"):
        assert (tree / name).is_file(), name
    for master in MASTERS:
        copy = nbformat.read(str(tree / master.relative_to(ROOT)), as_version=4)
        assert not any((marker(c) or {}).get("role") == HIDDEN for c in copy.cells), master.name
        for cell in copy.cells:
            if (marker(cell) or {}).get("role") == SOLUTION:
                stub = f'raise NotImplementedError("Exercise {marker(cell)["exercise"]}: write your solution here")'
                assert {line.strip() for line in solution_body(cell.source)} == {stub}, master.name


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


def test_tag_creates_the_tag_the_setup_cells_pin_and_refuses_what_would_mislead(tmp_path: Path):
    repo = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(repo)], check=True)
    git(repo, "checkout", "--quiet", "HEAD", "--", ".")  # the committed tree, whatever is checked out here
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "--allow-empty", "-m", "x")
    for tag in git(repo, "tag").split():
        git(repo, "tag", "-d", tag)
    git(repo, "config", "user.name", "t")
    git(repo, "config", "user.email", "t@t")
    assert publish.tag(repo) == f"v{__version__}"
    assert git(repo, "rev-parse", f"v{__version__}^{{commit}}") == git(repo, "rev-parse", "HEAD")
    assert publish.tag(repo) == f"v{__version__}", "tagging the same commit again changes nothing"
    (repo / "README.md").write_text("changed\n")
    with pytest.raises(publish.PublishError, match="uncommitted changes"):
        publish.tag(repo)
    git(repo, "commit", "--quiet", "-am", "another commit")
    with pytest.raises(publish.PublishError, match="already marks commit"):
        publish.tag(repo)
