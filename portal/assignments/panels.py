"""Dashboard panels of the assignments domain."""
from __future__ import annotations

from functools import cache

from flask_babel import get_locale
from sqlalchemy import func, literal, select, union_all

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..courses import services as courses
from ..courses.models import Course
from ..courses.panels import STAFF_PANEL_SIZE, StatementUser, current_courses
from ..extensions import read_rows
from ..home.panels import panel
from ..i18n import content, moment_formatter
from ..urls import url_with_ids
from .forms import STATE_LABELS
from .models import REQUESTED, SUBMITTED, Assignment, Extension, Submission
from .page_data import due_next

REVIEW_PANEL_SIZE = 20  # assignments listed in each of the staff's review lists


@panel(order=20, roles=(PARTICIPANT,))
def assignments_due_next(user):
    lang, work = str(get_locale()), url_with_ids("assignments.work", "assignment_id")
    due = moment_formatter(with_japan=True)
    return "assignments/_panel_due_next.html", {"rows": [
        {"url": work(r["assignment"].id), "title": content(r["assignment"].title, lang=lang),
         "due": due(r["deadline"].due_at),
         "due_iso": r["deadline"].due_at.isoformat(), "countdown": r["countdown"],
         "state": r["state"], "state_label": STATE_LABELS[r["state"]]} for r in due_next(user)]}


@panel(order=20, roles=(INSTRUCTOR, COORDINATOR, ADMIN))
def assignments_to_review(user):
    """The work and the extension requests waiting, those due first, and the links of the
    courses the courses panel shows. Each list is bounded (a coordinator of 25 courses, an
    admin of the whole program: 1,666 assignments waiting at program scale, a dashboard of
    300 KB); what is left out is counted, and each course's review queue lists it all."""
    # Links only for courses not closed (as the courses panel): an admin sees every course
    # ever, and three links each would grow the dashboard without bound over the years.
    lang, found = str(get_locale()), waiting(user)
    queue = url_with_ids("assignments.queue", "course_id", "assignment")
    extensions = url_with_ids("assignments.extensions_page", "assignment_id")
    work = [r for r in found if r.kind == "work"]
    requests = [r for r in found if r.kind == "request"]
    return "assignments/_panel_review.html", {
        "courses": _course_links(current_courses(user)[:STAFF_PANEL_SIZE]),
        "waiting": [(queue(r.course_id, r.id), content(r.title, lang=lang), r.code, r.n)
                    for r in work],
        "more_waiting": work[0].total - len(work) if work else 0,
        "requests": [(extensions(r.id), content(r.title, lang=lang), r.code, r.n)
                     for r in requests],
        "more_requests": requests[0].total - len(requests) if requests else 0}


def _course_links(courses: list[Course]) -> list[tuple[str, str, str, str]]:
    """Each course's code with its assignments, review queue and progress matrix links."""
    links = [url_with_ids("assignments." + page, "course_id")
             for page in ("course", "queue", "matrix")]
    return [(c.code, *(link(c.id) for link in links)) for c in courses]


# What waits for staff: handed-in work, extension requests.
_WAITING = {"work": (Submission, Submission.state == SUBMITTED),
            "request": (Extension, Extension.state == REQUESTED)}


@cache
def _waiting_query(role: str):
    """Built once per role, the user's id bound when it runs."""
    seen = courses.visible_courses(StatementUser(role)).with_only_columns(Course.id)
    found = union_all(*(
        select(literal(kind).label("kind"), Assignment.id, Assignment.course_id,
               Assignment.title, Assignment.due_at, Course.code, func.count(model.id).label("n"))
        .join(model).join(Assignment.course).where(Assignment.course_id.in_(seen), condition)
        .group_by(Assignment.id, Course.id)
        for kind, (model, condition) in _WAITING.items())).subquery()
    ranked = select(*found.c, func.row_number().over(
        partition_by=found.c.kind, order_by=(found.c.due_at, found.c.id)).label("place"),
        func.count().over(partition_by=found.c.kind).label("total")).subquery()
    return (select(*ranked.c).where(ranked.c.place <= REVIEW_PANEL_SIZE)
            .order_by(ranked.c.due_at, ranked.c.id))


def waiting(user) -> list:
    """The first ``REVIEW_PANEL_SIZE`` assignments, due first, of every course ``user`` sees
    with work or extension requests waiting for staff (``kind``), how many each, their
    course's code, and how many assignments of that kind wait in all (``total``): rows of
    columns (the panel only shows them), one query, bounded however many courses there are."""
    return read_rows(_waiting_query(user.role), {"user_id": user.id})
