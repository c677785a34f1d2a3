"""A plain `pip install dlcourse` (no extras) is enough for a learner: the package, its commands, every notebook.

The test runs Python with every module that only the ``dev`` extra brings made unimportable: the
modules of the installed distributions outside the closure of dlcourse's own requirements. In that
interpreter it imports the learner package, runs the learner commands, and imports everything that
any notebook imports. (A fresh virtual environment would download several GB of PyTorch; hiding the
extra's modules tests the same question without the network.)
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LEARNER_MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for p in (ROOT / "dlcourse").rglob("*.py")
    if not {"book", "grading"} & set(p.relative_to(ROOT).parts) and p.name != "__main__.py"
)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_closure() -> set[str]:
    """The distributions a plain `pip install dlcourse` installs: its requirements without extras, recursively."""
    wanted, seen = ["dlcourse"], set()
    while wanted:
        name = normalized(wanted.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # a requirement whose marker excludes this platform is not installed
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                wanted.append(req.name)
    return seen


def dev_only_modules() -> list[str]:
    """Top-level modules that no distribution of the base closure provides."""
    base = base_closure()
    return sorted(
        module for module, dists in metadata.packages_distributions().items()
        if module.isidentifier() and not any(normalized(d) in base for d in dists)
    )


def notebook_imports() -> set[str]:
    """The modules imported by the code cells of every notebook (IPython magics left out)."""
    modules = set()
    for path in ROOT.glob("chapters/*/*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            lines = "".join(cell["source"]).splitlines()  # a magic becomes `pass`, keeping the block structure
            code = "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in lines)
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    modules |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules.add(node.module)
    return modules


BLOCKER = """
import importlib.abc, sys
BLOCKED = set({blocked!r})
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (only the dev extra installs it)", name=name)
sys.meta_path.insert(0, Block())
"""


def run_plain(code: str, also_missing: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    script = BLOCKER.format(blocked=dev_only_modules() + list(also_missing)) + code
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_the_dev_extra_brings_modules_that_the_plain_install_lacks():
    """The check below hides something real: the test runner and the book builder are dev-only."""
    hidden = dev_only_modules()
    assert {"pytest", "nbval", "jupyter_book", "playwright"} <= set(hidden), hidden


def test_the_learner_package_its_commands_and_every_notebook_import_run_without_extras(tmp_path: Path):
    imports = sorted(notebook_imports() | set(LEARNER_MODULES))
    assert "dlcourse.train" in imports and "torch" in imports
    result = run_plain(f"""
import importlib, io, contextlib
for name in {imports!r}:
    importlib.import_module(name)
from dlcourse.cli import main
for argv in (["data"], ["train", "--help"], ["search", "--help"]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as done:  # --help exits 0
            code = done.code
    assert code == 0, (argv, code, out.getvalue())
print("plain install ok")
""")
    assert result.returncode == 0 and "plain install ok" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]


def test_a_command_whose_module_is_missing_says_how_to_install_it(tmp_path: Path):
    """The grading and book commands import their modules when they run; a missing one is a message, not a traceback."""
    notebook = tmp_path / "master.ipynb"
    notebook.write_text("{}")
    result = run_plain(f"""
import sys
from dlcourse.cli import main
sys.exit(main(["check-format", {str(notebook)!r}]))
""", also_missing=("nbformat",))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "needs the module 'nbformat'" in result.stderr and "pip install 'dlcourse[dev]'" in result.stderr
