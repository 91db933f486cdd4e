"""Type-ahead on material titles (accent-insensitive word prefixes)."""

from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass
from itertools import islice, takewhile

from .analysis import analyze

MAX_PREFIX_CHARS = 100
MAX_EXPANSIONS = 64  # a short prefix must not turn into thousands of terms
FIELD = "title_words"


@dataclass(frozen=True)
class TitleSuggestion:
    """A visible material and the title to show (``lang`` is the title's language)."""

    id: str
    title: str
    lang: str


def suggest_titles(view, prefix, lang: str, allow, limit: int) -> list[TitleSuggestion]:
    """Titles of materials in ``allow`` matching every word of ``prefix``, the
    last word as a prefix; most viewed first."""
    if not isinstance(prefix, str) or not allow:
        return []
    prefix = prefix[:MAX_PREFIX_CHARS]
    analyzer = view.schema[FIELD].analyzer
    words = [term for _, term in analyze(analyzer, prefix)]
    if not words:
        return []
    complete = not prefix[-1].isalnum()
    found = set(allow)
    for word in words if complete else words[:-1]:
        found &= view.term_docs(FIELD, word)
    if not complete:
        vocabulary = view.vocabulary(FIELD)
        start = bisect_left(vocabulary, words[-1])
        expanded = islice(takewhile(lambda t: t.startswith(words[-1]), vocabulary[start:]),
                          MAX_EXPANSIONS)
        matching: set[int] = set()
        for term in expanded:
            matching |= view.term_docs(FIELD, term)
        found &= matching
    views = view.sort_keys("view_count")
    best = heapq.nlargest(limit, found, key=lambda d: (views.get(d, 0), -d))
    return [_suggestion(view.searcher.stored_fields(d), words, complete, analyzer, lang)
            for d in best]


def _suggestion(fields, words, complete, analyzer, lang) -> TitleSuggestion:
    titles = fields.get("titles") or {}
    order = list(dict.fromkeys([lang, "en", *sorted(titles)]))
    present = [code for code in order if code in titles]
    for code in present:
        terms = [t for _, t in analyze(analyzer, titles[code])]
        if _matches(terms, words, complete):
            return TitleSuggestion(fields["id"], titles[code], code)
    code = present[0] if present else lang
    return TitleSuggestion(fields["id"], titles.get(code, fields["id"]), code)


def _matches(terms, words, complete) -> bool:
    whole = words if complete else words[:-1]
    if not set(whole) <= set(terms):
        return False
    return complete or any(t.startswith(words[-1]) for t in terms)
