"""The two editions of the site, built from the same sources.

- The **student** edition (``make book``, into ``_build/html``) shows every notebook as
  ``dlcourse release`` makes it: solution cells hold the released stub, hidden checks are gone, and the
  solution and check cells of exercises show no output; every other cell keeps its stored output. Its
  launch buttons (Colab, Binder) open the ``student`` branch of the repository, which holds the same
  student copies (``dlcourse book student-tree`` writes that tree; the teacher page says how to publish it).
- The **teacher** edition (``make book-teacher``, into ``_build/teacher/html``) shows the masters, each
  solution and hidden check folded behind a toggle that says what it hides, under a banner asking that it
  be published only where students cannot reach it.

Each edition is built in English and in Korean (``LANGUAGES``): the Korean site goes into ``ko/``
under the English one. Both come from the same notebooks; the Korean build translates the prose
through the message catalogs in ``chapters/locales/ko/LC_MESSAGES/`` (Sphinx's gettext
internationalization), and shares the code and its outputs. ``dlcourse book catalogs`` extracts the
English messages and updates the catalogs, so a changed paragraph shows up as a translation to update.

Each edition and language is staged as a source tree of its own under
``_build/editions/<edition>-<language>/source`` (the configuration, the table of contents and
``chapters/`` with the notebooks rewritten), then built by Jupyter Book with ``-W -n --keep-going``, so a
warning fails the build.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from dlcourse.grading.exercises import HIDDEN, SOLUTION, marker, read_notebook
from dlcourse.grading.release import release_notebook

EDITIONS = ("student", "teacher")
LANGUAGES = ("en", "ko")  # the first is the site's root; the others go into a folder of their own
TITLES = {"ko": "dlcourse: 차근차근 배우는 딥러닝"}
STUDENT_BRANCH = "student"  # where the student copies live, for the Colab and Binder buttons
TEACHER_BANNER = {
    "en": "Teacher edition: it shows every solution and hidden check. Publish it only where students cannot reach it.",
    "ko": "교사용 판: 모든 풀이와 숨은 검사가 들어 있습니다. 학생이 볼 수 없는 곳에만 올리세요.",
}
TEACHER_TITLE = {"en": "teacher edition", "ko": "교사용"}
LOCALES = "chapters/locales"
TREE_FILES = ("_config.yml", "_toc.yml")


def html_folder(edition: str, book_root: Path) -> Path:
    """Where ``make book`` (student) and ``make book-teacher`` (teacher) put the site."""
    return Path(book_root) / ("_build/html" if edition == "student" else "_build/teacher/html")


TOGGLES = {  # language -> role -> (the label that unfolds, the label that folds); {id} is the exercise
    "en": {SOLUTION: ("Show the solution of exercise {id}", "Hide the solution"),
           HIDDEN: ("Show the hidden check of exercise {id}", "Hide the hidden check")},
    "ko": {SOLUTION: ("연습 문제 {id}의 풀이 보기", "풀이 접기"),
           HIDDEN: ("연습 문제 {id}의 숨은 검사 보기", "숨은 검사 접기")},
}


def teacher_notebook(nb: nbformat.NotebookNode, language: str = "en") -> nbformat.NotebookNode:
    """The master with each solution folded (its code hidden) and each hidden check folded (code and output)."""
    for cell in nb.cells:
        meta = marker(cell) or {}
        role = meta.get("role")
        if role not in (SOLUTION, HIDDEN):
            continue
        tags = cell.metadata.setdefault("tags", [])
        tags.append("hide-input" if role == SOLUTION else "hide-cell")
        show, hide = TOGGLES[language][role]
        cell.metadata["mystnb"] = {"code_prompt_show": show.format(id=meta["exercise"]), "code_prompt_hide": hide}
    return nb


def edition_config(edition: str, config: dict, language: str = "en") -> dict:
    """``_config.yml`` of an edition in a language.

    The student edition points the launch buttons at the student branch; the teacher edition says
    what it is in its title and a banner; the Korean one sets Sphinx's ``language``. Every edition
    turns on the link to the same page in the other language (``dlcourse.book.sphinx_ext``).
    """
    config = dict(config)
    title = TITLES.get(language, config.get("title", ""))
    if edition == "student":
        config["repository"] = {**config.get("repository", {}), "branch": STUDENT_BRANCH}
    else:
        title = f"{title} ({TEACHER_TITLE[language]})"
        config["html"] = {**config.get("html", {}), "announcement": TEACHER_BANNER[language]}
    config["title"] = title
    sphinx = dict(config.get("sphinx", {}))
    sphinx["config"] = {**sphinx.get("config", {}), "language": language, "dlcourse_translated": True}
    config["sphinx"] = sphinx
    return config


def stage(edition: str, book_root: Path, dest: Path, language: str = "en") -> Path:
    """Write the source tree of ``edition`` in ``language`` into ``dest`` (emptied first); returns ``dest``."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; choose one of {', '.join(EDITIONS)}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    book_root, dest = Path(book_root).resolve(), Path(dest).resolve()
    if dest == book_root or book_root in dest.parents and dest.parts[len(book_root.parts)] != "_build":
        raise ValueError(f"refusing to stage into {dest}: choose a folder under _build/ or outside the book")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(book_root / "chapters", dest / "chapters",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__", "*.mo"))
    for name in TREE_FILES[1:]:
        shutil.copy2(book_root / name, dest / name)
    config = yaml.safe_load((book_root / "_config.yml").read_text())
    (dest / "_config.yml").write_text(yaml.safe_dump(edition_config(edition, config, language), sort_keys=False,
                                                      allow_unicode=True))
    for master in sorted(book_root.glob("chapters/*/*.ipynb")):
        nb = read_notebook(master)
        copy = release_notebook(nb, str(master), keep_outputs=True) if edition == "student" else teacher_notebook(nb, language)
        nbformat.write(copy, str(dest / master.relative_to(book_root)))
        if language != LANGUAGES[0]:
            catalog = dest / LOCALES / language / "LC_MESSAGES" / master.relative_to(book_root).with_suffix(".po")
            if catalog.is_file():
                fill_glued_values(catalog, glued_values(nb))
    return dest


GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")


def glued_values(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Glue name -> the text/plain value a code cell of ``nb`` glued (MyST-NB's scrapbook outputs)."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            scrap = output.get("metadata", {}).get("scrapbook")
            if scrap:
                data = output.get("data", {})
                values[scrap["name"]] = data.get(scrap.get("mime_prefix", "") + "text/plain", "")
    return values


def fill_glued_values(catalog: Path, values: dict[str, str]) -> None:
    """Write the glued values into the translations of a staged catalog, formatted as their roles ask.

    Sphinx parses a translated message on its own, where MyST-NB has no glue data, so a glue role
    left in a translation could not be resolved. The catalog in the repository keeps the roles; the
    staged copy gets the numbers of the notebook's stored run, formatted as ``{glue:text}`name:.3f``` would.
    """
    from babel.messages.pofile import read_po, write_po

    def value(match: re.Match) -> str:
        text = values.get(match[1])
        if text is None:
            return match[0]  # an unknown name stays a role, and the build warns about it as in English
        return format(ast.literal_eval(text), match[2]) if match[2] else text

    with catalog.open("rb") as file:
        messages = read_po(file)
    for message in messages:
        if message.id and isinstance(message.string, str) and "{glue" in message.string:
            message.string = GLUE_ROLE.sub(value, message.string)
    with catalog.open("wb") as file:
        write_po(file, messages, width=100)


def jupyter_book(source: Path, output: Path, *options: str) -> subprocess.CompletedProcess:
    """Run ``jupyter-book build SOURCE -W -n --keep-going`` with ``options``; the result lands in ``output/_build``."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(source), "-W", "-n", "--keep-going",
               "--path-output", str(output), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False, cwd=source)


def build(edition: str, book_root: Path, html: Path | None = None) -> subprocess.CompletedProcess:
    """Stage ``edition`` in every language and build each; the site goes to ``html``, Korean to ``html/ko``.

    The old site is replaced only when every language built. Returns the first failed Jupyter Book
    process, or the last one (its return code and output).
    """
    book_root = Path(book_root).resolve()
    html = Path(html).resolve() if html else html_folder(edition, book_root)
    work = {language: book_root / "_build" / "editions" / f"{edition}-{language}" for language in LANGUAGES}
    source = {language: stage(edition, book_root, work[language] / "source", language) for language in LANGUAGES}
    # The languages build side by side: Sphinx parses every translated message on its own, so the Korean
    # build takes about twice as long as the English one, and one after the other would take three times.
    with ThreadPoolExecutor(max_workers=len(LANGUAGES)) as pool:
        results = list(pool.map(lambda language: jupyter_book(source[language], work[language]), LANGUAGES))
    for result in results:
        if result.returncode != 0:
            return result
    built = {language: work[language] / "_build" / "html" for language in LANGUAGES}
    if html.exists():
        shutil.rmtree(html)
    html.parent.mkdir(parents=True, exist_ok=True)
    os.replace(built[LANGUAGES[0]], html)
    for language in LANGUAGES[1:]:
        os.replace(built[language], html / language)
    return result


def update_catalogs(book_root: Path) -> list[Path]:
    """Extract the English messages of every page and merge them into the Korean catalogs; returns the .po files.

    New paragraphs appear untranslated, changed ones are marked fuzzy with the old translation kept
    as a starting point, and the Korean build shows English wherever a message is untranslated.
    """
    from sphinx_intl.basic import update

    book_root = Path(book_root).resolve()
    work = book_root / "_build" / "editions" / "gettext"
    source = stage("student", book_root, work / "source")
    result = jupyter_book(source, work, "--builder", "custom", "--custom-builder", "gettext")
    if result.returncode != 0:
        raise RuntimeError(f"extracting the messages failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    locales = book_root / LOCALES
    update(str(locales), str(work / "_build" / "gettext"), languages=["ko"], line_width=100, ignore_obsolete=True)
    return sorted((locales / "ko" / "LC_MESSAGES").rglob("*.po"))


@dataclass(frozen=True)
class Untranslated:
    """A message of a Korean catalog that the Korean edition would show in English or out of date."""

    catalog: Path
    message: str
    fuzzy: bool  # translated once, but its English has changed since

    def __str__(self) -> str:
        state = "changed since translated (fuzzy)" if self.fuzzy else "untranslated"
        text = " ".join(self.message.split())
        return f"{self.catalog}: {state}: {text[:90]!r}"


def untranslated(book_root: Path) -> list[Untranslated]:
    """Every message of the Korean catalogs that has no translation or a fuzzy one, in page and message order."""
    from babel.messages.pofile import read_po

    book_root = Path(book_root).resolve()
    found = []
    for po in sorted((book_root / LOCALES / "ko" / "LC_MESSAGES").rglob("*.po")):
        with po.open("rb") as file:
            for message in read_po(file):
                if message.id and (message.fuzzy or not message.string):
                    found.append(Untranslated(po.relative_to(book_root), message.id, message.fuzzy))
    return found
