"""The first cell of every notebook: install the book's package on Colab, name the book's version.

Every notebook starts with the same cell, written from ``TEMPLATE`` by ``dlcourse stamp-setup``
(never edited by hand). It pins the package to the book's version, installed from the repository
URL in ``_config.yml`` (the one place the URL is written), and sets ``$DLCOURSE_BOOK_VERSION``
so that ``import dlcourse`` can warn when the installed package is another version.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from dlcourse import BOOK_VERSION_VAR, __version__

FIRST_LINE = "# Setup: on Google Colab this installs the book's package; anywhere else it does nothing."
TEMPLATE = f'''{FIRST_LINE}
# Written by `dlcourse stamp-setup` from _config.yml; edit dlcourse/book/setup_cell.py, not this cell.
import os
import sys

os.environ["{BOOK_VERSION_VAR}"] = "{{version}}"  # `import dlcourse` checks it has this version
if "google.colab" in sys.modules:
    %pip install --quiet "dlcourse @ git+{{repository}}@v{{version}}"'''
TAGS = ["colab-setup", "remove-cell"]  # remove-cell: the site shows the launch buttons instead


def repository_url(book_root: Path) -> str:
    """The ``repository: url:`` of the book's ``_config.yml``."""
    import yaml  # a dependency of jupyter-book; only the book's tools need it

    config_path = Path(book_root) / "_config.yml"
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path} not found: pass the folder that holds the book's _config.yml.")
    url = (yaml.safe_load(config_path.read_text()) or {}).get("repository", {}).get("url", "")
    if not re.fullmatch(r"https://\S+", url or ""):
        raise ValueError(f"{config_path}: 'repository: url:' must be the https URL of the book's repository, got {url!r}.")
    return url.rstrip("/")


def render(repository: str, version: str = __version__) -> str:
    """The setup cell's source for this repository URL and package version."""
    return TEMPLATE.format(repository=repository, version=version)


def cell(source: str) -> dict:
    """A fresh, unexecuted code cell holding ``source``, with the setup cell's tags."""
    return {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8], "metadata": {"tags": TAGS},
            "outputs": [], "source": source.splitlines(keepends=True)}


def is_current(first: dict, source: str) -> bool:
    """Whether a notebook's first cell is the setup cell with this source and the setup cell's tags."""
    return (first["cell_type"] == "code" and "".join(first["source"]) == source
            and first["metadata"].get("tags") == TAGS)


def stamp(notebook: Path, source: str) -> bool:
    """Make ``source`` the notebook's first cell (replacing an earlier setup cell); True if it changed.

    A first cell that starts with ``FIRST_LINE`` is an earlier setup cell and is replaced; otherwise
    the setup cell is inserted before it. The notebook must be re-executed afterwards.
    """
    nb = json.loads(Path(notebook).read_text())
    cells = nb["cells"]
    first = cells[0] if cells else None
    if first is not None and is_current(first, source):
        return False
    if first is not None and first["cell_type"] == "code" and "".join(first["source"]).startswith(FIRST_LINE):
        first["source"] = cell(source)["source"]
        first["metadata"]["tags"] = TAGS
    else:
        cells.insert(0, cell(source))
    Path(notebook).write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return True


def stale(notebooks: list[Path], source: str) -> list[Path]:
    """The notebooks whose first cell is not the current setup cell."""
    return [p for p in notebooks if not (cells := json.loads(Path(p).read_text())["cells"])
            or not is_current(cells[0], source)]
