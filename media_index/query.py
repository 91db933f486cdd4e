"""Turning what a reader typed into a Whoosh query, without Whoosh's parser.

The user's text is reduced to words and balanced "quoted phrases"; every
other character (``:``, ``*``, brackets, ``~``, ``^``...) only separates
words. No field names, wildcards, ranges or boolean operators reach Whoosh,
so nothing typed can widen a search beyond the fields chosen here, nor escape
the permission filter applied by the searcher.

Each word must match somewhere (title, description, transcript or keywords,
in any language), with the reader's language boosted. A word that is a stop
word in any content language is dropped: "gestion des dechets" must not
require "des" to appear in an English title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh.query import And, NullQuery, Or, Query, Sequence, Term

from .analysis import LANGUAGES, STEMMED_LANGUAGES, WORD_PATTERN, analyze
from .schema import MATERIAL, text_field

MAX_QUERY_CHARS = 300
MAX_CLAUSES = 10
MAX_PHRASE_WORDS = 8
KIND_BOOST = {"title": 3.0, "description": 1.5, "transcript": 1.0}
KEYWORD_BOOST = 2.0
READER_LANGUAGE_BOOST = 2.0
_WORD = re.compile(WORD_PATTERN)


@dataclass(frozen=True)
class Clause:
    """One word, or the words of a quoted phrase."""

    words: tuple[str, ...]

    @property
    def text(self) -> str:
        joined = " ".join(self.words)
        return f'"{joined}"' if len(self.words) > 1 else joined


def parse_user_query(text) -> list[Clause]:
    """Split ``text`` into clauses; never raises, caps length and clause count."""
    if not isinstance(text, str):
        return []
    parts = text[:MAX_QUERY_CHARS].lower().split('"')
    clauses: list[Clause] = []
    for number, part in enumerate(parts):
        words = _WORD.findall(part)
        closed = number % 2 == 1 and number < len(parts) - 1
        if closed and len(words) > 1:
            clauses.append(Clause(tuple(words[:MAX_PHRASE_WORDS])))
        else:
            clauses.extend(Clause((w,)) for w in words)
    unique = list(dict.fromkeys(clauses))
    return unique[:MAX_CLAUSES]


@dataclass
class QueryPlan:
    """The queries derived from one user query.

    ``query`` ranks materials (every required clause must match; all
    materials when ``browse``, that is when nothing was typed); ``relaxed``
    lets any clause match, for when ``query`` finds nothing; ``windows``
    gives, per clause, the index terms present in each transcript-window
    field; ``terms`` lists, per field, the index terms of the query, for
    highlighting; ``clauses`` pairs each kept clause with its material query;
    ``leaves`` are the (field, term, boost) triples that rank materials.
    """

    query: Query
    browse: bool = False
    relaxed: Query | None = None
    windows: list[dict[str, list[str]]] = field(default_factory=list)
    terms: dict[str, set[str]] = field(default_factory=dict)
    clauses: list[tuple[Clause, Query]] = field(default_factory=list)
    leaves: list[tuple[str, str, float]] = field(default_factory=list)


def plan_query(clauses: list[Clause], reader, schema, lang: str) -> QueryPlan:
    """Build the `QueryPlan` for ``clauses`` read in language ``lang``.

    ``reader`` answers ``(field, term) in reader`` (an index reader or a
    `view.Lexicon`): terms absent from the index are left out; ``schema``
    provides each field's analyzer.
    """
    if not clauses:
        return QueryPlan(query=Term("doc_type", MATERIAL), browse=True)
    plan = QueryPlan(query=NullQuery)
    for clause in clauses:
        material_q, window_terms, droppable = _clause_queries(clause, reader, schema, lang,
                                                              plan.terms)
        if not droppable:
            plan.clauses.append((clause, material_q))
        if window_terms:
            plan.windows.append(window_terms)
    required = [q for _, q in plan.clauses]
    if required:
        plan.query = And(required) if len(required) > 1 else required[0]
        plan.relaxed = Or(required) if len(required) > 1 else None
    plan.leaves = _summed_leaves(required)
    return plan


def _summed_leaves(queries: list[Query]) -> list[tuple[str, str, float]]:
    """The (field, term, boost) of every term of ``queries``, a term's boosts added up."""
    boosts: dict[tuple[str, str], float] = {}
    for query in queries:
        for fieldname, text, boost in _leaves(query):
            boosts[fieldname, text] = boosts.get((fieldname, text), 0.0) + boost
    return [(f, t, b) for (f, t), b in boosts.items()]


def _leaves(query: Query, boost: float = 1.0):
    boost *= getattr(query, "boost", 1.0)
    if type(query) is Term:
        yield query.fieldname, query.text, boost
    for sub in getattr(query, "subqueries", ()):
        yield from _leaves(sub, boost)


def _clause_queries(clause, reader, schema, reader_lang, terms):
    material_parts, window_terms, stopped = [], {}, False
    text = " ".join(clause.words)
    for lang in LANGUAGES:
        tokens = analyze(schema[text_field("title", lang)].analyzer, text)
        if not tokens:
            stopped = stopped or lang in STEMMED_LANGUAGES
            continue
        lang_boost = READER_LANGUAGE_BOOST if lang == reader_lang else 1.0
        for kind, boost in KIND_BOOST.items():
            name = text_field(kind, lang)
            _add(material_parts, _field_query(reader, name, tokens, terms), boost * lang_boost)
        _note_window_terms(reader, text_field("window", lang), tokens, window_terms, terms)
    tokens = analyze(schema["keywords"].analyzer, text)
    _add(material_parts, _field_query(reader, "keywords", tokens, terms), KEYWORD_BOOST)
    material_q = _any(material_parts) or NullQuery
    droppable = stopped and len(clause.words) == 1
    return material_q, window_terms, droppable


def _note_window_terms(reader, name: str, tokens, window_terms: dict, terms: dict) -> None:
    """Note the clause's terms present in the transcript-window field ``name``, if any: windows
    are scored per word (see moments.py), phrases included."""
    present = [t for _, t in tokens if (name, t) in reader]
    if present:
        window_terms[name] = list(dict.fromkeys(present))
        terms.setdefault(name, set()).update(t for _, t in tokens)


def _field_query(reader, fieldname, tokens, terms) -> Query | None:
    """Terms at one position are spellings of one word (Or); positions follow
    each other (Sequence, or And in a field without positions). None when
    some position has no term in the index."""
    positions: dict[int, list[str]] = {}
    for pos, term in tokens:
        positions.setdefault(pos, []).append(term)
    parts = []
    for variants in positions.values():
        terms.setdefault(fieldname, set()).update(variants)
        present = [Term(fieldname, t) for t in dict.fromkeys(variants) if (fieldname, t) in reader]
        if not present:
            return None
        parts.append(present[0] if len(present) == 1 else Or(present))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return Sequence(parts) if _has_positions(reader, fieldname) else And(parts)


def _has_positions(reader, fieldname: str) -> bool:
    return fieldname in reader.schema and reader.schema[fieldname].format.supports("positions")


def _add(parts: list, query: Query | None, boost: float) -> None:
    if query is not None:
        parts.append(query.with_boost(boost) if boost != 1.0 else query)


def _any(parts: list) -> Query | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Or(parts)
