"""The Korean edition: catalogs current with the English text, one Korean name per concept, particle-aware search.

The browser checks of the Korean pages (fonts, language links, search from the bare term) are in
tests/test_site.py; the build itself in tests/test_book.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dlcourse.book import editions, korean_search
from dlcourse.book.korean_search import strip_particle

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / editions.LOCALES / "ko" / "LC_MESSAGES"
EXCEPTIONS_FILE = Path(__file__).with_name("korean_terms_exceptions.txt")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
NOT_PROSE = re.compile(r"\$\$.*?\$\$|\$[^$]+\$|`[^`]*`|\{[a-z:]+\}|\]\([^)]*\)", re.S)


def catalogs() -> dict[Path, list]:
    return {path: list(read_po(path.open("rb"))) for path in sorted(CATALOGS.rglob("*.po"))}


def glossary_terms() -> dict[str, list[str]]:
    """English term -> its Korean forms, read from the glossary's definition list (the term base)."""
    text = (ROOT / "chapters" / "glossary.md").read_text()
    body = text[text.index(":sorted:") + len(":sorted:") : text.rindex("```")]
    terms: dict[str, list[str]] = {}
    for block in body.strip().split("\n\n"):
        english = None
        for line in block.splitlines():
            if line.startswith(" "):
                break
            if HANGUL.search(line):
                if english:
                    terms.setdefault(english, []).append(line.strip())
            else:
                english = line.strip()
    return {term: forms for term, forms in terms.items() if forms}


def exceptions() -> set[tuple[str, str]]:
    """(English term, a fragment of the msgid) pairs reviewed as fine without the Korean term."""
    pairs = set()
    for line in EXCEPTIONS_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            term, fragment = (part.strip() for part in line.split("|"))
            pairs.add((term, fragment))
    return pairs


@pytest.mark.parametrize(("word", "stem"), [
    ("학습률을", "학습률"), ("학습률이", "학습률"), ("학습률의", "학습률"), ("학습률", "학습률"),
    ("정규화에서는", "정규화"), ("데이터로", "데이터"), ("층의", "층의"), ("배치", "배치"), ("Adam", "adam"),
])
def test_a_particle_is_stripped_when_two_syllables_remain(word: str, stem: str):
    assert strip_particle(word) == stem


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed; the browser test covers the JS")
def test_the_browser_stems_queries_as_the_index_stems_the_pages():
    words = ["학습률을", "학습률", "정규화에서는", "층의", "배치", "Adam", "가중치가", "정확도"]
    script = korean_search.SearchKorean.js_stemmer_code + (
        f"const s = new Stemmer(); console.log(JSON.stringify({words!r}.map(w => s.stemWord(w))));")
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.strip() == str([strip_particle(w) for w in words]).replace("'", '"').replace(", ", ",")


def test_every_page_has_a_korean_catalog_and_the_catalogs_are_current(tmp_path: Path):
    """Every message of the English pages is in its catalog: a new or changed paragraph can't go unnoticed."""
    work = tmp_path / "gettext"
    result = editions.jupyter_book(editions.stage("student", ROOT, work / "source"), work,
                                   "--builder", "custom", "--custom-builder", "gettext")
    assert result.returncode == 0, result.stderr[-3000:]
    stale = []
    for pot in sorted((work / "_build" / "gettext").rglob("*.pot")):
        po = CATALOGS / pot.relative_to(work / "_build" / "gettext").with_suffix(".po")
        if not po.is_file():
            stale.append(f"{po.relative_to(ROOT)} is missing")
            continue
        have = {m.id for m in read_po(po.open("rb")) if m.id}
        missing = [m.id for m in read_po(pot.open("rb")) if m.id and m.id not in have]
        if missing:
            stale.append(f"{po.relative_to(ROOT)}: {len(missing)} new messages, e.g. {missing[0][:80]!r}")
    assert not stale, "run `dlcourse book catalogs` and translate what it adds:\n" + "\n".join(stale)


def test_every_message_is_translated():
    """Coverage is 100%: no message of any page shows in English or in an out-of-date translation."""
    todo = editions.untranslated(ROOT)
    assert not todo, (f"{len(todo)} messages need translating; run `dlcourse book catalogs` and translate them:\n"
                      + "\n".join(map(str, todo[:40])))


def test_an_untranslated_or_changed_message_is_reported(tmp_path: Path):
    catalog = tmp_path / editions.LOCALES / "ko" / "LC_MESSAGES" / "chapters" / "page.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                       'msgid "Done."\nmsgstr "끝."\n\n'
                       'msgid "New paragraph."\nmsgstr ""\n\n'
                       '#, fuzzy\nmsgid "Changed paragraph."\nmsgstr "바뀌기 전의 번역."\n', encoding="utf-8")
    found = editions.untranslated(tmp_path)
    assert [(u.message, u.fuzzy) for u in found] == [("New paragraph.", False), ("Changed paragraph.", True)]
    assert "page.po: untranslated: 'New paragraph.'" in str(found[0])
    assert "changed since translated (fuzzy)" in str(found[1])


def test_translations_keep_math_code_and_roles_intact():
    broken = []
    for path, messages in catalogs().items():
        for m in messages:
            if not m.id or not m.string or m.fuzzy:
                continue
            for pattern in (r"\$[^$]+\$", r"`[^`]+`", r"\]\(([^)]+)\)"):
                if sorted(re.findall(pattern, m.id)) != sorted(re.findall(pattern, m.string)):
                    broken.append(f"{path.name}: {m.id[:60]!r} ({pattern})")
    assert not broken, "translations that changed math, code spans or link targets:\n" + "\n".join(broken[:20])


def test_one_concept_has_one_korean_name():
    """Wherever an English message uses a glossary term, its translation uses that term's Korean form.

    The form is the first Korean term of the glossary entry; the others are spellings of other books.
    An acronym (TPE, AutoML) may also stay as it is written in English.
    """
    terms, allowed = glossary_terms(), exceptions()
    assert len(terms) > 40 and "배치 정규화" in terms["batch normalization"]
    wrong, translated = [], 0
    for path, messages in catalogs().items():
        for m in messages:
            if not m.id or not m.string or m.fuzzy:
                continue
            translated += 1
            prose = NOT_PROSE.sub(" ", m.id)
            for term, forms in terms.items():
                if not re.search(rf"\b{re.escape(term)}(?:s|es)?\b", prose, re.I):
                    continue
                acronym_kept = any(c.isupper() for c in term) and term in m.string  # TPE, AutoML stay as written
                if forms[0] not in m.string and not acronym_kept and not any(
                        t == term and fragment in m.id for t, fragment in allowed):
                    wrong.append(f"{path.relative_to(CATALOGS)}: {term!r} -> {forms[0]!r} not in {m.string[:70]!r}")
    assert translated > 0, "no translated message to check"
    assert not wrong, "use the glossary's Korean term, or add a reviewed exception:\n" + "\n".join(wrong[:30])


def test_every_exception_is_still_needed():
    used = set()
    for messages in catalogs().values():
        used |= {(t, f) for m in messages if m.id and m.string for t, f in exceptions() if f in m.id}
    assert exceptions() <= used, f"remove from {EXCEPTIONS_FILE.name}: {sorted(exceptions() - used)}"


def test_the_korean_pages_describe_their_figures_in_korean(built_editions):
    """A figure's alt text is part of the prose: a Korean reader with a screen reader hears it in Korean."""
    _, html = built_editions["student"]
    figures, english = 0, []
    for page in sorted((html / "ko" / "chapters").rglob("*.html")):
        for alt in re.findall(r'<figure[^>]*>\s*(?:<a[^>]*>)?<img[^>]*\balt="([^"]*)"', page.read_text()):
            figures += 1
            if not HANGUL.search(alt):
                english.append(f"{page.relative_to(html)}: {alt[:70]!r}")
    assert figures >= 30, f"only {figures} figures found: has the HTML of a figure changed?"
    assert not english, "figures described in English on Korean pages:\n" + "\n".join(english)
