"""A course copied to its next year (issue 17.2): planned and shown first, written on
confirmation.

``plan(source, new)`` reads only: what the copy will hold with the new code and dates, and
every problem at once. ``make(plan, by)`` writes it in the caller's unit of work (flush only):

- the course (titles, description, objectives, outline, subject, languages... from the source;
  code and dates as given), its instructors and coordinators (accounts still active and still
  of that role), and ``previous_id`` pointing to the source;
- its assignments, each moved to the new dates by ``dates.moved_deadlines`` (a deadline counted
  from the departure is counted again; a fixed one moves with its phase's key date), saved by
  ``assignments.services.save_assignment`` so the assignment rules apply;
- its evaluation questions (``evaluation.services.copy_questions``) and their opening day,
  moved with the departure;
- its catalogue outline, with the series written out so the years stay one series whatever the
  new code;
- the library materials related to the source by code are related to the copy too.

Never copied: participants, their work, action plans, extensions, evaluation answers, the
year's General Information document. Coordinators and admins only (``Course.can_manage``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import String, cast, select

from .. import audit, dates
from ..access import COORDINATOR, INSTRUCTOR
from ..assignments import services as assignments
from ..assignments.models import Assignment
from ..auth.models import User
from ..catalogue import services as catalogue
from ..catalogue.models import OUTLINE_FIELDS, CourseOutline, code_stem
from ..domain_errors import DomainError
from ..evaluation import services as evaluation
from ..evaluation.models import Question
from ..extensions import db
from ..library.models import Material
from . import services
from .forms import CONTENT_FIELDS
from .models import Course, forget_course_access

# Copied from the source as they are; the code and the dates come from the coordinator.
COPIED_FIELDS = CONTENT_FIELDS + ("subject", "program_type", "training_center", "region",
                                  "languages")
_YEAR = re.compile(r"(\d{4})$")


class RolloverRefused(DomainError):
    """The copy cannot be made as asked (``code_taken``: another course has the code now,
    ``problems``: an assignment's dates break a rule; the preview lists them)."""

    messages = "portal.courses.messages"


@dataclass(frozen=True)
class NewYear:
    """What the coordinator gives: the new code and dates (``fiscal_year`` None: counted from
    the arrival)."""
    code: str
    pre_arrival_opens: date
    arrival: date
    departure: date
    report_months: list[int]
    fiscal_year: int | None = None

    @property
    def dates(self) -> dates.CourseDates:
        return dates.CourseDates(self.pre_arrival_opens, self.arrival, self.departure,
                                 tuple(sorted(set(self.report_months))))


@dataclass
class AssignmentCopy:
    source: Assignment
    opens_at: datetime
    due_at: datetime
    cutoff_at: datetime | None
    problems: list[DomainError] = field(default_factory=list)


@dataclass
class Plan:
    source: Course
    new: NewYear
    fiscal_year: int
    assignments: list[AssignmentCopy]
    questions: list[Question]
    evaluation_opens: tuple[date, date] | None   # (old, new) when set apart from the departure
    instructors: list[User]
    coordinators: list[User]
    left_out: list[User]        # staff not copied: deactivated, or of another role now
    materials: list[Material]
    outline: CourseOutline | None
    series: str

    @property
    def problems(self) -> list[tuple[AssignmentCopy, DomainError]]:
        return [(a, p) for a in self.assignments for p in a.problems]


# ------------------------------------------------------------------ proposing


def next_code(code: str, year: int) -> str:
    """The code of the copy: the year at the end of the code replaced ("FISH-FRA-2026" ->
    "FISH-FRA-2027"), else the year added."""
    if _YEAR.search(code):
        return _YEAR.sub(str(year), code)[:40]
    return ("%s-%d" % (code[:35], year))


def proposal(source: Course) -> dict:
    """The form's first values: the same dates a year later, the code with the next year."""
    def later(day: date) -> date:
        return dates.add_months(day, 12)
    arrival = later(source.arrival)
    return {"code": next_code(source.code, dates.fiscal_year_of(arrival)),
            "pre_arrival_opens": later(source.pre_arrival_opens), "arrival": arrival,
            "departure": later(source.departure),
            "report_months": ", ".join(str(m) for m in source.report_months or [])}


def copies_of(source: Course) -> list[Course]:
    """The courses already copied from ``source``."""
    return list(db.session.scalars(select(Course).where(Course.previous_id == source.id)
                                   .order_by(Course.arrival)))


# ------------------------------------------------------------------ planning (reads only)


def plan(source: Course, new: NewYear) -> Plan:
    old_dates, new_dates = dates.dates_of(source), new.dates
    copies = []
    for a in assignments.assignments_of_course(source.id):
        opens, due, cutoff = dates.moved_deadlines(a.phase, a.due_months_after_departure,
                                                   a.opens_at, a.due_at, a.cutoff_at,
                                                   old_dates, new_dates)
        copies.append(AssignmentCopy(a, opens, due, cutoff, assignments.date_problems(
            a.phase, a.due_months_after_departure, new.report_months, opens, due, cutoff)))
    questionnaire = evaluation.questionnaire_of(source)
    opens_on = questionnaire.opens_on if questionnaire is not None else None
    instructors, coordinators, left_out = _staff(source)
    outline = db.session.get(CourseOutline, source.id)
    return Plan(
        source=source, new=new,
        fiscal_year=new.fiscal_year or dates.fiscal_year_of(new.arrival),
        assignments=copies,
        questions=list(questionnaire.questions) if questionnaire is not None else [],
        evaluation_opens=(opens_on, opens_on + dates.year_shift("departure", old_dates,
                                                                new_dates))
        if opens_on is not None else None,
        instructors=instructors, coordinators=coordinators, left_out=left_out,
        materials=related_materials(source.code), outline=outline,
        series=evaluation.series_key(source))


def _staff(source: Course) -> tuple[list[User], list[User], list[User]]:
    keep = {INSTRUCTOR: [], COORDINATOR: []}
    left_out = []
    for role, people in ((INSTRUCTOR, source.instructors), (COORDINATOR, source.coordinators)):
        for person in sorted(people, key=lambda p: (p.name.casefold(), p.id)):
            (keep[role] if person.active and person.role == role else left_out).append(person)
    return keep[INSTRUCTOR], keep[COORDINATOR], left_out


def related_materials(code: str) -> list[Material]:
    """The library materials that name the course's code among their related courses."""
    found = db.session.scalars(select(Material).where(
        cast(Material.courses, String).contains(code, autoescape=True)).order_by(Material.id))
    return [m for m in found if code in (m.courses or [])]  # the exact code, not a part of one


# ------------------------------------------------------------------ making (writes)


def make(plan: Plan, by: User) -> Course:
    """Write the copy ``plan`` describes; flush only. Refused when the code was taken meanwhile
    or an assignment's dates break a rule (the preview shows those first)."""
    source, new = plan.source, plan.new
    if services.code_taken(new.code):
        raise RolloverRefused("code_taken", 409, code=new.code)
    if plan.problems:
        raise RolloverRefused("problems", 400)
    course = services.save_course(None, _course_values(plan), by)
    course.previous_id = source.id
    coordinators = _coordinators(plan, by)
    course.coordinators = coordinators
    course.instructors = list(plan.instructors)
    db.session.flush()
    forget_course_access()
    for item in plan.assignments:
        _copy_assignment(course, item, by)
    copied_questions = _copy_questions(course, plan)
    if plan.outline is not None or code_stem(new.code) != plan.series:
        _copy_outline(course, plan)
    for material in plan.materials:
        material.courses = [*(material.courses or []), new.code]
    db.session.flush()
    audit.record("course.rollover", course, actor=by, code=course.code, source=source.code,
                 source_id=source.id, assignments=len(plan.assignments),
                 questions=copied_questions, materials=len(plan.materials),
                 staff=len(coordinators) + len(plan.instructors))
    return course


def _course_values(plan: Plan) -> dict:
    """The copy's fields: the source's content, the new code and dates."""
    new = plan.new
    values = {name: _copy(getattr(plan.source, name)) for name in COPIED_FIELDS}
    values.update(code=new.code, pre_arrival_opens=new.pre_arrival_opens, arrival=new.arrival,
                  departure=new.departure, report_months=sorted(set(new.report_months)),
                  fiscal_year=plan.fiscal_year)
    return values


def _coordinators(plan: Plan, by: User) -> list[User]:
    """The source's coordinators still active in that role, and who makes the copy if a
    coordinator: they run it, as for a new course."""
    coordinators = list(plan.coordinators)
    if by.role == COORDINATOR and all(c.id != by.id for c in coordinators):
        coordinators.append(by)
    return coordinators


def _copy_questions(course: Course, plan: Plan) -> int:
    """The source's evaluation questions, and their opening day moved; how many were copied."""
    if not plan.questions:
        return 0
    copied = evaluation.copy_questions(course, plan.source)
    if plan.evaluation_opens is not None:
        evaluation.set_opening(course, plan.evaluation_opens[1])
    return copied


def _copy(value):
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _copy_assignment(course: Course, item: AssignmentCopy, by: User) -> Assignment:
    a = item.source
    copy = Assignment(course=course, created_by_id=by.id)
    return assignments.save_assignment(copy, {
        "phase": a.phase, "title": dict(a.title or {}),
        "instructions": dict(a.instructions or {}), "statement": dict(a.statement or {}),
        "opens_at": item.opens_at, "due_at": item.due_at, "cutoff_at": item.cutoff_at,
        "asks": a.asks, "file_types": list(a.file_types or []), "max_files": a.max_files,
        "max_size_mb": a.max_size_mb, "due_months_after_departure": a.due_months_after_departure})


def _copy_outline(course: Course, plan: Plan) -> None:
    """The catalogue outline, with the series written out: the copy stays in the source's
    series (evaluation.series, the years compared) even under a code of another stem."""
    values = {name: dict(getattr(plan.outline, name) or {}) for name in OUTLINE_FIELDS} \
        if plan.outline is not None else {}
    catalogue.save_outline(course, values, plan.series)
