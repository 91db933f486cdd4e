"""Dashboard panels: questionnaires waiting for a participant; evaluations of the staff's
courses (the in-Japan and post-return ones, where answers come in)."""
from __future__ import annotations

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..core.dashboards import panel
from ..courses import services as courses
from ..courses.models import Course
from ..db_types import utcnow
from ..extensions import db
from . import services


@panel(order=30, roles=(PARTICIPANT,))
def to_answer(user):
    items = [(c, s) for c, s in services.open_for(user) if s == "open"]
    return ("evaluation/_panel_answer.html", {"items": items}) if items else None


@panel(order=60, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def course_evaluations(user):
    today = utcnow().date()
    query = courses.course_list(user).where(Course.arrival <= today,
                                            Course.closes_on >= today)
    found = list(db.session.execute(query.limit(10)).scalars())
    return ("evaluation/_panel_staff.html", {"courses": found}) if found else None
