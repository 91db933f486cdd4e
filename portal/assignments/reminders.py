"""``flask send-reminders`` (hourly): 7 days and 1 day before a participant's deadline and once
when it has passed, never twice for the same event, never to someone who has handed in."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..courses.models import Enrollment
from ..extensions import db
from ..i18n import as_utc
from . import notify
from .models import GRANTED, Assignment, Extension, SentReminder, Submission
from .services import deadline_for

WEEK, DAY = timedelta(days=7), timedelta(days=1)
OVERDUE_WINDOW = timedelta(days=30)  # an older deadline is history, not a reminder


def event_for(due_at: datetime, cutoff_at: datetime | None, now: datetime) -> str | None:
    """Which reminder is due now for a deadline, if any."""
    left = as_utc(due_at) - now
    if DAY < left <= WEEK:
        return "7d"
    if timedelta(0) < left <= DAY:
        return "1d"
    if -OVERDUE_WINDOW < left <= timedelta(0) and (cutoff_at is None or now < as_utc(cutoff_at)):
        return "overdue"
    return None


def _candidates(now: datetime) -> list[Assignment]:
    low, high = now - OVERDUE_WINDOW, now + WEEK
    extended = select(Extension.assignment_id).where(
        Extension.state == GRANTED, Extension.due_at > low, Extension.due_at <= high)
    return list(db.session.scalars(select(Assignment).where(
        Assignment.opens_at <= now,
        or_(Assignment.due_at.between(low, high), Assignment.id.in_(extended)))))


def _participants(assignment: Assignment) -> list[User]:
    handed_in = select(Submission.user_id).where(Submission.assignment_id == assignment.id,
                                                 Submission.submitted_at.is_not(None))
    return list(db.session.scalars(select(User).join(Enrollment, Enrollment.user_id == User.id)
                                   .where(Enrollment.course_id == assignment.course_id,
                                          Enrollment.is_active,
                                          User.active.is_(True), User.id.not_in(handed_in))))


def send_reminders(now: datetime) -> int:
    """Send what is due at ``now``; returns how many reminders went out. Safe to run twice at
    once: the unique key lets only one of them record (and send) each reminder."""
    sent = 0
    for assignment in _candidates(now):
        for user in _participants(assignment):
            deadline = deadline_for(assignment, user.id)
            kind = event_for(deadline.due_at, deadline.cutoff_at, now)
            if kind is None:
                continue
            try:
                with db.session.begin_nested():
                    db.session.add(SentReminder(assignment_id=assignment.id, user_id=user.id,
                                                kind=kind, due_at=deadline.due_at))
            except IntegrityError:
                continue  # sent already
            notify.reminder(user, assignment, kind, deadline.due_at)
            sent += 1
    return sent
