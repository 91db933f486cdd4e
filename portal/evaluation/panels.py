"""Dashboard panels: questionnaires waiting for a participant; evaluations of the staff's
courses (the in-Japan and post-return ones, where answers come in)."""
from __future__ import annotations

from functools import cache

from flask_babel import get_locale
from sqlalchemy import Row, bindparam, exists, select

from .. import dates
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..courses.panels import current_courses
from ..courses.services import enrollments_of
from ..extensions import read_rows
from ..home.panels import panel
from ..i18n import content
from ..urls import url_with_ids
from .models import Question, Questionnaire, Respondent, opening_day_of

STAFF_PANEL_SIZE = 10


@panel(order=30, roles=(PARTICIPANT,))
def to_answer(user):
    """The participant's courses whose questionnaire is open and not answered yet."""
    courses = [e.course for e in enrollments_of(user) if e.is_participating]
    waiting = {q.course_id: q for q in unanswered(user, [c.id for c in courses])}
    today = dates.today()
    items = [(c, "open") for c in courses
             if c.id in waiting and today >= opening_day_of(waiting[c.id].opens_on, c.departure)]
    return ("evaluation/_panel_answer.html", {"items": items}) if items else None


@cache
def _unanswered_query():
    """Built once, the courses and the user bound when it runs."""
    return select(Questionnaire.course_id, Questionnaire.opens_on).where(
        Questionnaire.course_id.in_(bindparam("course_ids", expanding=True)),
        exists().where(Question.questionnaire_id == Questionnaire.id),
        ~exists().where(Respondent.questionnaire_id == Questionnaire.id,
                        Respondent.user_id == bindparam("user_id")))


def unanswered(user, course_ids: list[int]) -> list[Row]:
    """The course and opening day (``course_id``, ``opens_on``) of the questionnaires of these
    courses that have questions and that ``user`` has not answered (``services.state``'s
    "no-questions" and "answered", in one query)."""
    if not course_ids:
        return []
    return read_rows(_unanswered_query(), {"course_ids": course_ids, "user_id": user.id})


@panel(order=60, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def course_evaluations(user):
    today, lang = dates.today(), str(get_locale())
    found = [c for c in current_courses(user) if c.arrival <= today][:STAFF_PANEL_SIZE]
    results = url_with_ids("evaluation.results", "course_id")
    questions = url_with_ids("evaluation.questions", "course_id")
    rows = [(content(c.title, lang=lang), c.code, results(c.id), questions(c.id)) for c in found]
    return ("evaluation/_panel_staff.html", {"rows": rows}) if rows else None
