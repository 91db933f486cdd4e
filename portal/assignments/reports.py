"""What staff follow: the review queue, the participants-by-assignments matrix, its CSV, and
completion by country as a server-rendered SVG chart."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..courses.models import Enrollment
from ..exports import Sheet
from ..extensions import db
from ..i18n import country_name, gettext as _
from .models import (
    ACCEPTED,
    SUBMITTED,
    Assignment,
    Submission,
)
from .services import assignments_of_course


def queue(course_id: int, assignment_id: int | None = None, state: str | None = None,
          country: str | None = None, late: bool | None = None) -> list[Submission]:
    """Handed-in work of a course, oldest waiting first."""
    query = (select(Submission).join(Assignment).join(User, Submission.user_id == User.id)
             .where(Assignment.course_id == course_id, Submission.submitted_at.is_not(None))
             .options(selectinload(Submission.user), selectinload(Submission.assignment))
             .order_by(Submission.submitted_at))
    if assignment_id:
        query = query.where(Submission.assignment_id == assignment_id)
    if state:
        query = query.where(Submission.state == state)
    if country:
        query = query.where(User.country == country)
    if late is not None:
        query = query.where(Submission.late.is_(late))
    return list(db.session.scalars(query))


def participants(course_id: int, country: str | None = None) -> list[User]:
    query = (select(User).join(Enrollment, Enrollment.user_id == User.id)
             .where(Enrollment.course_id == course_id, Enrollment.is_active)
             .order_by(User.country, User.name))
    if country:
        query = query.where(User.country == country)
    return list(db.session.scalars(query))


@dataclass
class Matrix:
    assignments: list[Assignment]
    people: list[User]
    cells: dict[tuple[int, int], Submission] = field(default_factory=dict)
    countries: list[str] = field(default_factory=list)

    def cell(self, user_id: int, assignment_id: int) -> Submission | None:
        return self.cells.get((user_id, assignment_id))


def matrix(course_id: int, country: str | None = None) -> Matrix:
    assignments = assignments_of_course(course_id)
    everyone = participants(course_id)
    people = [p for p in everyone if not country or p.country == country]
    return Matrix(assignments, people, cells=_submissions(assignments, people),
                  countries=sorted({p.country for p in everyone if p.country}))


def _submissions(assignments: list[Assignment], people: list[User]) -> dict:
    """Each person's submission to each assignment, by (user id, assignment id); one query,
    none when either list is empty."""
    if not assignments or not people:
        return {}
    found = db.session.scalars(select(Submission).where(
        Submission.assignment_id.in_([a.id for a in assignments]),
        Submission.user_id.in_([p.id for p in people])))
    return {(s.user_id, s.assignment_id): s for s in found}


def matrix_rows(m: Matrix, state_labels: dict, review_url: Callable[[int], str]) -> list[tuple]:
    """The matrix for its page, made in one pass (a course's page has hundreds of cells): per
    person their name, their country's name and a cell per assignment (state, the link to the
    work handed in or "", the state's label, late), each state's label and each country's name
    looked up once, not once a cell or a row."""
    labels = {state: str(label) for state, label in state_labels.items()}
    names: dict[str | None, str] = {}
    rows = []
    for person in m.people:
        if person.country not in names:
            names[person.country] = country_name(person.country)
        cells = []
        for a in m.assignments:
            s = m.cells.get((person.id, a.id))
            cells.append(("missing", "", labels["missing"], False) if s is None else (
                s.state, review_url(s.id) if s.submitted_at else "", labels[s.state],
                bool(s.late)))
        rows.append((person.name, names[person.country], cells))
    return rows


def matrix_sheet(m: Matrix, titles: list[str], state_labels: dict, headers: list[str]) -> Sheet:
    """The matrix as a table, for portal/exports.py to write as CSV or XLSX."""
    rows = []
    for person in m.people:
        row = [person.name, person.email, person.country or ""]
        for a in m.assignments:
            s = m.cell(person.id, a.id)
            row.append(str(state_labels["missing"]) if s is None else
                       str(state_labels[s.state]) + (" *" if s.late else ""))
        rows.append(row)
    return Sheet(_("Progress matrix"), [str(h) for h in headers + titles], rows)


@dataclass(frozen=True)
class Bar:
    country: str
    label: str
    done: int
    total: int


# What counts as handed in, wherever completion is counted: the matrix's bars, the years of a
# course compared.
HANDED_IN = (SUBMITTED, ACCEPTED)


def completion_by_country(m: Matrix) -> list[Bar]:
    """Per country: how many of the (participant, assignment) pairs are handed in or accepted."""
    done, total = defaultdict(int), defaultdict(int)
    for person in m.people:
        for a in m.assignments:
            s = m.cell(person.id, a.id)
            total[person.country] += 1
            if s is not None and s.state in HANDED_IN:
                done[person.country] += 1
    return [Bar(c or "", country_name(c) if c else "?", done[c], total[c])
            for c in sorted(total, key=lambda c: country_name(c) if c else "")]


def countries(course_id: int) -> list[str]:
    return sorted({p.country for p in participants(course_id) if p.country})



def completion_of_courses(course_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(handed in, expected) per course, as the matrix counts them: every pair of an active
    participant and an assignment is expected, those handed in or accepted are done."""
    if not course_ids:
        return {}
    assignments = dict(db.session.execute(
        select(Assignment.course_id, func.count()).where(Assignment.course_id.in_(course_ids))
        .group_by(Assignment.course_id)).all())
    people = dict(db.session.execute(
        select(Enrollment.course_id, func.count()).where(Enrollment.course_id.in_(course_ids),
                                                         Enrollment.is_active)
        .group_by(Enrollment.course_id)).all())
    done = dict(db.session.execute(
        select(Assignment.course_id, func.count()).select_from(Submission)
        .join(Assignment, Submission.assignment_id == Assignment.id)
        .join(Enrollment, and_(Enrollment.course_id == Assignment.course_id,
                               Enrollment.user_id == Submission.user_id))
        .where(Assignment.course_id.in_(course_ids), Enrollment.is_active,
               Submission.state.in_(HANDED_IN))
        .group_by(Assignment.course_id)).all())
    return {c: (done.get(c, 0), assignments.get(c, 0) * people.get(c, 0)) for c in course_ids}
