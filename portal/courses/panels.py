"""Dashboard panels of the courses domain, and the course lists other panels build on: read
once per request (several panels show the same courses), each in one query."""
from __future__ import annotations

from functools import cache

from flask import g
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from .. import dates
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..extensions import db
from ..home.panels import panel
from . import services
from .models import Course, Enrollment

STAFF_PANEL_SIZE = 20


@cache
def _enrollments_query():
    """Built once: making a statement costs more than running it on a small table."""
    return (select(Enrollment).join(Enrollment.course).options(contains_eager(Enrollment.course))
            .where(Enrollment.user_id == bindparam("user_id"))
            .order_by(Course.arrival.desc(), Course.id))


def enrollments_with_courses(user) -> list[Enrollment]:
    """The user's enrollments with their courses, newest arrival first (once per request)."""
    if "dashboard_enrollments" not in g:
        g.dashboard_enrollments = list(db.session.scalars(_enrollments_query(),
                                                          {"user_id": user.id}))
    return g.dashboard_enrollments


def current_courses(user) -> list[Course]:
    """The courses not closed that ``user`` teaches or coordinates (admins: all), newest
    arrival first (once per request)."""
    if "dashboard_courses" not in g:
        query = services.course_list(user).where(dates.not_closed_condition(Course))
        g.dashboard_courses = list(db.session.scalars(query))
    return g.dashboard_courses


@panel(order=10, roles=(PARTICIPANT,))
def my_courses(user):
    """Each of the participant's courses on its phase timeline."""
    return "courses/_panel_timeline.html", {
        "items": [(e, services.timeline(e.course)) for e in enrollments_with_courses(user)]}


@panel(order=10, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def staff_courses(user):
    courses = current_courses(user)[:STAFF_PANEL_SIZE]
    return "courses/_panel_staff.html", {
        "courses": courses, "counts": services.enrollment_counts([c.id for c in courses])}
