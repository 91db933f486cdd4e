"""One open, immutable state of the index and the caches that depend on it.

Document numbers change with every commit, so the permission sets, filter
sets and facet maps cached here live exactly as long as the Whoosh searcher
they were computed from; the `Searcher` makes a new view on refresh.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from whoosh.query import And, NullQuery, Or, Query, Term

from .postings import term_ids, term_postings
from .schema import MATERIAL, Visibility, build_schema
from .segments import Column, FieldLengths, Lexicon
from .spelling import Speller

FACET_FIELDS = {  # facet name -> index field
    "subject": "subjects",
    "audio_language": "audio_language",
    "subtitle_language": "subtitle_languages",
    "kind": "kind",
}


@dataclass(frozen=True)
class Allowed:
    """What a reader may see: public items, items for any signed-in user,
    items of the given courses, or (staff managing the library) everything."""

    public: bool = True
    registered: bool = False
    courses: frozenset[str] = frozenset()
    everything: bool = False

    @classmethod
    def of(cls, value) -> Allowed:
        """Accept an `Allowed`, a mapping with the same keys, or None (anonymous)."""
        if isinstance(value, Allowed):
            return value
        value = value or {}
        return cls(public=bool(value.get("public", True)),
                   registered=bool(value.get("registered", False)),
                   courses=frozenset(str(c) for c in value.get("courses") or ()),
                   everything=bool(value.get("everything", False)))

    def query(self) -> Query | None:
        if self.everything:
            return Term("doc_type", MATERIAL)
        parts = []
        if self.public:
            parts.append(Term("visibility", Visibility.PUBLIC))
        if self.registered:
            parts.append(Term("visibility", Visibility.REGISTERED))
        if self.courses:
            codes = Or([Term("courses", c) for c in sorted(self.courses)])
            parts.append(And([Term("visibility", Visibility.COURSE), codes]))
        return Or(parts) if parts else None


@dataclass(frozen=True)
class Filters:
    """Facet filters; each set field is "any of", a year range is inclusive."""

    subject: frozenset[str] = frozenset()
    audio_language: frozenset[str] = frozenset()
    subtitle_language: frozenset[str] = frozenset()
    kind: frozenset[str] = frozenset()
    year_from: int | None = None
    year_to: int | None = None

    @classmethod
    def of(cls, value: Mapping | None) -> Filters:
        """Build from request-like values, ignoring empty or malformed ones."""
        value = value or {}
        sets = {name: _strings(value.get(name)) for name in FACET_FIELDS}
        return cls(**sets, year_from=_int(value.get("year_from")),
                   year_to=_int(value.get("year_to")))

    def is_empty(self) -> bool:
        return self == Filters()


def _strings(value) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    values = [value] if isinstance(value, (str, int)) else value
    return frozenset(str(v) for v in values if str(v))


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


SCHEMA = build_schema()


@dataclass
class IndexView:
    """A Whoosh searcher on one generation, with its derived caches.

    ``schema`` is this code's schema, whose analyzers build queries; the index
    may have been built by an older version (see ``IndexStatus``).
    """

    generation: str
    searcher: object
    schema: object = field(default_factory=lambda: SCHEMA)
    # Each cached set holds up to one entry per material; per-user course
    # combinations are cheap to recompute from the cached term sets.
    cache_size: int = 32
    _allowed: OrderedDict = field(default_factory=OrderedDict)
    _filtered: OrderedDict = field(default_factory=OrderedDict)
    _facets: dict | None = None
    _columns: dict = field(default_factory=dict)
    _terms: OrderedDict = field(default_factory=OrderedDict)
    # About 50 bytes a cached document number: ~25 MB per worker at most.
    _term_budget: int = 500_000
    _speller: Speller | None = None
    previous_speller: Speller | None = None
    _lengths: dict = field(default_factory=dict)
    _lexicon: Lexicon | None = None
    _vocabularies: dict = field(default_factory=dict)
    _sort_keys: dict = field(default_factory=dict)
    # Whole answers of the last searches: the same words, filters and reader on the same index
    # state give the same answer (browsing, popular words, the next page and back).
    _results: OrderedDict = field(default_factory=OrderedDict)
    results_size: int = 512
    result_hits: int = 0

    def cached_result(self, key):
        found = self._results.get(key)
        if found is not None:
            self._results.move_to_end(key)
            self.result_hits += 1
        return found

    def remember_result(self, key, result) -> None:
        self._results[key] = result
        while len(self._results) > self.results_size:
            self._results.popitem(last=False)

    def speller(self) -> Speller:
        """Respelling suggestions from the words of titles, keywords, transcripts and
        documents; what the previous state had read is reused (`Speller`)."""
        if self._speller is None:
            self._speller = Speller(self.searcher.reader(), self.previous_speller)
            self.previous_speller = None
        return self._speller

    def hand_on(self, successor: IndexView) -> None:
        """Give the next state of the same generation what it can reuse from this one (a
        rebuilt generation shares no segment with it)."""
        if successor.generation == self.generation:
            successor.previous_speller = self._speller or self.previous_speller

    def docs(self, query: Query) -> set[int]:
        """Live document numbers matching ``query``, unscored.

        Terms, Or and And are evaluated as set operations on postings, which
        is much faster than stepping Whoosh's matcher tree document by
        document; other queries (phrases) are left to Whoosh.
        """
        if query is NullQuery:
            return set()
        if type(query) is Term:
            return set(self.term_docs(query.fieldname, query.text))
        if type(query) is Or:
            return self._any_docs(query.subqueries)
        if type(query) is And:
            return self._all_docs(query.subqueries)
        return set(query.docs(self.searcher))

    def _any_docs(self, queries) -> set[int]:
        """The union of the documents of ``queries`` (a term's read without a copy)."""
        found: set[int] = set()
        for sub in queries:
            if type(sub) is Term:
                found |= self.term_docs(sub.fieldname, sub.text)
            else:
                found |= self.docs(sub)
        return found

    def _all_docs(self, queries) -> set[int]:
        """The intersection of the documents of ``queries``: those of the one likely to match
        fewest, then those of them each next one matches (`_docs_among`), stopping at the
        first empty."""
        found = None
        for sub in sorted(queries, key=self._estimate):
            found = self.docs(sub) if found is None else self._docs_among(sub, found)
            if not found:
                return set()
        return found or set()

    def _estimate(self, query: Query) -> int:
        """About how many documents ``query`` matches, from the terms' document frequencies."""
        if type(query) is Term:
            return self.lexicon.frequency(query.fieldname, query.text)
        subqueries = getattr(query, "subqueries", None)
        if not subqueries:
            return 0 if query is NullQuery else self.lexicon.doc_count
        sizes = [self._estimate(sub) for sub in subqueries]
        return sum(sizes) if type(query) is Or else min(sizes)

    def _docs_among(self, query: Query, among: set[int]) -> set[int]:
        """The documents of ``among`` matching ``query``: each term's documents are intersected
        with ``among`` rather than united in full and narrowed afterwards."""
        if type(query) is Term:
            return among & self.term_docs(query.fieldname, query.text)
        if type(query) is Or:
            found: set[int] = set()
            for sub in query.subqueries:
                found |= self._docs_among(sub, among)
            return found
        if type(query) is And:
            for sub in query.subqueries:
                among = self._docs_among(sub, among)
                if not among:
                    return set()
            return among
        return self.docs(query) & among

    def term_docs(self, fieldname: str, text: str) -> frozenset[int]:
        """Live document numbers containing one term (cached within a budget)."""
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            return found
        leaves = self.lexicon.leaves(fieldname, text)
        found = frozenset(term_ids(None, fieldname, text, leaves)) if leaves else frozenset()
        self._terms[key] = found
        self._term_budget -= len(found) + 1
        while self._term_budget < 0 and self._terms:
            _, evicted = self._terms.popitem(last=False)
            self._term_budget += len(evicted) + 1
        return found

    def allowed_docs(self, allowed: Allowed) -> frozenset[int]:
        """Material documents ``allowed`` may see (cached)."""
        return self._cached(self._allowed, allowed, lambda: self._allowed_docs(allowed))

    def _allowed_docs(self, allowed: Allowed) -> frozenset[int]:
        query = allowed.query()
        return frozenset(self.docs(query)) & self.facet_map()["_material"] if query else frozenset()

    def filter_docs(self, filters: Filters) -> frozenset[int] | None:
        """Material documents passing ``filters``; None when there are none."""
        if filters.is_empty():
            return None
        return self._cached(self._filtered, filters, lambda: self._filter_docs(filters))

    def _filter_docs(self, filters: Filters) -> frozenset[int]:
        maps = self.facet_map()
        result = maps["_material"]
        for name in FACET_FIELDS:
            wanted = getattr(filters, name)
            if wanted:
                result = result & _union(maps[name].get(v, frozenset()) for v in wanted)
        if filters.year_from is not None or filters.year_to is not None:
            low = filters.year_from if filters.year_from is not None else -(2 ** 31)
            high = filters.year_to if filters.year_to is not None else 2 ** 31
            years = maps["year"].items()
            result = result & _union(docs for year, docs in years if low <= year <= high)
        return result

    def facet_counts(self, docs: set[int]) -> dict[str, dict]:
        """Counts per facet value over ``docs`` (already permission-filtered)."""
        counts = {}
        for name, values in self.facet_map().items():
            if name.startswith("_"):
                continue
            found = {value: len(ids & docs) for value, ids in values.items()}
            counts[name] = {v: n for v, n in sorted(found.items(), key=_by_count) if n}
        return counts

    def facet_map(self) -> dict[str, dict]:
        """Facet value -> live material document numbers (built once per view)."""
        if self._facets is None:
            reader = self.searcher.reader()
            maps: dict[str, dict] = {"_material": frozenset(self.docs(Term("doc_type", MATERIAL)))}
            for name, fieldname in FACET_FIELDS.items():
                present = fieldname in reader.schema
                values = (t.decode("utf-8") for t in (reader.lexicon(fieldname) if present else ()))
                maps[name] = {v: frozenset(self.docs(Term(fieldname, v))) for v in values}
            years: dict[int, set[int]] = {}
            column = self.column("year")
            for docnum in maps["_material"]:
                year = column[docnum]
                if 0 < year < 10_000:  # a missing year reads as the column default (2**31-1)
                    years.setdefault(year, set()).add(docnum)
            maps["year"] = {year: frozenset(ids) for year, ids in years.items()}
            self._facets = maps
        return self._facets

    def postings(self, fieldname: str, text: str) -> tuple[list[int], list[float]]:
        """Document numbers and term frequencies of one term."""
        leaves = self.lexicon.leaves(fieldname, text)
        return term_postings(None, fieldname, text, leaves=leaves) if leaves else ([], [])

    @property
    def lexicon(self) -> Lexicon:
        """Which segments hold which terms (what query planning asks first)."""
        if self._lexicon is None:
            self._lexicon = Lexicon(self.searcher.reader())
        return self._lexicon

    def lengths(self, fieldname: str) -> FieldLengths:
        """Per-document lengths of a field, loaded as documents are scored."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = FieldLengths(self.searcher.reader(), fieldname)
        return self._lengths[fieldname]

    def average_length(self, fieldname: str, documents: int) -> float:
        """Average length of a field over ``documents`` (material) documents."""
        reader = self.searcher.reader()
        total = reader.field_length(fieldname) if fieldname in reader.schema else 0
        return max(1.0, total / max(1, documents))

    def vocabulary(self, fieldname: str) -> list[str]:
        """All terms of a (small) field, sorted (built once)."""
        if fieldname not in self._vocabularies:
            reader = self.searcher.reader()
            terms = reader.lexicon(fieldname) if fieldname in reader.schema else ()
            self._vocabularies[fieldname] = [t.decode("utf-8") for t in terms]
        return self._vocabularies[fieldname]

    def sort_keys(self, fieldname: str) -> dict[int, int]:
        """A sortable field's value for every material document (built once)."""
        if fieldname not in self._sort_keys:
            column = self.column(fieldname)
            self._sort_keys[fieldname] = {d: column[d] for d in self.facet_map()["_material"]}
        return self._sort_keys[fieldname]

    def column(self, fieldname: str) -> Column:
        """Fast per-document values of a sortable field."""
        if fieldname not in self._columns:
            self._columns[fieldname] = Column(self.searcher.reader(), fieldname)
        return self._columns[fieldname]

    def close(self) -> None:
        self.searcher.close()

    def _cached(self, cache: OrderedDict, key, compute):
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = cache[key] = compute()
        if len(cache) > self.cache_size:
            cache.popitem(last=False)
        return value


def _union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
    result: set[int] = set()
    for docs in sets:
        result |= docs
    return frozenset(result)


def _by_count(item):
    value, count = item
    return (-count, str(value))
