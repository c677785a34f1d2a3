"""The two editions of the site, built from the same sources.

- The **student** edition (``make book``, into ``_build/html``) shows every notebook as
  ``dlcourse release`` makes it: solution cells hold the released stub, hidden checks are gone, and the
  solution and check cells of exercises show no output; every other cell keeps its stored output. Its
  launch buttons (Colab, Binder) open the ``student`` branch of the repository, which holds the same
  student copies (``dlcourse book student-tree`` writes that tree; the teacher page says how to publish it).
- The **teacher** edition (``make book-teacher``, into ``_build/teacher/html``) shows the masters, each
  solution and hidden check folded behind a toggle that says what it hides, under a banner asking that it
  be published only where students cannot reach it.

Each edition is staged as a source tree of its own under ``_build/editions/<edition>/source`` (the
configuration, the table of contents and ``chapters/`` with the notebooks rewritten), then built by
Jupyter Book with ``-W -n --keep-going``, so a warning fails the build of either edition.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from dlcourse.grading.exercises import HIDDEN, SOLUTION, marker, read_notebook
from dlcourse.grading.release import release_notebook

EDITIONS = ("student", "teacher")
STUDENT_BRANCH = "student"  # where the student copies live, for the Colab and Binder buttons
TEACHER_BANNER = ("Teacher edition: it shows every solution and hidden check. Publish it only where students "
                  "cannot reach it.")
TREE_FILES = ("_config.yml", "_toc.yml")


def html_folder(edition: str, book_root: Path) -> Path:
    """Where ``make book`` (student) and ``make book-teacher`` (teacher) put the site."""
    return Path(book_root) / ("_build/html" if edition == "student" else "_build/teacher/html")


def teacher_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The master with each solution folded (its code hidden) and each hidden check folded (code and output)."""
    for cell in nb.cells:
        meta = marker(cell) or {}
        role = meta.get("role")
        if role not in (SOLUTION, HIDDEN):
            continue
        what = "solution" if role == SOLUTION else "hidden check"
        tags = cell.metadata.setdefault("tags", [])
        tags.append("hide-input" if role == SOLUTION else "hide-cell")
        cell.metadata["mystnb"] = {"code_prompt_show": f"Show the {what} of exercise {meta['exercise']}",
                                   "code_prompt_hide": f"Hide the {what}"}
    return nb


def edition_config(edition: str, config: dict) -> dict:
    """``_config.yml`` of an edition: the student one points the launch buttons at the student branch."""
    config = dict(config)
    if edition == "student":
        config["repository"] = {**config.get("repository", {}), "branch": STUDENT_BRANCH}
    else:
        config["title"] = f"{config.get('title', '')} (teacher edition)"
        config["html"] = {**config.get("html", {}), "announcement": TEACHER_BANNER}
    return config


def stage(edition: str, book_root: Path, dest: Path) -> Path:
    """Write the source tree of ``edition`` into ``dest`` (emptied first); returns ``dest``."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; choose one of {', '.join(EDITIONS)}")
    book_root, dest = Path(book_root).resolve(), Path(dest).resolve()
    if dest == book_root or book_root in dest.parents and dest.parts[len(book_root.parts)] != "_build":
        raise ValueError(f"refusing to stage into {dest}: choose a folder under _build/ or outside the book")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(book_root / "chapters", dest / "chapters",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"))
    for name in TREE_FILES[1:]:
        shutil.copy2(book_root / name, dest / name)
    config = yaml.safe_load((book_root / "_config.yml").read_text())
    (dest / "_config.yml").write_text(yaml.safe_dump(edition_config(edition, config), sort_keys=False,
                                                      allow_unicode=True))
    for master in sorted(book_root.glob("chapters/*/*.ipynb")):
        nb = read_notebook(master)
        copy = release_notebook(nb, str(master), keep_outputs=True) if edition == "student" else teacher_notebook(nb)
        nbformat.write(copy, str(dest / master.relative_to(book_root)))
    return dest


def build(edition: str, book_root: Path, html: Path | None = None) -> subprocess.CompletedProcess:
    """Stage ``edition`` and build it with ``jupyter-book build -W -n --keep-going``; the site goes to ``html``.

    The old site is replaced only when the build succeeds. Returns the finished Jupyter Book process
    (its return code and output).
    """
    book_root = Path(book_root).resolve()
    html = Path(html).resolve() if html else html_folder(edition, book_root)
    work = book_root / "_build" / "editions" / edition
    source = stage(edition, book_root, work / "source")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(source), "-W", "-n", "--keep-going", "--path-output", str(work)],
        capture_output=True, text=True, timeout=1800, check=False, cwd=book_root,
    )
    if result.returncode == 0:
        if html.exists():
            shutil.rmtree(html)
        html.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work / "_build" / "html", html)
    return result
