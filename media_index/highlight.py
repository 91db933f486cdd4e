"""HTML snippets with the query's words wrapped in <mark>.

The text is analyzed with the field's own analyzer, so a word is marked when
it produced one of the query's index terms ("déchets" for a search on
"dechet"). Everything except the <mark> tags added here is HTML-escaped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from html import escape

from whoosh.support.charset import accent_map

from .analysis import STEMMED_LANGUAGES, WORD_PATTERN, analyze

ELLIPSIS = "\u2026"
CONTEXT_CHARS = 40
_WORD = re.compile(WORD_PATTERN)
PREFIX_CHARS = 3
_ACCENTED: dict[str, str] = {}  # "e" -> "éèêë..." (lowercase letters only)
for _code, _plain in accent_map.items():
    if len(_plain) == 1 and chr(_code).islower():
        _ACCENTED[_plain] = _ACCENTED.get(_plain, "") + chr(_code)
_WORD_CACHE_SIZE = 200_000
_WORD_TERMS: dict[tuple[str, str], frozenset[str]] = {}


def mark_spans(text: str, analyzer, terms, lang: str | None = None) -> list[tuple[int, int]]:
    """Character spans of ``text`` whose tokens are in ``terms``, merged.

    For the stemmed languages each word is analyzed once and remembered,
    which makes highlighting a page of moments cheap.
    """
    if not terms:
        return []
    if lang in STEMMED_LANGUAGES:
        spans = _stemmed_spans(text, analyzer, frozenset(terms), lang)
    else:
        spans = sorted({(t.startchar, t.endchar) for t in analyzer(text, chars=True)
                        if t.text in terms})
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _stemmed_spans(text: str, analyzer, terms: frozenset[str], lang: str):
    """The sorted spans of the words that become a term. Only words starting like a query
    term (stems keep the first letters of their words) are analyzed; a word two prefixes find
    is looked at once."""
    words = {m.span(): m.group() for pattern in _candidates(terms)
             for m in pattern.finditer(text) if _starts_word(text, m.start())}
    return sorted(span for span, word in words.items()
                  if not _word_terms(lang, analyzer, word).isdisjoint(terms))


@lru_cache(maxsize=256)
def _candidates(terms: frozenset[str]) -> tuple[re.Pattern, ...]:
    """Patterns finding the words whose first letters match a term's, ignoring case and
    accents: one a prefix, each compiled once in a process (the prefixes of the program's
    words recur far more than whole queries do). A pattern may also match inside a word;
    `_starts_word` leaves those out."""
    return tuple(_prefix_pattern(p) for p in sorted({t[:PREFIX_CHARS] for t in terms if t}))


@lru_cache(maxsize=4096)
def _prefix_pattern(prefix: str) -> re.Pattern:
    # Each letter's forms listed in both cases rather than re.IGNORECASE, and no look-behind
    # for the word's start: the pattern then begins with a set of characters, which the
    # regular expression engine skips to directly (about four times faster on a transcript
    # window; compiled in a tenth of the time).
    return re.compile("".join(_letter_class(c) for c in prefix) + r"\w*")


def _letter_class(letter: str) -> str:
    forms = letter + _ACCENTED.get(letter, "")
    return "[%s]" % re.escape("".join(dict.fromkeys(forms + forms.upper())))


def _starts_word(text: str, start: int) -> bool:
    """Nothing of a word (what ``\\w`` matches) just before ``start``."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")


def _word_terms(lang: str, analyzer, word: str) -> frozenset[str]:
    key = (lang, word)
    found = _WORD_TERMS.get(key)
    if found is None:
        if len(_WORD_TERMS) >= _WORD_CACHE_SIZE:
            _WORD_TERMS.clear()
        found = _WORD_TERMS[key] = frozenset(term for _, term in analyze(analyzer, word))
    return found


def highlight(text: str, analyzer, terms, max_chars: int = 220,
              lang: str | None = None) -> tuple[str, list[tuple[int, int]]]:
    """Return an escaped fragment of ``text`` around its best matches, and the
    spans marked (empty when nothing matched: the fragment is the start).
    ``lang`` is the language of ``analyzer``, which enables caching."""
    spans = mark_spans(text, analyzer, terms, lang)
    start, end = _fragment(text, spans, max_chars)
    out = [ELLIPSIS] if start > 0 else []
    pos = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        out += [escape(text[pos:span_start]), "<mark>", escape(text[span_start:span_end]),
                "</mark>"]
        pos = span_end
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out), spans


def _fragment(text: str, spans, max_chars: int) -> tuple[int, int]:
    if len(text) <= max_chars:
        return 0, len(text)
    start = 0
    if spans:
        # Start before the span that has the most other spans within reach. Spans are sorted
        # and disjoint (`mark_spans`), so those within reach of the n-th are the n-th and the
        # next ones ending before its start + max_chars.
        ends = [end for _, end in spans]

        def reach(n):
            return max(0, bisect_right(ends, spans[n][0] + max_chars) - n)

        best = spans[max(range(len(spans)), key=reach)]
        start = max(0, best[0] - CONTEXT_CHARS)
        if start > 0:
            space = text.find(" ", start, best[0])
            start = space + 1 if space != -1 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start:
            end = space
    return start, end
