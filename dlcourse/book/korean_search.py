"""Korean search for the Korean edition of the site: a word is indexed and looked up without its particles.

Korean attaches particles (조사) to the word they mark: 학습률을, 학습률이, 학습률의 are all the word
학습률. Sphinx has no Korean search language, and splitting at spaces alone would index each form as
a different word, so a search for 학습률 would miss the pages that only use 학습률을. This search
language strips one trailing particle, longest first, from a word of Hangul syllables when at least
two syllables remain; the page text (in Python, at build time) and the reader's query (in
JavaScript, in the browser) go through the same rule, so both meet at the bare word. A word whose
last syllables merely look like a particle (정확도 -> 정확) is cut the same way on both sides, so it is
still found.
"""

from __future__ import annotations

import json

from sphinx.search import SearchLanguage

# Longest first, so that 에서는 is removed whole rather than leaving 에서; alphabetical within a length, so
# that the script written into every Korean site is the same from build to build.
PARTICLES = tuple(sorted({
    "에서부터", "으로부터", "이라는", "이라고", "에게서", "으로서", "으로써", "에서는", "에서도", "에서의", "으로는",
    "으로도", "이란", "까지", "부터", "에서", "에게", "한테", "께서", "으로", "처럼", "보다", "마다", "이나", "이며",
    "이고", "이다", "라는", "라고", "과는", "와는", "과의", "와의", "에는", "에도", "로는", "로도", "은", "는", "이",
    "가", "을", "를", "의", "에", "로", "와", "과", "도", "만",
}, key=lambda particle: (-len(particle), particle)))
MIN_STEM = 2  # syllables that must remain: 층의 stays 층의 rather than becoming a one-syllable stem


def is_hangul(char: str) -> bool:
    """True for a precomposed Hangul syllable (가 .. 힣)."""
    return "\uac00" <= char <= "\ud7a3"


def strip_particle(word: str) -> str:
    """``word`` lower-cased, without one trailing particle when it is Hangul and two syllables remain."""
    word = word.lower()
    if word and is_hangul(word[-1]):
        for particle in PARTICLES:
            if word.endswith(particle) and len(word) - len(particle) >= MIN_STEM:
                return word[: -len(particle)]
    return word


class SearchKorean(SearchLanguage):
    """Sphinx's search language for ``language = "ko"``: whitespace words, particles stripped (``strip_particle``)."""

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = """
var Stemmer = function() {
  const particles = %s;
  const minStem = %d;
  this.stemWord = function(w) {
    w = w.toLowerCase();
    const last = w.charCodeAt(w.length - 1);
    if (w.length && last >= 0xac00 && last <= 0xd7a3) {
      for (const p of particles) {
        if (w.endsWith(p) && w.length - p.length >= minStem) { return w.slice(0, -p.length); }
      }
    }
    return w;
  };
};
""" % (json.dumps(PARTICLES, ensure_ascii=False), MIN_STEM)

    def stem(self, word: str) -> str:
        return strip_particle(word)

    def word_filter(self, word: str) -> bool:
        """Index every word of two or more characters, and every Hangul syllable word (책, 층)."""
        return len(word) >= 2 or (len(word) == 1 and is_hangul(word))
