"""E-mail reminders for progress reports: 7 days before each is due, and once when overdue.

Each (plan, report, kind) is recorded in ``action_plan_reminders`` before its mail is queued, and
the unique constraint makes a second run (or two runs at once) send nothing twice.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auth.services import external_url
from ..courses.models import Course, Enrollment
from ..extensions import db
from ..mail import send_mail
from .models import ACCEPTED, REVISING, SUBMITTED, ActionPlan, PlanReminder
from .reports import due_date

SOON = timedelta(days=7)
OVERDUE_WINDOW = timedelta(days=60)  # an old forgotten report is not chased for ever


def events_for(plan: ActionPlan, today: date) -> list[tuple[int, date, str]]:
    done = {r.month for r in plan.reports if r.state == SUBMITTED}
    events = []
    for month in sorted(set(plan.course.report_months or [])):
        if month in done:
            continue
        due = due_date(plan.course, month)
        if due - SOON <= today <= due:
            events.append((month, due, "due-soon"))
        elif due < today <= due + OVERDUE_WINDOW:
            events.append((month, due, "overdue"))
    return events


def send_due(today: date | None = None) -> int:
    """Queue the reminders due today; returns how many were queued. Safe to run every hour."""
    today = today or date.today()
    plans = db.session.scalars(
        select(ActionPlan).join(Enrollment).join(Course)
        .where(ActionPlan.state.in_((ACCEPTED, REVISING)), Enrollment.is_alumnus,
               Course.departure < today)
        .options(selectinload(ActionPlan.reports), selectinload(ActionPlan.enrollment)
                 .selectinload(Enrollment.user))).all()
    sent = 0
    for plan in plans:
        author = plan.author
        if not author.active:
            continue
        for month, due, kind in events_for(plan, today):
            try:
                with db.session.begin_nested():
                    db.session.add(PlanReminder(plan_id=plan.id, month=month, kind=kind))
            except IntegrityError:
                continue  # sent already
            send_mail(author.email, "action_plan_reminder", author.language, kind=kind,
                      month=month, due=due, plan=plan, course=plan.course, author=author,
                      link=external_url("action_plans.report", plan_id=plan.id,
                                                     month=month))
            sent += 1
    return sent
