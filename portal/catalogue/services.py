"""Catalogue rules: which courses are published, filters and search, the outline.

Published: every course of the current and next fiscal year (Japan's fiscal year starts on 1
April). Older courses keep a public page (the program's archive); courses planned further ahead
are visible only to the staff who see them in the courses domain.

Search: the scalar filters run in SQL; the language of instruction and the search text are then
matched in Python over the (at most a few hundred) courses of two fiscal years, so that accents
and case are folded the same way on SQLite and PostgreSQL ("electricite" finds "électricité").
A word matches a course when it is part of its text once folded, or when its stem, in English,
French or Spanish, is one of the stems of the course's text in that language: the library's own
analysis (``media_index.analysis``: Snowball stems, accents folded after stemming), so
"fisheries" finds "Fishery resource management" and "recurso pesquero" finds "Recursos
pesqueros".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import select

from media_index.analysis import analyze, language_analyzer

from .. import dates
from ..courses.models import Course
from ..extensions import db
from ..text import fold
from .models import OUTLINE_FIELDS, CourseOutline

SEARCHED_FIELDS = ("title", "description", "objectives")


def current_fiscal_year(today: date | None = None) -> int:
    return dates.fiscal_year_of(today or dates.today())


def published_years(today: date | None = None) -> tuple[int, int]:
    year = current_fiscal_year(today)
    return year, year + 1


@dataclass(frozen=True)
class Filters:
    subject: str | None = None
    region: str | None = None
    program_type: str | None = None
    training_center: str | None = None
    language: str | None = None
    fiscal_year: int | None = None
    text: str = ""

    @property
    def in_use(self) -> int:
        """How many filters (the search words aside) are set."""
        return sum(1 for k, v in self.as_args().items() if k != "q")

    def as_args(self) -> dict:
        return {k: v for k, v in (("subject", self.subject), ("region", self.region),
                                  ("program_type", self.program_type),
                                  ("training_center", self.training_center),
                                  ("language", self.language), ("fiscal_year", self.fiscal_year),
                                  ("q", self.text)) if v}


def catalogue(filters: Filters, today: date | None = None) -> list[Course]:
    """The published courses matching ``filters``, by arrival date then code."""
    years = published_years(today)
    query = select(Course).where(Course.fiscal_year.in_(
        [filters.fiscal_year] if filters.fiscal_year in years else years))
    for name in ("subject", "region", "program_type", "training_center"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(Course, name) == value)
    found = db.session.execute(query.order_by(Course.arrival, Course.code)).scalars()
    words = [(fold(w), _stems(w)) for w in filters.text.split()]
    return [c for c in found
            if (not filters.language or filters.language in (c.languages or []))
            and _matches(c, words)]


ANALYZED = ("en", "fr", "es")


def _matches(course: Course, words: list[tuple[str, frozenset]]) -> bool:
    if not words:
        return True
    haystack, stems = _haystack(course), _course_stems(course)
    return all(folded in haystack or (wanted & stems) for folded, wanted in words)


def _haystack(course: Course) -> str:
    parts = [course.code]
    for name in SEARCHED_FIELDS:
        parts.extend((getattr(course, name) or {}).values())
    return fold(" ".join(parts))


def _course_stems(course: Course) -> frozenset[str]:
    stems: set[str] = set()
    for name in SEARCHED_FIELDS:
        for lang, text in (getattr(course, name) or {}).items():
            if lang in ANALYZED and text:
                stems |= _terms(lang, text)
    return frozenset(stems)


@lru_cache(maxsize=4096)
def _terms(lang: str, text: str) -> frozenset[str]:
    """The stems of a text in its language (cached: a course's texts rarely change)."""
    return frozenset(term for _, term in analyze(_analyzer(lang), text))


@lru_cache(maxsize=8)
def _analyzer(lang: str):
    return language_analyzer(lang)


def _stems(word: str) -> frozenset[str]:
    """A searched word's stem in each language it may be written in."""
    return frozenset().union(*(_terms(lang, word) for lang in ANALYZED))


def facet_values(today: date | None = None) -> dict[str, list[str]]:
    """Training centers and languages that the published courses actually have."""
    rows = db.session.execute(select(Course.training_center, Course.languages).where(
        Course.fiscal_year.in_(published_years(today)))).all()
    return {"training_center": sorted({r[0] for r in rows if r[0]}),
            "language": sorted({lang for r in rows for lang in (r[1] or [])})}


def is_published(course: Course, today: date | None = None) -> bool:
    return course.fiscal_year <= published_years(today)[1]


def public_course(course_id: int, user) -> Course | None:
    """The course if anyone may read its catalogue page (or ``user`` sees it as staff)."""
    course = db.session.get(Course, course_id)
    if course is None:
        return None
    if is_published(course):
        return course
    if course.is_staff(user):
        return course
    return None


def outline_of(course: Course) -> CourseOutline | None:
    return db.session.get(CourseOutline, course.id)


def save_outline(course: Course, values: dict, series: str | None) -> CourseOutline:
    """Create or update the course's outline from {field: {lang: text}} and a series."""
    outline = outline_of(course)
    if outline is None:
        outline = CourseOutline(course_id=course.id)
        db.session.add(outline)
    for name in OUTLINE_FIELDS:
        setattr(outline, name, values.get(name) or {})
    outline.series = (series or "").strip().upper() or None
    db.session.flush()
    return outline
