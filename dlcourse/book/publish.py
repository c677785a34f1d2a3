"""Publishing a version of the book: the tag the notebooks' setup cell pins, and the student branch.

Every notebook's first cell installs ``dlcourse @ git+REPOSITORY@vVERSION`` on Colab
(``dlcourse.book.setup_cell``), so each published version needs its tag. ``dlcourse book tag`` makes it,
after checking that the working tree is committed and every setup cell names this version.
``dlcourse book student-tree DIR`` writes the tree of the ``student`` branch that the student edition's
Colab and Binder buttons open. The teacher page (``chapters/grading.md``) lists the steps.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dlcourse import __version__
from dlcourse.book import setup_cell
from dlcourse.book.editions import stage


class PublishError(RuntimeError):
    """The repository is not in a state that can be published; the message says what to do."""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise PublishError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def tag(repo: Path) -> str:
    """Create the annotated tag ``v<version>`` at HEAD; returns its name.

    Refuses, naming the fix, when the working tree has uncommitted changes, when a setup cell names
    another version, or when the tag already exists on another commit. Creating it again on the same
    commit changes nothing.
    """
    repo = Path(repo).resolve()
    name = f"v{__version__}"
    if git(repo, "status", "--porcelain", "--untracked-files=no"):
        raise PublishError(f"{repo} has uncommitted changes: commit them before tagging {name}.")
    stale = setup_cell.stale(sorted(repo.glob("chapters/*/*.ipynb")), setup_cell.render(setup_cell.repository_url(repo)))
    if stale:
        raise PublishError(f"setup cells that don't pin {name}: {[str(p.relative_to(repo)) for p in stale]}; "
                           "run `dlcourse stamp-setup`, re-execute those notebooks and commit.")
    head = git(repo, "rev-parse", "HEAD")
    existing = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"refs/tags/{name}^{{commit}}"],
                              capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    if existing and existing != head:
        raise PublishError(f"tag {name} already marks commit {existing[:12]}, not HEAD: raise __version__ in "
                           "dlcourse/__init__.py, run `dlcourse stamp-setup`, re-execute and commit.")
    if not existing:
        git(repo, "tag", "-a", name, "-m", f"dlcourse {__version__}")
    return name


def student_tree(book_root: Path, dest: Path) -> Path:
    """Write the tree of the repository's ``student`` branch into ``dest``: the student copies and the package.

    Colab opens its notebooks; Binder builds its ``environment.yml``, which installs the package from
    ``pyproject.toml`` and ``dlcourse/``.
    """
    book_root, dest = Path(book_root).resolve(), Path(dest).resolve()
    stage("student", book_root, dest)
    for name in ("pyproject.toml", "environment.yml", "README.md", "Makefile"):
        shutil.copy2(book_root / name, dest / name)
    shutil.copytree(book_root / "dlcourse", dest / "dlcourse", ignore=shutil.ignore_patterns("__pycache__"))
    return dest
