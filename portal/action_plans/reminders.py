"""E-mail reminders for progress reports: 7 days before each is due, and once when overdue.

Each (plan, report, kind) is recorded in ``action_plan_reminders`` with the outbox mail it is
sent as, in one transaction: the unique constraint makes a second run (or two runs at once) send
nothing twice, and the outbox delivers it with retries or lists it as failed. No reminder goes to
someone who never accepted the invitation, nor "overdue" for a date before their enrollment.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import dates
from ..assignments import services as assignments
from ..auth.services import external_url
from ..courses.models import Course, Enrollment
from ..extensions import db
from ..i18n import format_time_left
from ..mail import send_mail
from .models import ACCEPTED, REVISING, SUBMITTED, ActionPlan, PlanReminder

SOON = timedelta(days=7)
# Whose plans are reminded of their reports (a condition on ActionPlan joined to Enrollment):
# alumni with an accepted plan, or one being revised after it was accepted.
REMINDED = and_(ActionPlan.state.in_((ACCEPTED, REVISING)), Enrollment.is_alumnus)
OVERDUE_WINDOW = timedelta(days=60)  # an old forgotten report is not chased for ever


def events_for(plan: ActionPlan, today: date, handed_in=frozenset()) -> list[tuple[int, date, str]]:
    """The reminders due ``today`` for the plan's reports. ``handed_in`` holds (course id,
    month, user id) of reports handed in as an assignment that is that report
    (``assignments.services.handed_in_as_assignment``): met, so not chased."""
    done = _months_met(plan, handed_in)
    enrolled_on = plan.enrollment.created_at.date() if plan.enrollment.created_at else None
    events = []
    for month, due in dates.report_due_dates(plan.course):
        kind = _reminder_kind(due, today, enrolled_on)
        if kind is not None and month not in done:
            events.append((month, due, kind))
    return events


def _months_met(plan: ActionPlan, handed_in) -> set[int]:
    """The months whose report is in: submitted with the plan, or handed in as an
    assignment."""
    done = {r.month for r in plan.reports if r.state == SUBMITTED}
    return done | {month for course_id, month, user_id in handed_in
                   if course_id == plan.course.id and user_id == plan.enrollment.user_id}


def _reminder_kind(due: date, today: date, enrolled_on: date | None) -> str | None:
    """The reminder ``today`` calls for about a report due on ``due``: "due-soon" in the week
    up to it, "overdue" for a while after it (unless the person enrolled later), else None."""
    if due - SOON <= today <= due:
        return "due-soon"
    if due < today <= due + OVERDUE_WINDOW and (enrolled_on is None or enrolled_on <= due):
        return "overdue"
    return None


@dates.course_dates_changed.connect
def _follow_course_dates(course, old, new) -> list[dates.Moved]:
    """Report dates follow the departure (they are derived, never stored); the reminders sent
    about a date that moved are forgotten, so that the new date gets its own."""
    moved = [dates.Moved(dates.report_due(old, m), dates.report_due(new, m), month=m)
             for m in new.report_months if m in old.report_months]
    moved = [m for m in moved if m.old != m.new]
    if moved:
        plans = select(ActionPlan.id).join(Enrollment).where(Enrollment.course_id == course.id)
        db.session.execute(delete(PlanReminder).where(
            PlanReminder.plan_id.in_(plans), PlanReminder.month.in_([m.month for m in moved])))
    return moved


def send_due(today: date | None = None) -> int:
    """Queue in the outbox the reminders due today; returns how many. Safe to run every hour."""
    today = today or dates.today()
    plans = db.session.scalars(
        select(ActionPlan).join(Enrollment).join(Course)
        .where(REMINDED, Course.departure < today)
        .options(selectinload(ActionPlan.reports), selectinload(ActionPlan.enrollment)
                 .selectinload(Enrollment.user))).all()
    handed_in = assignments.handed_in_as_assignment({p.enrollment.course_id for p in plans})
    queued = 0
    for plan in plans:
        author = plan.author
        if not author.active or not author.password_hash:
            continue
        for month, due, kind in events_for(plan, today, handed_in):
            try:
                with db.session.begin_nested():
                    reminder = PlanReminder(plan_id=plan.id, month=month, kind=kind)
                    db.session.add(reminder)
                    db.session.flush()
                    reminder.mail_id = _send(plan, author, month, due, kind, today).id
            except IntegrityError:
                continue  # sent already
            queued += 1
    return queued


def _send(plan: ActionPlan, author, month: int, due: date, kind: str, today: date):
    left = format_time_left(due - today, author.language) if due > today else None
    mail = send_mail(author.email, "action_plan_reminder", author.language, kind=kind,
                     month=month, due=due, left=left, plan=plan, course=plan.course,
                     author=author,
                     link=external_url("action_plans.report", plan_id=plan.id, month=month))
    db.session.flush()
    return mail
