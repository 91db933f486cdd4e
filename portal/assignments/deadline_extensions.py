"""Extensions of a participant's deadlines: asked for with a reason, or granted directly."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .. import audit
from ..db_types import utcnow
from ..extensions import db
from ..i18n import as_utc
from ..messaging import notices as staff_notices
from .models import ACCEPTED, GRANTED, REFUSED, REQUESTED, SUBMITTED, Assignment, Extension
from .services import Invalid, RuleBroken, find_submission, participant_extensions


def pending_request(assignment: Assignment, user_id: int) -> Extension | None:
    return participant_extensions(assignment, user_id).pending


def request_extension(assignment: Assignment, user, reason: str, wanted: datetime | None
                      ) -> Extension:
    if not reason.strip():
        raise RuleBroken("reason_missing")
    if pending_request(assignment, user.id) is not None:
        raise RuleBroken("request_pending", 409)
    submission = find_submission(assignment, user.id)
    if submission is not None and submission.state in (SUBMITTED, ACCEPTED):
        raise RuleBroken("already_handed_in", 409)  # more time for work already handed in
    ext = Extension(assignment=assignment, user=user, reason=reason.strip(), state=REQUESTED,
                    due_at=wanted)
    db.session.add(ext)
    db.session.flush()
    staff_notices.extension_requested(ext)
    return ext


def grant_problems(due_at: datetime | None, cutoff_at: datetime | None,
                   granting: bool | None = True) -> dict[str, tuple[str, dict]]:
    """What an extension's new dates lack, by field (``due_at``, ``cutoff_at``), every problem
    at once: ``grant`` refuses on it, and the extension forms ask it with their fields' own
    problems. ``granting``: None while the answer (grant or refuse) is not chosen yet, when
    only the dates typed are compared; False (a refusal) needs no dates."""
    problems: dict[str, tuple[str, dict]] = {}
    if granting is False:
        return problems
    if due_at is None:
        if granting:
            problems["due_at"] = ("due_missing", {})
    elif cutoff_at is not None and as_utc(cutoff_at) < as_utc(due_at):
        problems["cutoff_at"] = ("cutoff_before_due", {})
    return problems


def grant(assignment: Assignment, user_id: int, by, due_at: datetime | None,
          cutoff_at: datetime | None, answer: str = "") -> Extension:
    """Staff give a participant new deadlines (answering their pending request, if any).
    Refuses with an ``Invalid`` naming every wrong date (``grant_problems``)."""
    problems = grant_problems(due_at, cutoff_at)
    if problems:
        raise Invalid(problems)
    ext = pending_request(assignment, user_id) or Extension(assignment=assignment,
                                                           user_id=user_id)
    ext.state, ext.due_at, ext.cutoff_at, ext.answer = GRANTED, due_at, cutoff_at, answer
    ext.decided_at, ext.decided_by_id = utcnow(), by.id
    if ext.id is None:
        db.session.add(ext)
    db.session.flush()
    audit.record("extension.grant", ext, actor=by, assignment_id=assignment.id,
                 participant_id=user_id, due_at=due_at.isoformat())
    return ext


def answer_request(ext: Extension, by, granted: bool, due_at: datetime | None,
                   cutoff_at: datetime | None, answer: str) -> Extension:
    if ext.state != REQUESTED:
        raise RuleBroken("already_answered", 409)
    if granted:
        return grant(ext.assignment, ext.user_id, by, due_at, cutoff_at, answer)
    ext.state, ext.answer, ext.decided_at, ext.decided_by_id = REFUSED, answer, utcnow(), by.id
    db.session.flush()
    audit.record("extension.refuse", ext, actor=by, assignment_id=ext.assignment_id,
                 participant_id=ext.user_id)
    return ext


def extensions_of(assignment: Assignment) -> list[Extension]:
    return list(db.session.scalars(select(Extension).where(
        Extension.assignment_id == assignment.id).order_by(Extension.requested_at.desc())))
