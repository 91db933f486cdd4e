"""Dashboard panels of the courses domain, and the course lists other panels build on: read
once per request (several panels show the same courses), each in one query."""
from __future__ import annotations

from functools import cache

from flask import g
from flask_babel import get_locale
from markupsafe import escape
from sqlalchemy import Date, Row, bindparam, func, select

from .. import dates
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..extensions import read_rows
from ..home.panels import panel
from ..i18n import content, date_formatter
from ..urls import url_with_ids
from . import services
from .models import Course, Enrollment
from .vocabulary import PHASES

STAFF_PANEL_SIZE = 20


class StatementUser:
    """A user as a statement built once per role sees it: the role decides the statement's
    shape, the id is bound when it runs (``{"user_id": user.id}``)."""
    is_authenticated = True
    id = bindparam("user_id")

    def __init__(self, role: str):
        self.role = role


@cache
def _current_courses_query(role: str):
    """The columns the staff panels show (rows, not ORM objects: the panels only display
    them), and the dates ``dates.phase_of`` reads."""
    active = (select(func.count()).where(Enrollment.course_id == Course.id, Enrollment.is_active)
              .correlate(Course).scalar_subquery())
    return (services.course_list(StatementUser(role))
            .where(dates.not_closed_condition(Course, bindparam("today", type_=Date)))
            .with_only_columns(Course.id, Course.code, Course.title, Course.pre_arrival_opens,
                               Course.arrival, Course.departure, Course.report_months,
                               active.label("participants")))


def current_courses(user) -> list[Row]:
    """The courses not closed that ``user`` teaches or coordinates (admins: all), newest
    arrival first, each with its active enrollments (``participants``): one query, once per
    request (several panels show them)."""
    if "dashboard_courses" not in g:
        g.dashboard_courses = read_rows(
            _current_courses_query(user.role), {"user_id": user.id, "today": dates.today()})
    return g.dashboard_courses


@panel(order=10, roles=(PARTICIPANT,))
def my_courses(user):
    """Each of the participant's courses on its phase timeline; the timeline's dates (eight a
    course) formatted with the locale's pattern looked up once, the same text."""
    return "courses/_panel_timeline.html", {
        "items": [(e, services.timeline(e.course)) for e in services.enrollments_of(user)],
        "format_date": date_formatter()}


@panel(order=10, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def staff_courses(user):
    """Rows made in one pass, as tuples (the template unpacks them): the reader's language,
    date pattern and link looked up once, each phase's name translated once."""
    lang, day, link = str(get_locale()), date_formatter(), url_with_ids("courses.show", "course_id")
    courses = [(c, dates.phase_of(c)) for c in current_courses(user)[:STAFF_PANEL_SIZE]]
    # Each phase's name translated once (not once a row), escaped as the template would.
    names = {phase: escape(PHASES[phase]) for phase in {phase for _, phase in courses}}
    return "courses/_panel_staff.html", {"rows": [
        (link(c.id), content(c.title, lang=lang), c.code,
         day(c.arrival) + " – " + day(c.departure), phase, names[phase], c.participants)
        for c, phase in courses]}
