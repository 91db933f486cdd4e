"""Searching the library index (read-only; used by web workers).

`Searcher` keeps one Whoosh searcher open and refreshes it cheaply when the
indexer committed or a rebuild swapped generations. Results carry material
ids; the caller loads the materials from the database in that order.

Permissions are enforced by intersecting every search with the set of
material documents the reader may see, computed from the index itself;
facet counts, transcript moments and "did you mean" are all derived from
that intersection, so hidden materials never show through.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh import index as whoosh_index

from . import layout
from .analysis import LANGUAGES
from .highlight import highlight
from .moments import Moment, find_moments
from .postings import install_fast_decoding
from .query import Clause, parse_user_query, plan_query
from .ranking import rank
from .schema import text_field
from .typeahead import TitleSuggestion, suggest_titles
from .view import Allowed, Filters, IndexView

SORTS = {"relevance": None, "newest": "created_ts", "views": "view_count"}
MAX_PER_PAGE = 100
SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this
__all__ = ["Allowed", "Filters", "Hit", "Moment", "SearchResult", "Searcher", "TitleSuggestion"]


@dataclass(frozen=True)
class Hit:
    """One material in the results; ``snippet`` is safe HTML with <mark> tags."""

    id: str
    score: float
    snippet: str
    moments: tuple[Moment, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """A page of results, facet counts over all visible matches, a suggestion.

    ``relaxed`` is True when no material matched every word and the results
    match some of them. ``corrected_from`` is the text as typed when it found
    nothing and the results are those of its respelling, ``query``.
    """

    query: str
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...] = ()
    facets: dict = field(default_factory=dict)
    suggestion: str | None = None
    relaxed: bool = False
    corrected_from: str | None = None


class Searcher:
    """Thread-safe reader of the index in ``base_dir`` (``SEARCH_INDEX_DIR``).

    The index is checked for changes at most every ``refresh_interval``
    seconds. Searches in one process are serialised: they are CPU-bound
    Python anyway, and a Whoosh searcher is not meant to be shared by threads.
    """

    def __init__(self, base_dir, *, refresh_interval: float = 1.0):
        install_fast_decoding()
        self.base_dir = Path(base_dir)
        self.refresh_interval = refresh_interval
        self._lock = threading.RLock()
        self._view: IndexView | None = None
        self._checked = float("-inf")
        self._opened = 0

    def search(self, query_text: str, *, lang: str = "en", filters: Mapping | None = None,
               allowed: Allowed | Mapping | None = None, sort: str = "relevance",
               page: int = 1, per_page: int = 20, correct: bool = False) -> SearchResult:
        """Search materials; never raises on user input (see `parse_user_query`).

        ``correct``: when nothing visible has every word and the "did you mean"
        respelling finds something, answer with the respelling's results
        (``corrected_from`` then holds the text as typed)."""
        page, per_page = max(1, _int(page, 1)), min(MAX_PER_PAGE, max(1, _int(per_page, 20)))
        lang = lang if lang in LANGUAGES else "en"
        text = query_text if isinstance(query_text, str) else ""
        empty = SearchResult(text, 0, page, per_page)
        with self._lock:
            view = self._current()
            if view is None:
                return empty
            allowed, filters = Allowed.of(allowed), Filters.of(filters)
            key = (text, lang, allowed, filters, sort, page, per_page, bool(correct))
            result = view.cached_result(key)
            if result is None:
                result = self._search(view, text, lang, allowed, filters, sort, page, per_page,
                                      bool(correct))
                view.remember_result(key, result)
            return result

    def _search(self, view, text, lang, allowed, filters, sort, page, per_page,
                correct=False) -> SearchResult:
        allow = _visible_docs(view, allowed, filters)
        clauses = parse_user_query(text)
        plan = plan_query(clauses, view.lexicon, view.schema, lang)
        matched, relaxed = view.docs(plan.query) & allow, False
        suggestion = None
        if len(matched) < SUGGEST_BELOW and not plan.browse:
            suggestion = self._did_you_mean(view, clauses, lang, allow, len(matched))
        if not matched and suggestion is not None and correct:
            # The respelling finds visible materials (`_did_you_mean` checked): show them.
            result = self._search(view, suggestion, lang, allowed, filters, sort, page,
                                  per_page)
            return replace(result, suggestion=None, corrected_from=text)
        if not matched and plan.relaxed is not None:
            matched = view.docs(plan.relaxed) & allow
            relaxed = bool(matched)
        if not matched:
            return SearchResult(text, 0, page, per_page, facets=view.facet_counts(set()),
                                suggestion=suggestion)
        facets = view.facet_counts(matched)
        if (page - 1) * per_page >= len(matched):  # past the last page: nothing to rank
            return SearchResult(text, len(matched), page, per_page, (), facets, suggestion,
                                relaxed)
        ranked = self._rank(view, plan, matched, _order(sort, plan.browse),
                            page * per_page)[(page - 1) * per_page:]
        hits = self._hits(view, plan, ranked, lang)
        return SearchResult(text, len(matched), page, per_page, tuple(hits), facets,
                            suggestion, relaxed)

    def suggest_titles(self, prefix: str, lang: str = "en",
                       allowed: Allowed | Mapping | None = None,
                       limit: int = 8) -> list[TitleSuggestion]:
        """Type-ahead: visible materials whose title has words starting with ``prefix``."""
        with self._lock:
            view = self._current()
            if view is None:
                return []
            allow = view.allowed_docs(Allowed.of(allowed))
            return suggest_titles(view, prefix, lang, allow, max(1, min(_int(limit, 8), 20)))

    def refresh(self) -> bool:
        """Check for index changes now; True when a newer state was opened."""
        with self._lock:
            before = self._view
            self._checked = float("-inf")
            return self._current() is not before

    def close(self) -> None:
        with self._lock:
            if self._view is not None:
                self._view.close()
                self._view = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _current(self) -> IndexView | None:
        now = time.monotonic()
        if self._view is not None and now - self._checked < self.refresh_interval:
            return self._view
        self._checked = now
        try:
            generation = layout.current(self.base_dir)
        except layout.IndexMissing:
            return self._view
        view = self._view
        if view is None or view.generation != generation.name:
            searcher = whoosh_index.open_dir(str(generation)).searcher()
            self._replace(IndexView(generation.name, searcher))
        elif not view.searcher.up_to_date():
            # A fresh searcher, not Whoosh's refresh(): refresh() reuses segment
            # readers with their old deletion sets, so a deleted or replaced
            # material kept showing (twice, for a replaced one).
            searcher = whoosh_index.open_dir(str(generation)).searcher()
            self._replace(IndexView(generation.name, searcher))
        return self._view

    def state(self) -> int:
        """A number that changes whenever this searcher opens a newer state of the index:
        what a caller keeps from an answer is valid while it stays the same."""
        with self._lock:
            self._current()
            return self._opened

    def _replace(self, view: IndexView) -> None:
        self._opened += 1
        old, self._view = self._view, view
        if old is not None:
            old.hand_on(view)
            old.close()

    def _rank(self, view, plan, matched: set[int], sort: str, limit: int):
        """(docnum, score) of the first ``limit`` matches in ``sort`` order."""
        fieldname = SORTS[sort]
        if fieldname is None:
            return rank(view, plan.leaves, matched, limit)
        keys = view.sort_keys(fieldname)
        # A sorted search has no relevance score to report. "Newest" is the newest production
        # (year), then the latest added: what a reader means by recent.
        years = view.sort_keys("year") if sort == "newest" else {}
        best = heapq.nlargest(limit, matched,
                              key=lambda d: (years.get(d, 0), keys.get(d, 0), -d))
        return [(docnum, 0.0) for docnum in best]

    def _hits(self, view, plan, ranked, lang) -> list[Hit]:
        stored = [(view.searcher.stored_fields(docnum), score) for docnum, score in ranked]
        # Windows are looked for in the subtitle languages and a document's text language.
        pages = [(fields["id"], docnum, {*fields.get("subtitle_languages", "").split(","),
                                         fields.get("text_language", "")})
                 for (fields, _), (docnum, _) in zip(stored, ranked, strict=True)]
        moments = find_moments(view, plan, pages, lang)
        return [Hit(fields["id"], round(float(score), 4), _snippet(view, fields, plan.terms, lang),
                    tuple(moments.get(fields["id"], ()))) for fields, score in stored]

    def _did_you_mean(self, view, clauses: list[Clause], lang, allow, found: int) -> str | None:
        """Respell words that find nothing visible, keeping only respellings
        that find visible materials (so hidden titles never leak)."""
        reader, schema = view.lexicon, view.schema
        speller = view.speller()

        def visible(clause_list) -> int:
            plan = plan_query(clause_list, reader, schema, lang)
            return 0 if plan.browse else len(view.docs(plan.query) & allow)

        respelled = [_respelled(clause, speller, visible) for clause in clauses]
        if all(word is None for word in respelled):
            return None
        suggestion = " ".join(clause.text if word is None else word
                              for clause, word in zip(clauses, respelled, strict=True))
        return suggestion if visible(parse_user_query(suggestion)) > found else None


def _visible_docs(view, allowed: Allowed, filters: Filters) -> frozenset[int]:
    """The documents the reader may see (``allowed``) within the facet ``filters``."""
    allow = view.allowed_docs(allowed)
    limit = view.filter_docs(filters)
    return allow if limit is None else allow & limit


def _order(sort: str, browse: bool) -> str:
    """The order of the results: the one asked for, relevance if unknown, except that browsing
    (nothing typed) has no relevance and shows the newest first."""
    sort = sort if sort in SORTS else "relevance"
    return "newest" if sort == "relevance" and browse else sort


def _respelled(clause: Clause, speller, visible) -> str | None:
    """The first respelling of a word finding nothing visible that does find something, or
    None: a phrase, a short word, a number or a word finding something is kept as typed."""
    word = clause.words[0]
    if len(clause.words) > 1 or len(word) < 3 or word.isdigit() or visible([clause]):
        return None
    maxdist = 1 if len(word) <= 4 else 2
    for candidate in speller.suggest(word, limit=5, maxdist=maxdist):
        if visible([Clause((candidate,))]):
            return candidate
    return None


def _snippet(view, fields, terms, lang: str) -> str:
    descriptions = fields.get("descriptions") or {}
    order = [code for code in dict.fromkeys([lang, "en", *sorted(descriptions)])
             if code in descriptions and code in LANGUAGES]
    fallback = None
    for code in order:
        name = text_field("description", code)
        html, spans = highlight(descriptions[code], view.schema[name].analyzer,
                                terms.get(name), lang=code)
        if spans:
            return html
        fallback = fallback or html
    return fallback or ""


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
