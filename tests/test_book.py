"""The book as a whole: it builds without warnings, and every notebook follows the book's conventions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dlcourse.book import setup_cell

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10; pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("chapters/*/*.ipynb"))


def toc_files() -> set[str]:
    return set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text()))


@pytest.mark.parametrize("edition", ["student", "teacher"])
def test_book_builds_without_warnings(built_editions, edition: str):
    """Each edition builds with `-W -n --keep-going` (into a fresh folder, so no earlier build hides a warning)."""
    result, html = built_editions[edition]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for page in toc_files():
        assert (html / f"{page}.html").is_file(), f"{page} was not built"
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file(), "MathJax is not served from the site"


def local_targets(page: Path, html: Path) -> list[tuple[str, Path, str]]:
    """(reference, file, fragment) for every href/src of ``page`` that points inside the site."""
    found = []
    for ref in re.findall(r'(?:href|src)="([^"]*)"', page.read_text()):
        if not ref or re.match(r"^[a-z][a-z0-9+.-]*:", ref) or ref.startswith("//"):
            continue  # external (https:, mailto:, data:, javascript:) or protocol-relative
        path, _, fragment = ref.partition("#")
        path = path.split("?", 1)[0]
        target = (page.parent / path).resolve() if path else page
        found.append((ref, target, fragment))
    return found


@pytest.mark.parametrize("edition", ["student", "teacher"])
def test_every_internal_link_resolves(built_editions, edition: str):
    """Every link and image inside each edition points to a file that exists, and to an anchor on it."""
    _, html = built_editions[edition]
    ids: dict[Path, set[str]] = {}
    broken = []
    pages = [p for p in sorted(html.rglob("*.html")) if "_static" not in p.relative_to(html).parts]  # not theme templates
    assert len(pages) > len(NOTEBOOKS)
    for page in pages:
        for ref, target, fragment in local_targets(page, html):
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(html)}: {ref} (no such file)")
            elif fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'\bid="([^"]+)"', target.read_text()))
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(html)}: {ref} (no id {fragment!r})")
    assert not broken, "broken links:\n" + "\n".join(broken[:40])


def test_every_notebook_is_in_the_table_of_contents():
    listed = toc_files()
    for notebook in NOTEBOOKS:
        assert str(notebook.relative_to(ROOT).with_suffix("")) in listed, f"{notebook} is missing from _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_conventions(path: Path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-execute the notebook top to bottom on a clean kernel"
    text = json.dumps(nb)
    for machine_path in ("/work/", "/tmp/", "/root/", "/home/"):
        assert machine_path not in text, f"a machine path ({machine_path}) is stored in the notebook"
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", "a stored output is an error"
    # A cell whose output depends on the hardware is followed by a cell that asserts what matters.
    for i, cell in enumerate(code):
        if "nbval-ignore-output" in cell["metadata"].get("tags", []) and i + 1 < len(code):
            following = code[i + 1 : i + 3]
            assert any("assert" in "".join(c["source"]) for c in following), (
                f"cell {i + 1} ignores its output but no assertion follows it"
            )


def test_every_notebook_starts_with_the_stamped_setup_cell():
    """The first cell of every notebook is the template rendered with _config.yml's URL and the package version."""
    source = setup_cell.render(setup_cell.repository_url(ROOT))
    stale = setup_cell.stale(NOTEBOOKS, source)
    assert not stale, f"run `dlcourse stamp-setup` and re-execute: {[str(p.relative_to(ROOT)) for p in stale]}"
    assert f"git+{yaml.safe_load((ROOT / '_config.yml').read_text())['repository']['url']}@v" in source


def test_package_metadata_names_the_books_repository():
    """pyproject's Repository URL (named by the version warning) is _config.yml's repository URL."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["urls"]["Repository"] == setup_cell.repository_url(ROOT)


CONDA_NAMES = {"torch": "pytorch", "graphviz": "python-graphviz"}  # PyPI name -> conda-forge name, where they differ


def requirement(text: str) -> tuple[str, str]:
    """('name', 'specifier') of a requirement such as 'jupyter-book>=1,<2', names normalized as pip does."""
    match = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*(.*?)\s*", text)
    assert match, f"cannot read the requirement {text!r}"
    return re.sub(r"[-_.]+", "-", match[1]).lower(), match[2].replace(" ", "")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {requirement(r) for r in pyproject["dependencies"] + pyproject["optional-dependencies"]["dev"]}
    wanted = {(CONDA_NAMES.get(name, name), spec) for name, spec in wanted}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    listed = set()
    for entry in environment:
        for text in entry["pip"] if isinstance(entry, dict) else [entry]:
            if text not in ("-e .", "pip") and not re.fullmatch(r"python[<>=!~].*", text):
                listed.add(requirement(text))
    assert listed == wanted, f"only in pyproject: {sorted(wanted - listed)}; only in environment.yml: {sorted(listed - wanted)}"
    python = [e for e in environment if re.fullmatch(r"python[<>=!~].*", str(e))]
    assert python == [f"python{pyproject['requires-python']}"]


def test_every_chapter_has_three_exercises_of_two_kinds():
    """CONTENT.md: at least three exercises per chapter, of at least two kinds, each solution naming its kind."""
    chapters: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell["metadata"].get("dlcourse", {})
            if meta.get("role") == "solution":
                assert meta.get("kind") in ("code", "predict", "concept"), (
                    f"{path.relative_to(ROOT)}: exercise {meta.get('exercise')} names no kind (code, predict, concept)")
                chapters.setdefault(path.parent.name, []).append(meta["kind"])
    assert set(chapters) == {p.parent.name for p in NOTEBOOKS}, "a chapter without exercises"
    for chapter, kinds in chapters.items():
        assert len(kinds) >= 3 and len(set(kinds)) >= 2, f"{chapter}: exercises of kinds {kinds}"


def test_exercises_are_numbered_in_reading_order():
    """Within a chapter, exercise N.k follows N.(k-1) in the order of the table of contents."""
    order = re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text())
    numbers: dict[str, list[tuple[int, int]]] = {}
    for page in order:
        path = ROOT / f"{page}.ipynb"
        if not path.is_file():
            continue
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell["metadata"].get("dlcourse", {})
            if meta.get("role") == "solution":
                major, minor = (int(x) for x in meta["exercise"].split("."))
                numbers.setdefault(path.parent.name, []).append((major, minor))
    for chapter, ids in numbers.items():
        assert ids == [(ids[0][0], k) for k in range(1, len(ids) + 1)], f"{chapter}: exercises in the order {ids}"
