"""The built site in a real browser: every page of both editions, in English and Korean, renders offline.

The site is served on localhost and opened in headless Chromium (driven by Playwright, using the
system's Chromium: Debian's ``chromium`` package, which ``.ci/run`` installs). Every request that
leaves localhost is refused, so a page that needs the network (a CDN's MathJax, a remote image)
fails here. Screenshots of every page are saved to ``_build/screenshots`` for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian/Ubuntu: apt install chromium); the browser check needs it"
)

# Wait until MathJax has typeset the page (pages without math load no MathJax), then report what rendered.
INSPECT = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  const images = [...document.querySelectorAll('article img')];
  await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
  const text = document.querySelector('article').cloneNode(true);
  text.querySelectorAll('pre, code, mjx-container, script').forEach(e => e.remove());
  return {
    title: document.title,
    h1: (document.querySelector('article h1') || {}).textContent || '',
    mathSource: document.querySelectorAll('article .math').length,
    mathRendered: document.querySelectorAll('article mjx-container').length,
    mathErrors: document.querySelectorAll('article mjx-merror').length,
    rawDollars: (text.textContent.match(/\\$\\$/g) || []).length,
    images: images.length,
    brokenImages: images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src),
  };
}"""


def book_pages() -> list[str]:
    """The page of every file in the table of contents, as paths under the site root."""
    toc = (ROOT / "_toc.yml").read_text()
    return [f"{page}.html" for page in re.findall(r"(?:root|file):\s*(\S+)", toc)]


@pytest.fixture(scope="module")
def site(built_editions):
    """Both editions served over HTTP on a free localhost port, at /student/ and /teacher/; yields the base URL."""
    for result, _ in built_editions.values():
        assert result.returncode == 0, "the book did not build; see test_book_builds_without_warnings"
    parent = built_editions["student"][1].parent
    assert parent == built_editions["teacher"][1].parent
    handler = functools.partial(QuietHandler, directory=str(parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # the base class's signature; serve silently
        pass


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the dev extra: pip install -e '.[dev]'")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


SITES = ["student", "teacher", "student/ko", "teacher/ko"]


@pytest.mark.parametrize("edition", SITES)
@pytest.mark.parametrize("page_path", book_pages())
def test_page_renders_offline(site: str, browser, edition: str, page_path: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}") if r.url.startswith(site) else None)
    site_root = f"{site}{edition}/"
    outside: list[str] = []

    def only_localhost(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_localhost)
    try:
        response = page.goto(site_root + page_path, wait_until="load")
        assert response is not None and response.ok, f"{page_path}: HTTP {response and response.status}"
        seen = page.evaluate(INSPECT)
        language = page.evaluate("document.documentElement.lang")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        other = page.locator("p.dlcourse-other-language a")
        other_href = other.get_attribute("href") if other.count() == 1 else None
        shot = edition.replace("/", "_") + "__" + page_path.replace("/", "__").removesuffix(".html") + ".png"
        page.screenshot(path=str(SCREENSHOTS / shot), full_page=False)
    finally:
        page.close()

    assert seen["h1"].strip(), f"{page_path}: no title (h1)"
    assert seen["h1"].strip().rstrip("#").strip() in seen["title"], f"{page_path}: <title> {seen['title']!r} lacks the h1"
    if seen["mathSource"]:
        assert seen["mathRendered"] >= seen["mathSource"], f"{page_path}: {seen['mathSource']} formulas, {seen['mathRendered']} rendered"
    assert seen["mathErrors"] == 0, f"{page_path}: {seen['mathErrors']} formulas MathJax could not typeset"
    assert seen["rawDollars"] == 0, f"{page_path}: '$$' left in the text (math that was not parsed)"
    assert not seen["brokenImages"], f"{page_path}: images that did not load: {seen['brokenImages']}"
    assert not outside, f"{page_path}: the page asked for the network: {outside}"
    assert not problems, f"{page_path}: " + "; ".join(problems)
    korean = edition.endswith("/ko")
    assert language == ("ko" if korean else "en"), f"{page_path}: <html lang={language!r}>"
    if korean:
        assert "Malgun Gothic" in font and "Apple SD Gothic Neo" in font, f"{page_path}: font stack {font!r}"
    expected = ("../" * page_path.count("/")) + ("../" if korean else "ko/") + page_path
    assert other_href == expected, f"{page_path}: link to the other language {other_href!r}, expected {expected!r}"



def test_a_teacher_opens_a_folded_solution_and_a_student_sees_the_stub(site: str, browser):
    """In the teacher edition the solution is hidden until its toggle is clicked; the student edition shows the stub."""
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site) else route.abort())
    try:
        page.goto(f"{site}teacher/chapters/03_optimizers/optimizers.html", wait_until="load")
        toggle = page.locator("summary", has_text="Show the solution of exercise 3.1")
        solution = page.locator("details", has=toggle).locator(".cell_input")
        assert toggle.count() == 1 and not solution.is_visible(), "the solution must start folded"
        toggle.click()
        assert solution.is_visible() and "# BEGIN SOLUTION" in solution.inner_text()
        page.goto(f"{site}student/chapters/03_optimizers/optimizers.html", wait_until="load")
        text = page.locator("article").inner_text()
        assert 'NotImplementedError("Exercise 3.1' in text and "Show the solution" not in text
    finally:
        page.close()


RESULTS = """async (query) => {
  const done = () => document.querySelector('#search-results .search-summary, #search-results p');
  for (let i = 0; i < 200 && !(done() && done().textContent.match(/found|찾|\\d/i)); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  return [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'));
}"""


def korean_pages_with(html: Path, pattern: str) -> set[str]:
    """The Korean pages (paths under ko/) whose article text matches ``pattern``."""
    found = set()
    for page in (html / "ko" / "chapters").rglob("*.html"):
        article = re.search(r"<article.*?</article>", page.read_text(), re.S)
        text = re.sub(r"<[^>]+>", " ", article.group(0)) if article else ""
        if re.search(pattern, text):
            found.add(str(page.relative_to(html / "ko")))
    return found


@pytest.mark.parametrize(("query", "must_find"), [
    ("학습률", r"학습률(?:을|이|의|은|는|에|로|과|와|도)"),
    ("배치 정규화", r"배치 정규화"),
])
def test_korean_search_finds_pages_from_the_bare_term(site: str, browser, built_editions, query: str, must_find: str):
    """Searching the bare term lists the pages that only use it with a particle attached (학습률을, 학습률이)."""
    html = built_editions["student"][1]
    expected = korean_pages_with(html, must_find)
    assert expected, f"no Korean page uses {must_find!r}: the catalogs lack the translations this test needs"
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site) else route.abort())
    try:
        page.goto(f"{site}student/ko/search.html?q={query}", wait_until="load")
        hrefs = page.evaluate(RESULTS, query)
    finally:
        page.close()
    found = {href.split("?")[0].split("#")[0] for href in hrefs}
    missing = expected - found
    assert not missing, f"searching {query!r} missed {sorted(missing)} (found {sorted(found)})"
