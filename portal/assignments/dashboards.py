"""Dashboard panels and the header link of the assignments domain."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..core.dashboards import panel
from ..core.navigation import nav_link
from ..courses import services as courses
from ..courses.models import Course
from ..db_types import utcnow
from ..extensions import db
from . import reports
from .views import due_next

nav_link("assignments.mine", _l("My assignments"), order=30, roles=(PARTICIPANT,))


@panel(order=20, roles=(PARTICIPANT,))
def assignments_due_next(user):
    return "assignments/_panel_due_next.html", {"rows": due_next(user)}


@panel(order=20, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def assignments_to_review(user):
    visible = courses.visible_courses(user)
    ids = list(db.session.scalars(visible.with_only_columns(Course.id)))
    # Links only for courses not closed (as the courses panel): an admin sees every course
    # ever, and three links each would grow the dashboard without bound over the years.
    taught = list(db.session.scalars(visible.where(Course.closes_on >= utcnow().date())
                                     .order_by(Course.arrival.desc())))
    return "assignments/_panel_review.html", {"courses": taught,
                                              "waiting": reports.waiting_for_review(ids),
                                              "requests": reports.extension_requests(ids),
                                              "coordinator": user.role != INSTRUCTOR}
