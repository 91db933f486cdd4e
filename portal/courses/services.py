"""Course rules: who sees and manages which course, editing, staff, enrollment states.

Who sees a course (decided for issue 4, point 9): its staff (``Course.is_staff``: admins see
every course, coordinators the courses they coordinate, instructors the ones they teach; whoever
creates a course coordinates it) and the participants enrolled in it, in any state (alumni keep
access). Anything else answers 404, so an id in a URL reveals nothing. The vocabulary of access
is in docs/ACCESS.md. Services only flush.
"""
from __future__ import annotations

from datetime import date
from functools import cache

from flask import abort, g, has_app_context
from sqlalchemy import Select, and_, bindparam, event, exists, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from .. import audit, dates
from ..access import ADMIN, COORDINATOR, STAFF
from ..auth.models import User
from ..extensions import db
from . import notify
from .models import Course, Enrollment, EnrollmentState, forget_course_access

# ------------------------------------------------------------------ who sees what


def visible_courses(user) -> Select:
    """A query of the courses ``user`` may see (see the module docstring)."""
    query = select(Course)
    if user.role in STAFF:
        return query.where(Course.staffed_by(user))
    return query.where(exists().where(and_(Enrollment.course_id == Course.id,
                                           Enrollment.user_id == user.id)))


def can_see(user, course: Course) -> bool:
    return db.session.execute(visible_courses(user).where(Course.id == course.id)
                              .with_only_columns(Course.id)).first() is not None


def course_for(user, course_id: int, manage: bool = False, teach: bool = False) -> Course:
    """The course if ``user`` may see it (and manage or teach it when asked), else 404."""
    course = db.session.get(Course, course_id)
    if course is None or not can_see(user, course):
        abort(404)
    if (manage and not course.can_manage(user)) or (teach and not course.is_staff(user)):
        abort(404)
    return course


def enrollment_of(user, course: Course) -> Enrollment | None:
    return db.session.execute(select(Enrollment).where(
        Enrollment.course_id == course.id, Enrollment.user_id == user.id)).scalar_one_or_none()


# ------------------------------------------------------------------ lists


@cache
def _enrollments_query():
    """Built once: making a statement costs more than running it on a small table."""
    return (select(Enrollment).join(Enrollment.course)
            .options(contains_eager(Enrollment.course).options(*Course.without_long_texts()))
            .where(Enrollment.user_id == bindparam("user_id"))
            .order_by(Course.arrival.desc(), Course.id))


def enrollments_of(user) -> list[Enrollment]:
    """The user's enrollments with their courses (their facts, not their long texts), newest
    arrival first: one query, read once per request (the dashboard's panels each need them)."""
    memo = g.setdefault("enrollments_of", {})
    if user.id not in memo:
        memo[user.id] = list(db.session.scalars(_enrollments_query(), {"user_id": user.id}))
    return memo[user.id]


@event.listens_for(Session, "after_flush")
def _forget_enrollments(session: Session, _flush) -> None:
    """An enrollment added, changed or removed: ``enrollments_of`` reads them again."""
    if has_app_context() and "enrollments_of" in g and any(
            isinstance(o, Enrollment) for o in (*session.new, *session.dirty, *session.deleted)):
        g.pop("enrollments_of")


def course_list(user, fiscal_year: int | None = None, phase: str | None = None,
                subject: str | None = None, text: str = "") -> Select:
    """The courses ``user`` sees, filtered, newest arrival first."""
    query = visible_courses(user).order_by(Course.arrival.desc(), Course.code)
    if fiscal_year:
        query = query.where(Course.fiscal_year == fiscal_year)
    if phase:
        query = query.where(dates.phase_condition(Course, phase))
    if subject:
        query = query.where(Course.subject == subject)
    if text:
        query = query.where(Course.code.icontains(text.strip(), autoescape=True))
    return query


def fiscal_years(user) -> list[int]:
    sub = visible_courses(user).subquery()
    return list(db.session.execute(select(sub.c.fiscal_year).distinct()
                                   .order_by(sub.c.fiscal_year.desc())).scalars())


def enrollment_counts(course_ids: list[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = db.session.execute(select(Enrollment.course_id, func.count())
                              .where(Enrollment.course_id.in_(course_ids), Enrollment.is_active)
                              .group_by(Enrollment.course_id)).all()
    return dict(rows)


def participants(course: Course, status: str | None = None) -> list[Enrollment]:
    query = (select(Enrollment).join(User).where(Enrollment.course_id == course.id)
             .options(selectinload(Enrollment.user)).order_by(User.country, User.name, User.id))
    if status:
        query = query.where(Enrollment.status == status)
    return list(db.session.execute(query).scalars())


# ------------------------------------------------------------------ editing


def date_problems(opens: date | None, arrival: date | None, departure: date | None) -> dict:
    """{field: message} for dates out of order; messages are lazy strings."""
    from ..i18n import lazy_gettext as _l
    problems = {}
    if arrival and departure and departure <= arrival:
        problems["departure"] = _l("The departure from Japan must come after the arrival.")
    if opens and arrival and opens >= arrival:
        problems["pre_arrival_opens"] = _l("The pre-arrival phase must open before the arrival "
                                           "in Japan.")
    if arrival and departure and (departure - arrival).days > 366:
        problems["departure"] = _l("A stay in Japan longer than a year is not a course: check "
                                   "the dates.")
    return problems


def code_taken(code: str, except_id: int | None = None) -> bool:
    query = select(Course.id).where(func.lower(Course.code) == code.lower())
    if except_id:
        query = query.where(Course.id != except_id)
    return db.session.execute(query).first() is not None


def save_course(course: Course | None, values: dict, by: User) -> Course:
    """Create (``course`` None) or update a course from cleaned ``values``. When the dates of an
    existing course change, what derives from them follows (``dates.course_dates_changed``) and
    the participants whose due dates moved are told."""
    if course is None:
        return _create_course(values, by)
    old = dates.dates_of(course)
    changed = sorted(f for f, v in values.items() if getattr(course, f) != v)
    _write(course, values)
    if changed:
        audit.record("course.update", course, actor=by, code=course.code, fields=changed)
    notify.dates_moved(course, dates.announce_change(course, old))
    return course


def _create_course(values: dict, by: User) -> Course:
    """A new course; a coordinator who creates it coordinates it."""
    course = Course()
    course.coordinators = [by] if by.role == COORDINATOR else []
    db.session.add(course)
    _write(course, values)
    audit.record("course.create", course, actor=by, code=course.code, fields=sorted(values))
    return course


def _write(course: Course, values: dict) -> None:
    """Set ``values`` on ``course`` (the fiscal year, unless given, counted from the arrival)
    and flush."""
    for field, value in values.items():
        setattr(course, field, value)
    if not course.fiscal_year:
        course.fiscal_year = dates.fiscal_year_of(course.arrival)
    db.session.flush()


def add_staff(course: Course, person: User, kind: str) -> bool:
    """Assign ``person`` as instructor or coordinator; False if already assigned."""
    members = course.instructors if kind == "instructor" else course.coordinators
    if any(m.id == person.id for m in members):
        return False
    members.append(person)
    db.session.flush()
    audit.record("course.staff_add", course, code=course.code, person=person.email, kind=kind)
    forget_course_access()
    return True


def may_remove_staff(actor, kind: str, person_id: int) -> bool:
    """Whether ``actor`` (who manages the course) may take this person off its ``kind`` list:
    anyone but themself from the coordinators, unless an admin (a course is never left by
    mistake without the coordinator who was managing it)."""
    return not (kind == "coordinator" and person_id == actor.id and actor.role != ADMIN)


def remove_staff(course: Course, person_id: int, kind: str) -> bool:
    members = course.instructors if kind == "instructor" else course.coordinators
    kept = [m for m in members if m.id != person_id]
    changed = len(kept) != len(members)
    members[:] = kept
    db.session.flush()
    if changed:
        audit.record("course.staff_remove", course, code=course.code, person_id=person_id,
                     kind=kind)
    forget_course_access()
    return changed


def set_states(course: Course, enrollment_ids: list[int], state: str) -> int:
    """Move the given enrollments of ``course`` to ``state``; returns how many changed."""
    state = EnrollmentState(state)  # ValueError if it is none
    moved = []
    for e in course.enrollments:
        if e.id in enrollment_ids and e.status != state:
            e.status = state
            moved.append(e.id)
    db.session.flush()
    if moved:
        audit.record("course.enrollment_states", course, code=course.code, state=str(state),
                     enrollment_ids=moved)
    return len(moved)


def complete_course(course: Course) -> int:
    """The course has ended: everyone accepted or in progress becomes an alumnus."""
    ids = [e.id for e in course.enrollments if e.is_participating and not e.is_alumnus]
    return set_states(course, ids, EnrollmentState.COMPLETED)


def timeline(course: Course, today: date | None = None) -> list[dict]:
    """The three phases with their dates, for the participant's timeline."""
    current = dates.PHASE_ORDER.index(course.phase(today))
    reports = dates.report_due_dates(course)
    last = reports[-1][1] if reports else dates.add_months(course.departure, 1)
    steps = (("pre-arrival", course.pre_arrival_opens, course.arrival),
             ("in-japan", course.arrival, course.departure),
             ("post-return", course.departure, last))
    return [{"phase": phase, "start": start, "end": end,
             "current": current == dates.PHASE_ORDER.index(phase),
             "done": current > dates.PHASE_ORDER.index(phase),
             **({"reports": reports} if phase == "post-return" else {})}
            for phase, start, end in steps]
