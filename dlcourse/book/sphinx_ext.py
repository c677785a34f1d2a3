"""A Sphinx extension for the book's site, listed in _config.yml: mends to the theme stack, and the editions' languages.

A browser test (``tests/test_site.py``) opens every page and fails on any console error; these are
the two that Jupyter Book 1.x's own stack produced on every page:

- sphinx-thebe adds its inline configuration script twice (``const THEBE_JS_URL`` declared twice
  is a SyntaxError). We keep the first copy of every identical script.
- pydata-sphinx-theme logs "Got invalid theme mode" on a first visit, when the mode saved in the
  browser is still empty. Giving the theme a default mode (light: the figures have white
  backgrounds) removes the empty value; readers can still switch to dark.

The English and Korean editions (``dlcourse.book.editions``) set ``dlcourse_translated: true``; every
page then links to the same page in the other language (the Korean site sits in ``ko/`` under the
English one), the Korean pages get a Hangul font stack, Korean search (``dlcourse.book.korean_search``)
and, on the front page, a note that code and outputs are shared with the English edition.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from docutils import frontend, nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

from dlcourse.book.korean_search import SearchKorean

OTHER_LANGUAGE = {  # this build's language -> (the other language, its name in itself, the other site's root)
    "en": ("ko", "한국어", "ko/"),
    "ko": ("en", "English", "../"),
}
KOREAN_NOTE = ("이 한국어판은 본문을 옮겼습니다. 코드와 코드의 주석, 실행 결과는 영어판과 같은 것을 그대로 씁니다. "
               "채점기와 nbval이 한 벌의 출력만 비교하도록 하기 위해서입니다.")


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Remove the second and later copies of identical <script> entries from the page."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # The same inline script is added once with filename None and once with "": same script.
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


MEASURED = "dlcourse-measured"  # the class of a container whose text is a table of measurements


class KeepMeasurementsUntranslated(SphinxTransform):
    """Mark the text inside a ``{container} dlcourse-measured`` as not to be translated.

    The front page's table of run times is rewritten by every full nbval run; translating it would
    leave the Korean catalog stale after each run. Runs before Sphinx's ``Locale`` transform
    (priority 20), so the marked text is neither translated nor extracted into the catalogs.
    """

    default_priority = 15

    def apply(self, **kwargs: Any) -> None:
        for container in self.document.findall(nodes.container):
            if MEASURED in container["classes"]:
                for node in container.findall(nodes.Element):
                    node["translatable"] = False


class TranslateTocCaptions(SphinxTransform):
    """Translate the captions of the table of contents, which sphinx-external-toc inserts after ``Locale`` ran.

    The captions are extracted into the root page's catalog like its other messages; this looks
    them up there (priority 101: right after sphinx-external-toc's ``InsertToctrees``, priority 100).
    """

    default_priority = 101

    def apply(self, **kwargs: Any) -> None:
        language = self.config.language or "en"
        if language == "en" or not self.config.locale_dirs:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir, directory)) for directory in self.config.locale_dirs]
        catalog, found = init_locale(dirs, language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def link_other_language(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Put a link to the same page in the other language at the top of the page (and in its <head>)."""
    language = app.config.language or "en"
    if not app.config.dlcourse_translated or language not in OTHER_LANGUAGE:
        return
    other, name, root = OTHER_LANGUAGE[language]
    href = "../" * pagename.count("/") + root + pagename + ".html"
    context["metatags"] = context.get("metatags", "") + f'\n<link rel="alternate" hreflang="{other}" href="{href}" />'
    link = f'<p class="dlcourse-other-language"><a href="{href}" hreflang="{other}" lang="{other}">{name}</a></p>'
    note = f'<div class="admonition note"><p>{KOREAN_NOTE}</p></div>' if (
        language == "ko" and pagename == app.config.root_doc) else ""
    if "body" in context:
        context["body"] = link + note + context["body"]


def add_language_assets(app: Sphinx) -> None:
    """The Korean pages' stylesheet (fonts, line breaking), served from the site itself."""
    if app.config.dlcourse_translated and (app.config.language or "en") == "ko":
        app.config.html_static_path.append(str(Path(__file__).with_name("static")))
        app.add_css_file("dlcourse-ko.css")


def reuse_docutils_default_settings() -> None:
    """Build docutils' default settings once per set of components, and hand out copies.

    A translated page is parsed message by message: Sphinx's i18n transform parses each of the
    catalog's ~2,200 translations as a document of its own, and MyST makes a fresh throwaway document,
    with docutils' default settings built anew from every component's option specs, for each parse.
    That rebuilding was a fifth of the Korean build (9.5 s to 7.6 s here, same HTML). The settings
    object is flat, so a shallow copy gives each document its own.
    """
    if getattr(frontend.get_default_settings, "reused", False):
        return
    build = functools.lru_cache(maxsize=None)(frontend.get_default_settings)

    def get_default_settings(*components: Any) -> Any:
        return copy.copy(build(*components))

    get_default_settings.reused = True  # type: ignore[attr-defined]
    frontend.get_default_settings = get_default_settings


def setup(app: Sphinx) -> dict[str, Any]:
    app.config.html_context = {"default_mode": "light", **app.config.html_context}
    app.add_config_value("dlcourse_translated", False, "html")
    reuse_docutils_default_settings()
    app.add_search_language(SearchKorean)
    app.add_transform(KeepMeasurementsUntranslated)
    app.add_transform(TranslateTocCaptions)
    app.connect("builder-inited", add_language_assets)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)  # after every script is added
    app.connect("html-page-context", link_other_language)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
