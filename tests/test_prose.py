"""The prose says what the code measured: no measured number is typed by hand, and every glued name exists.

Every number a run produced is inserted with MyST-NB's glue (``glue("name", value, display=False)`` in a
code cell, ``{glue:text}`name:.3f``` in the markdown), so the page shows what the stored run computed
and a re-run that changes it cannot leave a stale figure behind. Numbers that are choices or
definitions (a learning rate the text picks, 784 inputs) stay typed, inside math or a code span.

A decimal number or a percentage typed in a markdown cell, outside math, code spans and glue roles,
fails here; the rare legitimate case (a thought experiment, a published figure) goes into
``prose_numerals_allowed.txt`` beside this file, with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("chapters/*/*.ipynb"))
ALLOWED_FILE = Path(__file__).with_name("prose_numerals_allowed.txt")

# What may hold a typed number: math, code (spans and fences), directives, glue roles, link targets,
# HTML tags, and the numbers of exercises and sections ("Exercise 3.2", "exercises 6.1-6.3").
NOT_PROSE = re.compile(
    r"\$\$.*?\$\$|\$[^$\n]+\$"               # display and inline math
    r"|```.*?```|~~~.*?~~~|:::.*?:::"          # fenced code and directives
    r"|\{glue(?::\w+)?\}`[^`]*`|`[^`\n]*`"     # glue roles, code spans
    r"|\]\([^)\s]*\)|<[^>\n]+>"                # link targets, HTML tags
    r"|(?i:exercises?|chapters?|sections?)\s+\d+(?:\.\d+)?(?:\s*[-–]\s*\d+(?:\.\d+)?)?",
    re.S,
)
NUMERAL = re.compile(r"(?<![\w.])(?:\d*\.\d+(?:\s?%)?|\d+\s?%)(?!\w)")
GLUE_ROLE = re.compile(r"\{glue(?::(?:text|any|figure|math|md))?\}`([^`:]+)")
GLUE_DIRECTIVE = re.compile(r"^[`:]{3,}\{glue(?::\w+)?\}\s+(\S+)", re.M)


def allowed() -> set[tuple[str, str]]:
    """(notebook name, number) pairs of the reviewed allow-list; lines are 'notebook.ipynb  number  # why'."""
    pairs = set()
    for line in ALLOWED_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, number = line.split()
            pairs.add((name, number))
    return pairs


def typed_numbers(markdown: str) -> list[str]:
    """The decimal numbers and percentages of ``markdown`` that stand in its prose."""
    return [m.group(0).replace(" ", "") for m in NUMERAL.finditer(NOT_PROSE.sub(" ", markdown))]


def markdown_cells(path: Path) -> list[tuple[int, str]]:
    nb = json.loads(path.read_text())
    return [(i, "".join(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]


def glued_names(path: Path) -> set[str]:
    """The names the stored outputs of ``path`` glue (MyST-NB writes them into the output's metadata)."""
    nb = json.loads(path.read_text())
    return {
        output["metadata"]["scrapbook"]["name"]
        for cell in nb["cells"] if cell["cell_type"] == "code"
        for output in cell["outputs"] if "scrapbook" in output.get("metadata", {})
    }


def test_the_numeral_scanner_finds_typed_numbers_and_spares_the_rest():
    text = ("It reaches 0.863 ($p = 0.5$), or 86%, with `lr=0.1` and {glue:text}`acc:.3f`; "
            "see Exercise 3.2 and exercises 6.1-6.3, [a link](page.ipynb#step-1.5).")
    assert typed_numbers(text) == ["0.863", "86%"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_measured_number_is_typed_in_the_prose(path: Path):
    permitted = allowed()
    typed = [
        f"cell {i}: {number}"
        for i, source in markdown_cells(path)
        for number in typed_numbers(source)
        if (path.name, number) not in permitted
    ]
    assert not typed, (
        f"{path.relative_to(ROOT)} types numbers in its prose; glue measured ones "
        f"(glue('name', value, display=False) and {{glue:text}}`name:.3f`), put chosen ones in math or "
        f"a code span, or add a reviewed line to {ALLOWED_FILE.name}: " + "; ".join(typed)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_glued_name_in_the_prose_is_produced_by_the_notebook(path: Path):
    """A glue role or directive names a value that a code cell of the same page glued (the -W build fails too)."""
    produced = glued_names(path)
    used = {
        name.strip()
        for _, source in markdown_cells(path)
        for name in GLUE_ROLE.findall(source) + GLUE_DIRECTIVE.findall(source)
    }
    assert used <= produced, f"{path.relative_to(ROOT)}: glued in the prose but never produced: {sorted(used - produced)}"


def test_the_allow_list_names_only_numbers_that_are_still_typed():
    """A stale allow-list line would silently permit a number that later comes back typed."""
    present = {
        (path.name, number)
        for path in NOTEBOOKS
        for _, source in markdown_cells(path)
        for number in typed_numbers(source)
    }
    stale = allowed() - present
    assert not stale, f"remove from {ALLOWED_FILE.name}: {sorted(stale)}"
