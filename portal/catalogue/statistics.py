"""The program's figures, computed from the database at each request.

- courses by subject: every course of the fiscal year (whatever its phase);
- participants by region: enrollments of the year's courses that are accepted, in progress or
  completed (nominees not yet accepted and withdrawals are not participants); someone in two
  courses counts twice, as the program counts participations. The region is the one of the
  participant's country (``regions.py``), "Other or unknown" otherwise;
- by training center: the same two counts per center;
- across years: courses and participants per fiscal year, and subjects over all years.
Every table carries its total, and the tests check the totals against the rows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from ..auth.models import User
from ..courses.models import Course, Enrollment
from ..courses.vocabulary import SUBJECTS
from ..extensions import db
from .regions import OTHER, REGION_LABELS, region_of


@dataclass(frozen=True)
class Table:
    """Rows of (key, label, count) in a stable order, and their total."""
    rows: list[tuple[str, object, int]]

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.rows)


def years() -> list[int]:
    return list(db.session.execute(select(Course.fiscal_year).distinct()
                                   .order_by(Course.fiscal_year)).scalars())


def _year_filter(query, year: int | None):
    return query.where(Course.fiscal_year == year) if year else query


def courses_by_subject(year: int | None) -> Table:
    counts = dict(db.session.execute(_year_filter(
        select(Course.subject, func.count()).group_by(Course.subject), year)).all())
    rows = [(slug, label, counts.pop(slug, 0)) for slug, label in SUBJECTS.items()]
    rows += [(slug, slug, n) for slug, n in sorted(counts.items())]  # slugs outside the list
    return Table(rows)


def _participations(year: int | None):
    query = (select(User.country, Course.training_center, Course.fiscal_year)
             .select_from(Enrollment).join(Course).join(User)
             .where(Enrollment.is_participating))
    return db.session.execute(_year_filter(query, year)).all()


def participants_by_region(year: int | None) -> Table:
    counts = Counter(region_of(country) for country, _, _ in _participations(year))
    return Table([(slug, label, counts.get(slug, 0)) for slug, label in REGION_LABELS.items()
                  if slug != OTHER or counts.get(OTHER)])


def by_center(year: int | None) -> list[tuple[str, int, int]]:
    """(center, courses, participants), by center name."""
    courses = Counter(dict(db.session.execute(_year_filter(
        select(Course.training_center, func.count()).group_by(Course.training_center),
        year)).all()))
    people = Counter(center for _, center, _ in _participations(year))
    return [(c, courses.get(c, 0), people.get(c, 0)) for c in sorted(set(courses) | set(people))]


def by_year() -> list[tuple[int, int, int]]:
    """(fiscal year, courses, participants) for every year with courses."""
    courses = dict(db.session.execute(select(Course.fiscal_year, func.count())
                                      .group_by(Course.fiscal_year)).all())
    people = Counter(y for _, _, y in _participations(None))
    return [(y, courses.get(y, 0), people.get(y, 0)) for y in sorted(courses)]

