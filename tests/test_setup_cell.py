"""The notebooks' setup cell (stamped from one template), the version check at import, the run-time record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import dlcourse
from dlcourse.book import nbval_times, setup_cell
from dlcourse.cli import main

URL = "https://example.org/books/dl"


def write_book(root: Path, notebooks: dict[str, list[str]], url: str = URL) -> None:
    """A minimal book: _config.yml with a repository URL and notebooks with the given code cells."""
    (root / "_config.yml").write_text(f"title: t\nrepository:\n  url: {url}\n")
    for name, sources in notebooks.items():
        path = root / "chapters" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                  "source": source} for i, source in enumerate(sources)]
        path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def first_cell(path: Path) -> dict:
    return json.loads(path.read_text())["cells"][0]


def test_render_pins_the_version_and_reads_the_url(tmp_path):
    write_book(tmp_path, {})
    source = setup_cell.render(setup_cell.repository_url(tmp_path), "1.2.3")
    assert source.startswith(setup_cell.FIRST_LINE)
    assert f'git+{URL}@v1.2.3"' in source
    assert 'os.environ["DLCOURSE_BOOK_VERSION"] = "1.2.3"' in source


def test_stamp_inserts_replaces_and_is_idempotent(tmp_path):
    write_book(tmp_path, {"a/new.ipynb": ["print(1)"],
                          "a/old.ipynb": [setup_cell.FIRST_LINE + "\nold body", "print(2)"]})
    source = setup_cell.render(URL)
    new, old = tmp_path / "chapters/a/new.ipynb", tmp_path / "chapters/a/old.ipynb"
    assert setup_cell.stale([new, old], source) == [new, old]
    assert setup_cell.stamp(new, source) and setup_cell.stamp(old, source)
    for path, cells in ((new, 2), (old, 2)):
        nb = json.loads(path.read_text())
        assert len(nb["cells"]) == cells, "inserted before the first cell, or replaced the old setup cell"
        assert "".join(nb["cells"][0]["source"]) == source and nb["cells"][0]["metadata"]["tags"] == setup_cell.TAGS
    assert "".join(json.loads(new.read_text())["cells"][1]["source"]) == "print(1)"
    assert not setup_cell.stamp(new, source), "stamping twice changes nothing"
    assert setup_cell.stale([new, old], source) == []


def test_cli_stamp_setup_and_check(tmp_path, capsys):
    write_book(tmp_path, {"a/x.ipynb": ["print(1)"]})
    assert main(["stamp-setup", str(tmp_path), "--check"]) == 1
    assert "stale setup cell" in capsys.readouterr().out
    assert main(["stamp-setup", str(tmp_path)]) == 0
    assert main(["stamp-setup", str(tmp_path), "--check"]) == 0
    assert f"git+{URL}@v{dlcourse.__version__}" in "".join(first_cell(tmp_path / "chapters/a/x.ipynb")["source"])


def test_bad_book_folders_say_what_to_fix(tmp_path, capsys):
    assert main(["stamp-setup", str(tmp_path)]) == 2
    assert "_config.yml not found" in capsys.readouterr().err
    write_book(tmp_path, {}, url="git@github.com:me/book.git")
    with pytest.raises(ValueError, match="must be the https URL"):
        setup_cell.repository_url(tmp_path)


def test_version_check_warns_with_the_fix():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dlcourse.check_book_version(dlcourse.__version__)
        assert dlcourse.check_book_version("")  # no version asked for: nothing to check
    with pytest.warns(dlcourse.BookVersionWarning) as caught:
        assert not dlcourse.check_book_version("9.9.9")
    message = str(caught[0].message)
    assert f"written for dlcourse 9.9.9, but dlcourse {dlcourse.__version__} is installed" in message
    assert "git checkout v9.9.9" in message and "Restart" in message
    assert f"git+{dlcourse.repository_url()}@v9.9.9" in message


def test_import_checks_the_version_the_notebook_names():
    """A fresh interpreter, as a notebook's kernel: the setup cell's variable is read at `import dlcourse`."""
    def run(version: str) -> str:
        env = {**os.environ, dlcourse.BOOK_VERSION_VAR: version}
        return subprocess.run([sys.executable, "-c", "import dlcourse"], env=env, capture_output=True, text=True,
                              check=True).stderr

    assert "BookVersionWarning" in run("0.0.1")
    assert run(dlcourse.__version__) == ""


def test_run_times_table():
    record = {"date": "2026-01-02", "total_seconds": 12.3,
              "machine": {"cpu": "Some CPU", "cores": 2, "device": "cpu (2 threads)", "python": "3.11", "torch": "2.0"},
              "notebooks": {"chapters/a/x.ipynb": {"seconds": 10.0, "passed": True},
                            "chapters/b/y.ipynb": {"seconds": 2.3, "passed": False}}}
    text = nbval_times.table(record)
    assert "2026-01-02" in text and "Some CPU, 2 cores" in text
    assert "| `a/x.ipynb` | 10 | passed |" in text and "| `b/y.ipynb` | 2 | FAILED |" in text
    assert "| **whole book** | **12** | |" in text


def test_run_times_written_only_after_every_notebook_ran(tmp_path):
    """pytest --nbval on a two-notebook book: running one leaves no record; running both writes it."""
    write_book(tmp_path, {"a/x.ipynb": ["x = 1"], "b/y.ipynb": ["y = 2"]})
    for nb in tmp_path.glob("chapters/*/*.ipynb"):  # nbval needs a kernelspec
        data = json.loads(nb.read_text())
        data["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.write_text(json.dumps(data))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "dlcourse.book.nbval_times", "--nbval", "--nbval-current-env",
               "-p", "no:cacheprovider"]
    subprocess.run(command + ["chapters/a"], cwd=tmp_path, check=True, capture_output=True)
    assert not (tmp_path / nbval_times.RECORD).exists()
    subprocess.run(command + ["chapters"], cwd=tmp_path, check=True, capture_output=True)
    record = json.loads((tmp_path / nbval_times.RECORD).read_text())
    assert set(record["notebooks"]) == {"chapters/a/x.ipynb", "chapters/b/y.ipynb"}
    assert all(row["passed"] and row["seconds"] > 0 for row in record["notebooks"].values())
    assert "| **whole book** |" in (tmp_path / nbval_times.TABLE).read_text()
