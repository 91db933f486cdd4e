"""Dashboard panels of the assignments domain."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..courses import services as courses
from ..courses.models import Course
from ..courses.panels import current_courses
from ..extensions import db
from ..home.panels import panel
from .models import REQUESTED, SUBMITTED, Assignment, Extension, Submission
from .page_data import due_next


@panel(order=20, roles=(PARTICIPANT,))
def assignments_due_next(user):
    return "assignments/_panel_due_next.html", {"rows": due_next(user)}


@panel(order=20, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def assignments_to_review(user):
    # Links only for courses not closed (as the courses panel): an admin sees every course
    # ever, and three links each would grow the dashboard without bound over the years.
    return "assignments/_panel_review.html", {
        "courses": current_courses(user), "coordinator": user.role != INSTRUCTOR,
        "waiting": waiting(user, Submission, Submission.state == SUBMITTED),
        "requests": waiting(user, Extension, Extension.state == REQUESTED)}


def waiting(user, model, condition) -> list[tuple[Assignment, int]]:
    """Assignments of every course ``user`` sees with rows of ``model`` waiting for staff
    (handed-in work, extension requests), how many, and their course: one query."""
    seen = courses.visible_courses(user).with_only_columns(Course.id)
    rows = db.session.execute(
        select(Assignment, func.count(model.id)).join(model).join(Assignment.course)
        .where(Assignment.course_id.in_(seen), condition)
        .group_by(Assignment.id, Course.id).order_by(Assignment.due_at)
        .options(contains_eager(Assignment.course)))
    return [(a, n) for a, n in rows]
