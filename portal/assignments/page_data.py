"""What the participant's pages show (data for the thin views, not views), gathered in one place."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from .. import dates
from ..courses.models import Course, Enrollment
from ..db_types import utcnow
from ..extensions import read_rows
from ..i18n import localize
from ..uploads import services as uploads
from . import files, services
from .forms import ExtensionRequestForm
from .models import ACCEPTED, DRAFT, RETURNED, SUBMITTED, Assignment, Extension, Submission
from .timing import countdown


@cache
def _assignments_query():
    """Built once (making a statement costs more than running it): the assignments of a user's
    courses (not withdrawn), each with the user's submission's state if any, as the columns the
    pages show (rows, not ORM objects: the dashboard reads them on every visit), and the dates
    of the user's extension that holds, if any."""
    me, granted = bindparam("user_id"), aliased(Extension, name="granted")
    return (select(Assignment.id, Assignment.course_id, Assignment.phase, Assignment.title,
                   Assignment.opens_at, Assignment.due_at, Assignment.cutoff_at,
                   Assignment.due_months_after_departure, Course.title.label("course_title"),
                   Course.report_months, Submission.state, Submission.late,
                   granted.id.label("extension_id"), granted.due_at.label("extension_due_at"),
                   granted.cutoff_at.label("extension_cutoff_at"))
            .join(Course).join(Enrollment, Enrollment.course_id == Course.id)
            .outerjoin(Submission, (Submission.assignment_id == Assignment.id)
                       & (Submission.user_id == me))
            .outerjoin(granted, granted.id == services.latest_granted(Assignment.id, me))
            .where(Enrollment.user_id == me, Enrollment.is_active)
            .order_by(Assignment.due_at, Assignment.id))


class _Granted(NamedTuple):
    """The dates of an extension, as ``services.deadline_with`` reads them."""
    due_at: datetime | None
    cutoff_at: datetime | None


def my_assignments(user) -> list[dict]:
    """Every assignment of the user's courses, with their state and deadline, soonest first."""
    now = utcnow()
    return [_with_countdown(row, now) for row in _rows(user, now)]


def due_next(user, limit: int = 5) -> list[dict]:
    """The next ``limit`` assignments the user still has to hand in (the dashboard's)."""
    now = utcnow()
    return [_with_countdown(row, now) for row in _rows(user, now)
            if row["open"] and row["report_month"] is None
            and row["state"] in ("missing", DRAFT, RETURNED)][:limit]


def _rows(user, now) -> list[dict]:
    rows = []
    # One query for all of them: this list is on every participant's dashboard.
    for assignment in read_rows(_assignments_query(), {"user_id": user.id}):
        granted = None if assignment.extension_id is None else _Granted(
            assignment.extension_due_at, assignment.extension_cutoff_at)
        # An assignment that is the action plan's report of its month is sent from the plan:
        # listed (work handed in stays reachable), but as that report, never due on its own.
        rows.append({"assignment": assignment,
                     "deadline": services.deadline_with(assignment, granted),
                     "state": assignment.state or "missing", "late": bool(assignment.late),
                     "open": assignment.opens_at <= now,
                     "report_month": dates.plan_report_month(
                         assignment.phase, assignment.due_months_after_departure,
                         assignment.report_months)})
    rows.sort(key=lambda r: r["deadline"].due_at)
    return rows


def _with_countdown(row: dict, now) -> dict:
    """The row with its countdown ("due in 3 days"), for work still to hand in: written only
    for the rows a page shows (each is a few translations)."""
    due = row["state"] not in (SUBMITTED, ACCEPTED) and row["report_month"] is None
    row["countdown"] = countdown(row["deadline"].due_at, now) if due else ""
    return row


def upload_purpose(assignment: Assignment):
    """What the upload field needs: the purpose's name with this assignment's own rules."""
    return SimpleNamespace(name=files.SUBMISSION_PURPOSE, policy=files.policy_for(assignment))


_LOOK_UP = object()


def work_context(assignment: Assignment, user, form, ext_form=None,
                 submission=_LOOK_UP) -> dict:
    """What the work page shows (``submission``: when the caller has read it already)."""
    now = utcnow()
    if submission is _LOOK_UP:
        submission = services.find_submission(assignment, user.id)
    current = submission.current if submission else None
    editable = current is None or current.state in (DRAFT, RETURNED)
    extensions = services.participant_extensions(assignment, user.id)  # one query for three uses
    deadline = services.deadline_for(assignment, user.id, extensions)
    purpose = upload_purpose(assignment)
    return {
        "assignment": assignment, "submission": submission, "current": current,
        "editable": editable and assignment.opens_at <= now,
        "not_open": assignment.opens_at > now,
        "closed": deadline.cutoff_at is not None and now > deadline.cutoff_at,
        "attachments": current.attachments if current else [],
        "returned": current if current is not None and current.state == RETURNED else None,
        "deadline": deadline, "countdown": countdown(deadline.due_at, now),
        "instructions": localize(assignment.instructions),
        "statement": localize(assignment.statement), "form": form,
        "ext_form": ext_form or ExtensionRequestForm(),
        "pending_request": extensions.pending, "extension_answer": extensions.answered,
        "purpose": purpose, "form_limit": min(uploads.form_limit(purpose),
                                               purpose.policy.max_size),
        "upload_widget": "uploads" in current_app.blueprints,
    }
