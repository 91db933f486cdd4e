"""Assignments and their deadlines, and the participant's work: drafts, submitting, versions.
Services flush; the request commits."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Row, bindparam, delete, select
from sqlalchemy.orm import contains_eager

from .. import audit, dates, domain_errors
from ..courses import notify
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db, read_rows
from ..i18n import as_utc, localize
from ..messaging import notices as staff_notices
from .models import (
    ACCEPTED,
    DRAFT,
    GRANTED,
    REFUSED,
    REQUESTED,
    RETURNED,
    SUBMITTED,
    Assignment,
    Extension,
    SentReminder,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)


class Invalid(domain_errors.Invalid):
    """Input refused field by field: a hand-in (``text``, ``file``, ``statement``), an
    assignment's dates, a review (``decision``, ``feedback``), an extension's dates."""

    messages = "portal.assignments.messages"


class RuleBroken(DomainError):
    """A domain rule refuses the request: ``code`` names it (messages.py), ``status`` the HTTP
    status to answer with."""

    messages = "portal.assignments.messages"


# -- assignments ---------------------------------------------------------------------------------
# What the assignment form sets (``due_at`` apart: it may be counted from the departure).
_SAVED = ("phase", "title", "instructions", "statement", "opens_at", "cutoff_at", "asks",
          "file_types", "max_files", "max_size_mb", "due_months_after_departure")


def save_assignment(assignment: Assignment, data: dict) -> Assignment:
    """Set an assignment's fields from ``data`` (the form's cleaned values) and compute its
    due date when it is counted from the course's departure. Refuses with an ``Invalid``
    naming every wrong date (``assignment_problems``). A new assignment, or a change (the
    fields that changed), is recorded in the audit log; participants are told a new due day."""
    problems = assignment_problems(assignment.course, data)
    if problems:
        raise Invalid(problems)
    created = assignment.id is None
    before = {} if created else {name: getattr(assignment, name) for name in _SAVED + ("due_at",)}
    _set_fields(assignment, data)
    if created:
        db.session.add(assignment)
    db.session.flush()
    changed = sorted(name for name, value in before.items() if getattr(assignment, name) != value)
    if created or changed:
        _record(assignment, created, changed)
    if "due_at" in changed:
        _tell_due_day_moved(assignment, before["due_at"])
    return assignment


def _record(assignment: Assignment, created: bool, changed: list[str]) -> None:
    """In the audit log: made, or changed (the fields that changed)."""
    audit.record("assignment.create" if created else "assignment.update", assignment,
                 code=assignment.course.code, title=localize(assignment.title, lang="en").text,
                 fields=changed)


def _set_fields(assignment: Assignment, data: dict) -> None:
    """The form's values, the due date counted from the departure when it is relative."""
    for name in _SAVED:
        setattr(assignment, name, data[name])
    assignment.due_at = data["due_at"]
    if assignment.due_months_after_departure is not None:
        assignment.due_at = dates.due_after_departure(assignment.course.departure,
                                                      assignment.due_months_after_departure)


def _tell_due_day_moved(assignment: Assignment, old_due) -> None:
    """Participants told of a new due day (a new hour on the same day tells nobody), as when
    the course's dates move."""
    old_day, new_day = dates.japan_day(old_due), dates.japan_day(assignment.due_at)
    if old_day != new_day:
        notify.dates_moved(assignment.course, [dates.Moved(
            old_day, new_day, title=assignment.title,
            unchanged_for=_not_concerned(assignment))], because="assignment")


def work_on(assignment: Assignment) -> int:
    """How many participants have started this assignment (any version, a draft too) or asked
    for more time on it: what deleting it would lose."""
    started = select(Submission.user_id).where(Submission.assignment_id == assignment.id)
    asked = select(Extension.user_id).where(Extension.assignment_id == assignment.id)
    return len(set(db.session.scalars(started.union(asked))))


def delete_assignment(assignment: Assignment) -> None:
    """Delete an assignment nobody has started nor asked more time on (a mistake, a
    duplicate); refused (409) once anyone has, so no participant's text or file is lost. The
    reminders sent about it go with it; the deletion is in the audit log."""
    started = work_on(assignment)
    if started:
        raise RuleBroken("assignment_has_work", 409, num=started)
    audit.record("assignment.delete", assignment, code=assignment.course.code,
                 title=localize(assignment.title, lang="en").text,
                 due_at=assignment.due_at.isoformat())
    db.session.execute(delete(SentReminder).where(SentReminder.assignment_id == assignment.id))
    db.session.delete(assignment)
    db.session.flush()


# The field of the assignment form each date problem belongs beside.
PROBLEM_FIELDS = {"same_as_plan_report": "due_months", "opens_after_due": "opens_at",
                  "cutoff_before_due": "cutoff_at"}


def assignment_problems(course, data: dict) -> dict[str, tuple[str, dict]]:
    """``date_problems`` of an assignment's ``data`` in ``course``, by form field; nothing
    while a date that the checks compare is missing (the form says so)."""
    months = data.get("due_months_after_departure")
    due_at = dates.due_after_departure(course.departure, months) if months is not None \
        else data.get("due_at")
    if data.get("opens_at") is None or due_at is None:
        return {}
    found = date_problems(data["phase"], months, course.report_months, data["opens_at"],
                          due_at, data.get("cutoff_at"))
    return {PROBLEM_FIELDS[p.code]: (p.code, p.params) for p in found}


def due_at_report_months(course_id: int, report_months: list[int]) -> dict[int, list[Assignment]]:
    """The course's assignments that are the action plan's report of one of ``report_months``
    (``dates.plan_report_month``), by month: a report month added to a course that has such
    an assignment would ask alumni for one report twice."""
    found: dict[int, list[Assignment]] = {}
    if not report_months:
        return found
    for assignment in db.session.scalars(select(Assignment).where(
            Assignment.course_id == course_id,
            Assignment.due_months_after_departure.in_(report_months))
            .order_by(Assignment.due_at, Assignment.id)):
        month = dates.plan_report_month(assignment.phase, assignment.due_months_after_departure,
                                        report_months)
        if month is not None:
            found.setdefault(month, []).append(assignment)
    return found


def date_problems(phase: str, months: int | None, report_months, opens_at: datetime,
                  due_at: datetime, cutoff_at: datetime | None) -> list[RuleBroken]:
    """What ``save_assignment`` refuses in an assignment's dates, every problem at once (a
    course's copy to its next year lists them all before anything is written)."""
    problems = []
    if dates.plan_report_month(phase, months, report_months) is not None:
        # The action plan's progress report at that month is this obligation already: two
        # entries due the same day would ask alumni for one report twice.
        problems.append(RuleBroken("same_as_plan_report", months=months))
    if opens_at > due_at:
        problems.append(RuleBroken("opens_after_due"))
    if cutoff_at is not None and cutoff_at < due_at:
        problems.append(RuleBroken("cutoff_before_due"))
    return problems


def refresh_relative_deadlines(course) -> list[tuple[Assignment, datetime]]:
    """Recompute the deadlines counted from the course's departure: (assignment, old due_at)
    of each that moved."""
    moved = []
    for a in db.session.scalars(select(Assignment).where(
            Assignment.course_id == course.id,
            Assignment.due_months_after_departure.is_not(None)).order_by(Assignment.id)):
        due = dates.due_after_departure(course.departure, a.due_months_after_departure)
        if as_utc(a.due_at) != due:
            moved.append((a, a.due_at))
            a.due_at = due
    db.session.flush()
    return moved


@dates.course_dates_changed.connect
def _follow_course_dates(course, old, new) -> list[dates.Moved]:
    """The course's dates changed: relative deadlines follow; participants with an extension
    that sets their own due date keep it. An assignment that is a plan report the course asks
    for before and after the change is told as that report (action_plans.reminders), once."""
    kept = set(old.report_months) & set(new.report_months)
    return [dates.Moved(dates.japan_day(old_due), dates.japan_day(a.due_at), title=a.title,
                        unchanged_for=_not_concerned(a))
            for a, old_due in refresh_relative_deadlines(course)
            if dates.plan_report_month(a.phase, a.due_months_after_departure, kept) is None]


def _not_concerned(assignment: Assignment) -> frozenset[int]:
    """Participants a move of ``assignment``'s due date does not concern: an extension gave
    them their own date, or their work is handed in or accepted."""
    return frozenset(db.session.scalars(select(Extension.user_id).where(
        Extension.assignment_id == assignment.id, Extension.state == GRANTED,
        Extension.due_at.is_not(None)).union(select(Submission.user_id).where(
            Submission.assignment_id == assignment.id,
            Submission.state.in_((SUBMITTED, ACCEPTED))))))


def assignments_of_course(course_id: int) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.course_id == course_id)
                                   .order_by(Assignment.due_at, Assignment.id)))


# -- assignments that are a plan's report (made before they were refused) ----------------------
def _post_return_counted(course_ids):
    """Post-return assignments counted from the departure in those courses, their course read
    with them: the candidates for ``Assignment.plan_report_month`` (report months are a JSON
    list, so the month itself is compared in Python, by that one rule)."""
    return (select(Assignment).join(Assignment.course).options(contains_eager(Assignment.course))
            .where(Assignment.course_id.in_(course_ids), Assignment.phase == "post-return",
                   Assignment.due_months_after_departure.is_not(None)))


def plan_report_assignments(course_ids, user_id: int
                            ) -> dict[tuple[int, int], list[tuple[Assignment, Submission | None]]]:
    """(course id, report month) -> the assignments of those courses that are the action
    plan's report of that month, each with ``user_id``'s work on it (or None): one query."""
    found: dict[tuple[int, int], list] = {}
    if not course_ids:
        return found
    rows = db.session.execute(
        _post_return_counted(list(course_ids)).add_columns(Submission)
        .outerjoin(Submission, (Submission.assignment_id == Assignment.id)
                   & (Submission.user_id == user_id)).order_by(Assignment.id))
    for assignment, submission in rows:
        month = assignment.plan_report_month
        if month is not None:
            found.setdefault((assignment.course_id, month), []).append((assignment, submission))
    return found


def handed_in_as_assignment(course_ids) -> set[tuple[int, int, int]]:
    """(course id, report month, user id) of each plan report a participant has handed in as
    an assignment that is that report: one query."""
    if not course_ids:
        return set()
    rows = db.session.execute(
        _post_return_counted(list(course_ids)).add_columns(Submission.user_id)
        .join(Submission, Submission.assignment_id == Assignment.id)
        .where(Submission.submitted_at.is_not(None)))
    return {(a.course_id, a.plan_report_month, user_id) for a, user_id in rows
            if a.plan_report_month is not None}


# -- deadlines -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    cutoff_at: datetime | None
    extended: bool


# Which granted extension holds: the latest decided (then the latest made).
_LATEST_DECIDED = (Extension.decided_at.desc(), Extension.id.desc())


@dataclass(frozen=True)
class Extensions:
    """A participant's extensions of one assignment: the latest granted (its dates are their
    deadlines), a request not answered yet, and the latest answer (granted or refused) their
    work page shows."""
    granted: Extension | None
    pending: Extension | None
    answered: Extension | None


def participant_extensions(assignment: Assignment, user_id: int) -> Extensions:
    """Every extension of ``user_id`` on ``assignment`` in one query (a few rows at most)."""
    found = list(db.session.scalars(select(Extension).where(
        Extension.assignment_id == assignment.id, Extension.user_id == user_id)
        .order_by(*_LATEST_DECIDED)))
    answers = [e for e in found if e.state in (GRANTED, REFUSED)]
    return Extensions(
        granted=next((e for e in found if e.state == GRANTED), None),
        pending=next((e for e in found if e.state == REQUESTED), None),
        answered=max(answers, key=lambda e: e.id, default=None))


def deadline_for(assignment: Assignment, user_id: int,
                 extensions: Extensions | None = None) -> Deadline:
    """The participant's deadlines: the assignment's, or those of their latest extension
    (``extensions``: when the caller has them already)."""
    extensions = extensions or participant_extensions(assignment, user_id)
    return deadline_with(assignment, extensions.granted)


def latest_granted(assignment_id, user_id):
    """The id of the extension whose dates hold for ``user_id`` on an assignment, as a scalar
    subquery (each argument a column or a bound parameter): for a query that reads the
    assignments and their deadlines at once."""
    return (select(Extension.id).where(Extension.assignment_id == assignment_id,
                                       Extension.user_id == user_id, Extension.state == GRANTED)
            .order_by(*_LATEST_DECIDED).limit(1).scalar_subquery())


@cache
def _granted_query():
    """Built once, ids bound when it runs (the calendar feed reads many assignments' deadlines
    at once; the dashboard's list has them in its own query, ``latest_granted``). The columns
    ``deadline_with`` reads, latest decided first."""
    return (select(Extension.assignment_id, Extension.due_at, Extension.cutoff_at).where(
        Extension.assignment_id.in_(bindparam("assignment_ids", expanding=True)),
        Extension.user_id == bindparam("user_id"), Extension.state == GRANTED)
        .order_by(*_LATEST_DECIDED))


def deadlines_for(assignments: Sequence, user_id: int) -> dict[int, Deadline]:
    """``deadline_for`` of many assignments at once (one query), by assignment id
    (``assignments``: objects or rows with the assignment's ``id``, ``due_at`` and
    ``cutoff_at``). Reads what is stored: for pages, not for a request that grants one."""
    latest: dict[int, Row] = {}
    if assignments:
        for ext in read_rows(_granted_query(), {
                "assignment_ids": [a.id for a in assignments], "user_id": user_id}):
            latest.setdefault(ext.assignment_id, ext)
    return {a.id: deadline_with(a, latest.get(a.id)) for a in assignments}


def deadlines_of_participants(assignment: Assignment, user_ids: list[int]) -> dict[int, Deadline]:
    """``deadline_for`` of many participants of one assignment at once (one query), by user."""
    latest: dict[int, Extension] = {}
    for ext in db.session.scalars(select(Extension).where(
            Extension.assignment_id == assignment.id, Extension.user_id.in_(user_ids),
            Extension.state == GRANTED)
            .order_by(*_LATEST_DECIDED)):
        latest.setdefault(ext.user_id, ext)
    return {user_id: deadline_with(assignment, latest.get(user_id)) for user_id in user_ids}


def deadline_with(assignment, ext) -> Deadline:
    """The deadlines an extension (an ``Extension``, or anything with its ``due_at`` and
    ``cutoff_at``) or none leaves."""
    if ext is None:
        return Deadline(assignment.due_at, assignment.cutoff_at, False)
    return Deadline(ext.due_at or assignment.due_at, ext.cutoff_at, True)


# -- the participant's work ----------------------------------------------------------------------
def find_submission(assignment: Assignment, user_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.assignment_id == assignment.id,
                                                      Submission.user_id == user_id))


def editable_version(assignment: Assignment, user) -> SubmissionVersion:
    """The draft to write into: the current one, or a new version (carrying over the text and
    files) after a return. Refused while handed in or once accepted."""
    submission = find_submission(assignment, user.id)
    if submission is None:
        submission = Submission(assignment=assignment, user=user, state=DRAFT)
        db.session.add(submission)
    current = submission.current
    if current is None or current.state == RETURNED:
        version = SubmissionVersion(number=(current.number + 1) if current else 1, state=DRAFT,
                                    text=current.text if current else "")
        submission.versions.append(version)
        if current is not None:
            version.files = [SubmissionFile(file=f.file, kind="attachment")
                             for f in current.attachments]
        db.session.flush()
        return version
    if current.state != DRAFT:
        raise RuleBroken("not_editable", 409)
    return current


def check_open(assignment: Assignment, now: datetime) -> None:
    if now < as_utc(assignment.opens_at):
        raise RuleBroken("not_open_yet", 409)


def save_draft(assignment: Assignment, user, text: str, now: datetime | None = None
               ) -> SubmissionVersion:
    now = now or utcnow()
    check_open(assignment, now)
    version = editable_version(assignment, user)
    version.text = text
    version.draft_saved_at = now
    db.session.flush()
    return version


def submit(assignment: Assignment, user, text: str, statement_accepted: bool,
           now: datetime | None = None) -> SubmissionVersion:
    """Hand the draft in: checks what is asked, the statement and the cut-off (extensions
    apply); marks it late after the due date."""
    now = now or utcnow()
    version = save_draft(assignment, user, text, now)
    deadline = deadline_for(assignment, user.id)
    if deadline.cutoff_at is not None and now > as_utc(deadline.cutoff_at):
        raise RuleBroken("after_cutoff", 409)
    problems = hand_in_problems(assignment, version.attachments, text, statement_accepted)
    if problems:
        raise Invalid(problems)
    version.statement_accepted = statement_accepted
    version.state, version.submitted_at = SUBMITTED, now
    version.late = now > as_utc(deadline.due_at)
    submission = version.submission
    submission.state, submission.late, submission.submitted_at = SUBMITTED, version.late, now
    db.session.flush()
    staff_notices.work_handed_in(version)  # the course's staff hear of it, as each chose
    return version


def hand_in_problems(assignment: Assignment, attachments: list, text: str,
                     statement_accepted: bool) -> dict[str, tuple[str, dict]]:
    """What a hand-in of ``text`` with ``attachments`` lacks, field by field (``text``,
    ``file``, ``statement``), every problem at once: one round trip on a slow link. ``submit``
    refuses on it; the work page asks it too when the text or a file was refused first."""
    problems: dict[str, tuple[str, dict]] = {}
    if assignment.wants_text and not text.strip():
        problems["text"] = ("text_missing", {})
    if assignment.wants_files and not attachments:
        problems["file"] = ("files_missing", {})
    elif len(attachments) > assignment.max_files:
        problems["file"] = ("too_many_files", {"limit": assignment.max_files})
    if _statement_required(assignment) and not statement_accepted:
        problems["statement"] = ("statement_missing", {})
    return problems


def _statement_required(assignment: Assignment) -> bool:
    return any(v and v.strip() for v in (assignment.statement or {}).values())


def review(submission: Submission, reviewer, decision: str, feedback: str,
           now: datetime | None = None) -> SubmissionVersion:
    """Return the handed-in version for revision, or accept it. Refuses with an ``Invalid``
    naming what the review lacks (``review_problems``)."""
    version = submission.current
    if version is None or version.state != SUBMITTED:
        raise RuleBroken("not_reviewable", 409)
    problems = review_problems(decision, feedback)
    if problems:
        raise Invalid(problems)
    version.state, version.feedback = decision, feedback
    version.reviewer, version.reviewed_at = reviewer, now or utcnow()
    submission.state = decision
    db.session.flush()
    audit.record("submission.return" if decision == RETURNED else "submission.accept",
                 submission, actor=reviewer, assignment_id=submission.assignment_id,
                 participant_id=submission.user_id, version=version.number)
    return version


def review_problems(decision: str | None, feedback: str) -> dict[str, tuple[str, dict]]:
    """What a review lacks, by field (``decision``, ``feedback``), every problem at once: the
    review page asks it too when its form or the feedback file was refused."""
    if decision not in (RETURNED, ACCEPTED):
        return {"decision": ("bad_decision", {})}
    if decision == RETURNED and not feedback.strip():
        # "Returned" without a reason helps no one
        return {"feedback": ("feedback_missing", {})}
    return {}


def version_of(submission: Submission, number: int) -> SubmissionVersion | None:
    return next((v for v in submission.versions if v.number == number), None)
