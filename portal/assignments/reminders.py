"""``flask send-reminders`` (hourly): 7 days and 1 day before a participant's deadline and once
when it has passed, never twice for the same event, never to someone who has handed in.

Reminders make sense to whoever reads them: none to a nominee who has not yet accepted the
invitation (their nomination mail names the first deadlines instead), never "overdue" for a
deadline that passed before the person was enrolled, and the subject says the real time left.
Each reminder is recorded with the outbox mail it was sent as, in one transaction: the unique key
keeps it from being sent twice, the outbox from being lost.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import dates
from ..action_plans import reminders as plan_reminders
from ..action_plans.models import ActionPlan
from ..auth.models import User
from ..courses.models import Enrollment
from ..extensions import db
from ..i18n import as_utc
from . import notify
from .models import GRANTED, Assignment, Extension, SentReminder, Submission
from .services import deadline_for

WEEK, DAY = timedelta(days=7), timedelta(days=1)
OVERDUE_WINDOW = timedelta(days=30)  # an older deadline is history, not a reminder


def event_for(due_at: datetime, cutoff_at: datetime | None, now: datetime,
              enrolled_at: datetime | None = None) -> str | None:
    """Which reminder is due now for a deadline, if any."""
    left = as_utc(due_at) - now
    if DAY < left <= WEEK:
        return "7d"
    if timedelta(0) < left <= DAY:
        return "1d"
    if -OVERDUE_WINDOW < left <= timedelta(0) and (cutoff_at is None or now < as_utc(cutoff_at)) \
            and (enrolled_at is None or as_utc(enrolled_at) <= as_utc(due_at)):
        return "overdue"
    return None


def _candidates(now: datetime) -> list[Assignment]:
    low, high = now - OVERDUE_WINDOW, now + WEEK
    extended = select(Extension.assignment_id).where(
        Extension.state == GRANTED, Extension.due_at > low, Extension.due_at <= high)
    return list(db.session.scalars(select(Assignment).where(
        Assignment.opens_at <= now,
        or_(Assignment.due_at.between(low, high), Assignment.id.in_(extended)))))


def _participants(assignment: Assignment) -> list[tuple[User, datetime]]:
    """Who has still to hand it in, with when they were enrolled: active people with an account
    they have opened (a password set), not those still to accept their invitation."""
    handed_in = select(Submission.user_id).where(Submission.assignment_id == assignment.id,
                                                 Submission.submitted_at.is_not(None))
    query = (select(User, Enrollment.created_at).join(Enrollment, Enrollment.user_id == User.id)
             .where(Enrollment.course_id == assignment.course_id, Enrollment.is_active,
                    User.active.is_(True), User.password_hash.is_not(None),
                    User.id.not_in(handed_in)))
    if assignment.plan_report_month is not None:
        # The same obligation as the plan's report of that month: whoever is reminded of that
        # report (send-plan-reminders) gets that one mail, not this one too.
        reminded = (select(Enrollment.user_id).join(ActionPlan, ActionPlan.enrollment_id ==
                                                     Enrollment.id)
                    .where(plan_reminders.REMINDED,
                           Enrollment.course_id == assignment.course_id))
        query = query.where(User.id.not_in(reminded))
    return list(db.session.execute(query).all())


def send_reminders(now: datetime) -> int:
    """Queue in the outbox what is due at ``now``; returns how many reminders were queued. Safe
    to run twice at once: the unique key lets only one of them record (and send) each one."""
    queued = 0
    for assignment in _candidates(now):
        for user, enrolled_at in _participants(assignment):
            deadline = deadline_for(assignment, user.id)
            kind = event_for(deadline.due_at, deadline.cutoff_at, now, enrolled_at)
            if kind is None:
                continue
            try:
                with db.session.begin_nested():
                    sent = SentReminder(assignment_id=assignment.id, user_id=user.id, kind=kind,
                                        due_at=deadline.due_at)
                    db.session.add(sent)
                    db.session.flush()
                    mail = notify.reminder(user, assignment, kind, deadline.due_at, now)
                    db.session.flush()
                    sent.mail_id = mail.id
            except IntegrityError:
                continue  # sent already
            queued += 1
    return queued


@dates.course_deadlines.connect
def _coming_deadlines(course, after: datetime) -> list[dates.Deadline]:
    """The course's assignments still to fall due, for the nomination mail; not one that is
    the action plan's report of its month (an older pair: one obligation, the plan's)."""
    return [dates.Deadline(dates.japan_day(a.due_at), a.title)
            for a in db.session.scalars(select(Assignment).where(
                Assignment.course_id == course.id, Assignment.due_at > after)
                .order_by(Assignment.due_at).limit(5))
            if a.plan_report_month is None]
