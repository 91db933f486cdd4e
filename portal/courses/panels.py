"""Dashboard panels of the courses domain (they replace the foundation's simple ones)."""
from __future__ import annotations

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..core.dashboards import panel
from ..db_types import utcnow
from ..extensions import db
from . import services
from .models import Course


@panel(order=10, roles=(PARTICIPANT,))
def my_courses(user):
    """Each of the participant's courses on its phase timeline."""
    enrollments = services.enrollments_of(user)
    return "courses/_panel_timeline.html", {
        "items": [(e, services.timeline(e.course)) for e in enrollments]}


@panel(order=10, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def staff_courses(user):
    """The courses the user teaches or coordinates (admins: all) that are not closed yet."""
    query = services.course_list(user).where(
        Course.closes_on >= utcnow().date())
    courses = list(db.session.execute(query.limit(20)).scalars())
    return "courses/_panel_staff.html", {
        "courses": courses, "counts": services.enrollment_counts([c.id for c in courses])}
