"""The action-plan panels of the dashboard: a participant's plans, the plans staff review."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, func, select

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..auth.models import User
from ..courses.models import Course, Enrollment
from ..courses.panels import StatementUser
from ..courses.services import enrollments_of
from ..extensions import read_rows
from ..home.panels import panel
from ..urls import url_with_ids
from . import services
from .models import SUBMITTED, ActionPlan, PlanVersion

REVIEW_PANEL_SIZE = 50


@panel(order=30, roles=(PARTICIPANT,))
def my_action_plans(user):
    """The participant's courses (read once for the dashboard) with their plans, if any."""
    enrollments = [e for e in enrollments_of(user) if e.is_participating]
    if not enrollments:
        return None
    plans = {p.enrollment_id: p for p in read_rows(_my_plans_query(), {"user_id": user.id})}
    link, states = url_with_ids("action_plans.view", "plan_id"), services.state_labels()
    rows = [(e.course.code, plans.get(e.id)) for e in enrollments]
    return "action_plans/_panel.html", {"rows": [
        (code, plan and {"url": link(plan.id), "language": plan.language,
                         "title": plan.title,
                         "state": states[plan.state]}) for code, plan in rows]}


@cache
def _my_plans_query():
    """The columns the panel shows of the user's plans (one per enrollment): the title, not
    the whole text."""
    return (select(ActionPlan.enrollment_id, ActionPlan.id, ActionPlan.language,
                   ActionPlan.title.label("title"), ActionPlan.state)
            .join(ActionPlan.enrollment).where(Enrollment.user_id == bindparam("user_id")))


@panel(order=30, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def plans_to_review(user):
    rows = waiting_for_review(user)
    if not rows:
        return None
    link = url_with_ids("action_plans.view", "plan_id")
    return "action_plans/_panel_review.html", {"plans": [
        {"url": link(r.id), "author": r.author, "code": r.code, "language": r.language,
         "title": r.version_title if r.version_id else r.title,
         "submitted": r.version_at if r.version_id else r.updated_at} for r in rows],
        "more": rows[0].total - len(rows)}


@cache
def _waiting_query(role: str):
    """Built once per role, the user's id bound when it runs."""
    latest = (select(func.max(PlanVersion.number)).where(PlanVersion.plan_id == ActionPlan.id)
              .correlate(ActionPlan).scalar_subquery())
    return (select(ActionPlan.id, ActionPlan.language, ActionPlan.title.label("title"),
                   ActionPlan.updated_at, User.name.label("author"), Course.code,
                   PlanVersion.id.label("version_id"), PlanVersion.title.label("version_title"),
                   PlanVersion.created_at.label("version_at"),
                   func.count().over().label("total"))
            .join(ActionPlan.enrollment).join(Enrollment.course).join(Enrollment.user)
            .outerjoin(PlanVersion, (PlanVersion.plan_id == ActionPlan.id)
                       & (PlanVersion.number == latest))
            .where(ActionPlan.state == SUBMITTED, Course.staffed_by(StatementUser(role)))
            .order_by(ActionPlan.updated_at, ActionPlan.id).limit(REVIEW_PANEL_SIZE))


def waiting_for_review(user) -> list:
    """Submitted plans of the courses ``user`` is staff of, oldest first, each with its latest
    version's title and date, its author and course, and how many wait in all (``total``):
    one query of the columns the panel shows (titles, not the plans' whole text), filtered
    and bounded in SQL (the program holds thousands of plans)."""
    return read_rows(_waiting_query(user.role), {"user_id": user.id})
