"""Course dates: the one place for month arithmetic, phases, due dates and the closing day.

Every date the portal derives from a course's own dates (pre-arrival opening, arrival, departure,
report months) is computed here, and the ``course_dates_changed`` signal tells the modules that
store derived dates to recompute them. ``docs/DATES.md`` explains the flow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from blinker import Namespace
from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, not_

from .db_types import utcnow
from .i18n import JAPAN, as_utc

# A deadline counted from a date falls at the end of that day in Japan, where courses run.
END_OF_DAY = time(23, 59)

# When each phase begins: (phase, course date, begins the day after that date rather than on it).
# Before the first, a course is "upcoming"; Python and SQL both read their phases from this table.
PHASE_STARTS = (("pre-arrival", "pre_arrival_opens", False), ("in-japan", "arrival", False),
                ("post-return", "departure", True), ("closed", "closes_on", True))
PHASE_ORDER = ("upcoming",) + tuple(name for name, _, _ in PHASE_STARTS)


def today() -> date:
    """The day the phases are counted in (UTC)."""
    return utcnow().date()


@lru_cache(maxsize=4096)  # pure; every dashboard asks it for each course's phases
def add_months(day: date, months: int) -> date:
    """Calendar months later, the day clamped to the month's end (30 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)


def end_of_day_in_japan(day: date) -> datetime:
    """23:59 Japan time on ``day``, in UTC."""
    return datetime.combine(day, END_OF_DAY, JAPAN).astimezone(UTC)


def due_after_departure(departure: date, months: int) -> datetime:
    """The deadline of an assignment due ``months`` months after the departure from Japan."""
    return end_of_day_in_japan(add_months(departure, months))


def japan_day(moment: datetime) -> date:
    """The day a deadline falls on, as the course counts days (in Japan)."""
    return as_utc(moment).astimezone(JAPAN).date()


def report_due(course, month: int) -> date:
    """The due date of the post-return report ``month`` months after the departure."""
    return add_months(course.departure, month)


def report_due_dates(course) -> list[tuple[int, date]]:
    """(months, due date) of each post-return report the course asks for."""
    return [(m, report_due(course, m)) for m in sorted(set(course.report_months or []))]


def plan_report_month(phase: str, months: int | None, report_months) -> int | None:
    """The action plan's report milestone a deadline coincides with: a post-return deadline
    counted ``months`` after the departure, in a month the plan reports on, is that report (one
    obligation, not two); None otherwise. New assignments at such a month are refused; older
    ones are shown, reminded and fed to calendars as that report."""
    if phase == "post-return" and months is not None and months in (report_months or []):
        return months
    return None


def closes_on(departure: date, report_months) -> date:
    """The last day of the post-return phase: a month after the last report falls due."""
    return add_months(departure, max(report_months or [0]) + 1)


def fiscal_year_of(day: date) -> int:
    """Japan's fiscal year starts on 1 April: 2026-03-31 is in FY2025."""
    return day.year if day.month >= 4 else day.year - 1


# -- phases ---------------------------------------------------------------------------------------
def _begun(value, day, after: bool):
    return value < day if after else value <= day  # a date or a column: Python or SQL


def phase_of(course, day: date | None = None) -> str:
    """upcoming, pre-arrival, in-japan, post-return or closed on ``day`` (default today)."""
    day = day or today()
    phase = "upcoming"
    for name, field, after in PHASE_STARTS:  # read straight off the course: lists ask it a row
        value = (closes_on(course.departure, course.report_months) if field == "closes_on"
                 else getattr(course, field))
        if _begun(value, day, after):
            phase = name
    return phase


def phase_condition(model, phase: str, day: date | None = None):
    """The SQL condition on ``model`` (Course) equivalent to ``phase_of(course) == phase``."""
    day = day or today()
    begun = [_begun(getattr(model, field), day, after) for _, field, after in PHASE_STARTS]
    index = PHASE_ORDER.index(phase)
    since = begun[index - 1] if index else True
    until = not_(begun[index]) if index < len(begun) else True
    return and_(since, until)


def not_closed_condition(model, day: date | None = None):
    """The SQL condition on ``model`` (Course): not in the "closed" phase on ``day`` (a date or
    a bind parameter, for statements built once)."""
    _, field, after = PHASE_STARTS[-1]
    return not_(_begun(getattr(model, field), today() if day is None else day, after))


# -- when dates change ----------------------------------------------------------------------------
class CourseDates(NamedTuple):
    """The dates a coordinator sets; everything else is derived from them."""
    pre_arrival_opens: date
    arrival: date
    departure: date
    report_months: tuple[int, ...]


def dates_of(course) -> CourseDates:
    return CourseDates(course.pre_arrival_opens, course.arrival, course.departure,
                       tuple(sorted(set(course.report_months or []))))


@dataclass(frozen=True)
class Moved:
    """A due date that a change of the course's dates moved, as participants are told: an
    assignment's (``title``, {lang: text}; its day in Japan) or a progress report's (``month``)."""
    old: date
    new: date
    title: dict | None = None
    month: int | None = None
    # Participants whose own date did not move (an extension fixes theirs).
    unchanged_for: frozenset[int] = frozenset()


_signals = Namespace()
# Sent by the course service after a course's dates changed, inside the same unit of work, with
# ``old`` and ``new`` (CourseDates). Receivers recompute what they derive and return the
# ``Moved`` items participants must be told about.
course_dates_changed = _signals.signal("course-dates-changed")


def announce_change(course, old: CourseDates) -> list[Moved]:
    """Send ``course_dates_changed`` if the dates differ from ``old``; what moved, in all."""
    new = dates_of(course)
    if new == old:
        return []
    results = course_dates_changed.send(course, old=old, new=new)
    return [item for _, moved in results for item in moved or ()]


# -- a course copied to another year -------------------------------------------------------------
# The course date each phase's fixed moments keep their distance to when a course is copied to
# other dates (its next year): work before and during the stay is counted towards the arrival,
# work after it from the departure.
YEAR_ANCHORS = {"pre-arrival": "arrival", "in-japan": "arrival", "post-return": "departure"}


def year_shift(anchor: str, old: CourseDates, new: CourseDates) -> timedelta:
    """How far a fixed moment counted from the course date ``anchor`` (a field of
    ``CourseDates``) moves when its course is copied from ``old`` to ``new`` dates: the days
    between that date then and now (Japan keeps no summer time, so the hour stays the same)."""
    return getattr(new, anchor) - getattr(old, anchor)


def moved_deadlines(phase: str, months: int | None, opens_at: datetime, due_at: datetime,
                    cutoff_at: datetime | None, old: CourseDates, new: CourseDates
                    ) -> tuple[datetime, datetime, datetime | None]:
    """An assignment's opening, due date and cut-off on a copy of its course with ``new``
    dates. A deadline counted from the departure is counted again (``due_after_departure``);
    a fixed one moves by ``year_shift`` of its phase's anchor. The opening and the cut-off move
    as the deadline did, so their order and the gaps between them are kept."""
    if months is not None:
        due = due_after_departure(new.departure, months)
        by = due - as_utc(due_at)
    else:
        by = year_shift(YEAR_ANCHORS.get(phase, "arrival"), old, new)
        due = as_utc(due_at) + by
    return (as_utc(opens_at) + by, due,
            as_utc(cutoff_at) + by if cutoff_at is not None else None)


@dataclass(frozen=True)
class Deadline:
    """A coming due date of a course, as a nominee is first told of it (its day in Japan)."""
    day: date
    title: dict


# Sent to ask for a course's deadlines still to come (``after``, a datetime): receivers return
# ``Deadline`` items. The nomination mail names the first of them, since no reminder goes to a
# nominee who has not yet accepted the invitation.
course_deadlines = _signals.signal("course-deadlines")


def first_deadlines(course, after: datetime, limit: int = 3) -> list[Deadline]:
    results = course_deadlines.send(course, after=after)
    found = sorted((item for _, items in results for item in items or ()),
                   key=lambda d: d.day)
    return found[:limit]

