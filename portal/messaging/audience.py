"""Who an announcement goes to: a course's people filtered by enrollment state, by progress on
one of its assignments and by country. One rule, read by the preview (how many) and by the
sending (who, recorded)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..assignments.models import ACCEPTED, DRAFT, RETURNED, SUBMITTED, Assignment, Submission
from ..assignments.services import deadlines_of_participants
from ..auth.models import User
from ..courses.models import Course, Enrollment, EnrollmentState
from ..extensions import db
from ..i18n import as_utc

# Progress on one assignment, each a test of (submission or None, the person's deadline, now).
NOT_STARTED, STARTED, NOT_HANDED_IN, OVERDUE, HANDED_IN, RETURNED_WORK, DONE = (
    "not_started", "started", "not_handed_in", "overdue", "handed_in", "returned", "accepted")


def _handed_in(sub: Submission | None) -> bool:
    return sub is not None and sub.submitted_at is not None


PROGRESS = {
    NOT_STARTED: lambda sub, due, now: sub is None,
    STARTED: lambda sub, due, now: sub is not None and sub.state == DRAFT
    and sub.submitted_at is None,
    NOT_HANDED_IN: lambda sub, due, now: not _handed_in(sub),
    OVERDUE: lambda sub, due, now: not _handed_in(sub) and as_utc(due) < now,
    HANDED_IN: lambda sub, due, now: sub is not None and sub.state == SUBMITTED,
    RETURNED_WORK: lambda sub, due, now: sub is not None and sub.state == RETURNED,
    DONE: lambda sub, due, now: sub is not None and sub.state == ACCEPTED,
}
# Everyone enrolled but those who withdrew, unless the writer picks states.
DEFAULT_STATES = tuple(s.value for s in EnrollmentState if s != EnrollmentState.WITHDRAWN)


@dataclass(frozen=True)
class Audience:
    """The filters as chosen: empty ``countries`` means every country; ``progress`` applies
    to ``assignment_id`` (both or neither)."""
    states: tuple[str, ...] = DEFAULT_STATES
    assignment_id: int | None = None
    progress: str | None = None
    countries: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"states": list(self.states), "assignment_id": self.assignment_id,
                "progress": self.progress, "countries": list(self.countries)}

    @classmethod
    def from_json(cls, data: dict) -> Audience:
        return cls(tuple(data.get("states") or ()), data.get("assignment_id"),
                   data.get("progress"), tuple(data.get("countries") or ()))


def problems(course: Course, audience: Audience) -> dict[str, tuple[str, dict]]:
    """What is wrong with the filters, field by field (all at once)."""
    found: dict[str, tuple[str, dict]] = {}
    if not audience.states or set(audience.states) - {s.value for s in EnrollmentState}:
        found["states"] = ("states_missing", {})
    if audience.progress is not None and audience.progress not in PROGRESS:
        found["progress"] = ("bad_progress", {})
    elif audience.progress is not None and audience.assignment_id is None:
        found["assignment"] = ("assignment_missing", {})
    if audience.assignment_id is not None and _assignment(course, audience) is None:
        found["assignment"] = ("bad_assignment", {})
    return found


def _assignment(course: Course, audience: Audience) -> Assignment | None:
    found = db.session.get(Assignment, audience.assignment_id)
    return found if found is not None and found.course_id == course.id else None


def recipients(course: Course, audience: Audience, now: datetime) -> list[User]:
    """The people the announcement reaches now, by name: enrolled in ``course`` in one of the
    states, with an account that is not deactivated, from one of the countries, and with the
    progress asked for. Two queries (three with a progress filter)."""
    query = (select(User).join(Enrollment, Enrollment.user_id == User.id)
             .where(Enrollment.course_id == course.id,
                    Enrollment.status.in_(audience.states), User.active.is_(True))
             .order_by(User.name, User.id))
    if audience.countries:
        query = query.where(User.country.in_(audience.countries))
    people = list(db.session.scalars(query))
    if audience.progress is None or not people:
        return people
    return _with_progress(_assignment(course, audience), people, PROGRESS[audience.progress],
                          now)


def _with_progress(assignment: Assignment, people: list[User], test, now: datetime
                   ) -> list[User]:
    ids = [p.id for p in people]
    work = {s.user_id: s for s in db.session.scalars(select(Submission).where(
        Submission.assignment_id == assignment.id, Submission.user_id.in_(ids)))}
    deadlines = deadlines_of_participants(assignment, ids)
    return [p for p in people if test(work.get(p.id), deadlines[p.id].due_at, now)]


def countries_of(course: Course) -> list[str]:
    """The countries of the course's people (enrolled, any state), for the country filter."""
    return sorted(c for c in db.session.scalars(
        select(User.country).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id, User.country.is_not(None)).distinct()) if c)


def clean_countries(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({c.strip().upper() for c in codes if c and c.strip()}))
