"""A Sphinx extension for the book's site, listed in _config.yml: two mends to the theme stack.

A browser test (``tests/test_site.py``) opens every page and fails on any console error; these are
the two that Jupyter Book 1.x's own stack produced on every page:

- sphinx-thebe adds its inline configuration script twice (``const THEBE_JS_URL`` declared twice
  is a SyntaxError). We keep the first copy of every identical script.
- pydata-sphinx-theme logs "Got invalid theme mode" on a first visit, when the mode saved in the
  browser is still empty. Giving the theme a default mode (light: the figures have white
  backgrounds) removes the empty value; readers can still switch to dark.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


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


def setup(app: Sphinx) -> dict[str, Any]:
    app.config.html_context = {"default_mode": "light", **app.config.html_context}
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)  # after every script is added
    return {"parallel_read_safe": True, "parallel_write_safe": True}
