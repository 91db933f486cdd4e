"""What a person's calendar holds, in their language: the dates of their courses (pre-arrival
opening, arrival, departure), each assignment's deadline (their own, when an extension moved it)
and the progress-report due dates. Staff named on a course get its dates, its assignments'
deadlines and its report dates. Every date comes from the course and ``portal/dates.py``.

Courses closed for more than a year are left out, so the feed stays small."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import dates
from ..access import COORDINATOR, INSTRUCTOR
from ..assignments.models import Assignment
from ..assignments.services import assignments_of_course, deadlines_for
from ..auth.services import external_url
from ..courses.models import Course, Enrollment
from ..extensions import db
from ..i18n import gettext as _, localize, moment_formatter, ngettext

KEPT_AFTER_CLOSING = timedelta(days=365)


@dataclass(frozen=True)
class FeedEvent:
    """One entry: ``start`` is a day (an all-day event) or an aware moment (a deadline)."""
    uid: str
    summary: str
    start: date | datetime
    url: str
    description: str = ""


def _host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "portal"


def _uid(*parts) -> str:
    return "%s@%s" % ("-".join(str(p) for p in parts), _host())


def _recent(today: date):
    return or_(Course.closes_on.is_(None), Course.closes_on >= today - KEPT_AFTER_CLOSING)


def _name(course: Course) -> str:
    return localize(course.title).text or course.code


def course_days(course: Course) -> list[FeedEvent]:
    url = external_url("courses.show", course_id=course.id)
    name = _name(course)
    return [FeedEvent(_uid("course", course.id, "pre-arrival"),
                      _("Pre-arrival phase opens: %(course)s", course=name),
                      course.pre_arrival_opens, url, course.code),
            FeedEvent(_uid("course", course.id, "arrival"),
                      _("Arrival in Japan: %(course)s", course=name), course.arrival, url,
                      course.code),
            FeedEvent(_uid("course", course.id, "departure"),
                      _("Departure from Japan: %(course)s", course=name), course.departure,
                      url, course.code)]


def report_days(course: Course, url: str, assignments=()) -> list[FeedEvent]:
    """The report due dates; an assignment of ``assignments`` that is one of these reports
    (``Assignment.plan_report_month``) is named in it rather than listed on its own."""
    name = _name(course)
    same: dict[int, list[str]] = {}
    for a in assignments:
        if a.plan_report_month is not None:
            same.setdefault(a.plan_report_month, []).append(
                _("The assignment “%(title)s” is this same report.",
                  title=localize(a.title).text))
    return [FeedEvent(_uid("course", course.id, "report", months),
                      ngettext("Progress report due (%(num)s month after return): %(course)s",
                               "Progress report due (%(num)s months after return): %(course)s",
                               months, course=name), due, url,
                      "\n".join([*same.get(months, ()), course.code]))
            for months, due in dates.report_due_dates(course)]


def _deadline(assignment: Assignment, due: datetime, url: str, note: str,
              when) -> FeedEvent:
    title = localize(assignment.title).text
    return FeedEvent(_uid("assignment", assignment.id, "due"),
                     _("Due: %(title)s (%(course)s)", title=title,
                       course=assignment.course.code), due, url,
                     "\n".join(filter(None, [note, _("Deadline: %(moment)s", moment=when(due)),
                                             assignment.course.code])))


def participant_events(user, today: date) -> list[FeedEvent]:
    when = moment_formatter(with_japan=True, zone=user.timezone)
    found = []
    enrollments = db.session.scalars(
        select(Enrollment).join(Course).where(Enrollment.user_id == user.id,
                                              Enrollment.is_active, _recent(today))
        .options(selectinload(Enrollment.course)))
    for enrollment in enrollments:
        course = enrollment.course
        found += course_days(course)
        assignments = assignments_of_course(course.id)
        own = deadlines_for(assignments, user.id)
        reports = enrollment.is_participating
        for a in assignments:
            if reports and a.plan_report_month is not None:
                continue  # that report's own day names it: one obligation, one event
            deadline = own[a.id]
            found.append(_deadline(a, deadline.due_at,
                                   external_url("assignments.work", assignment_id=a.id),
                                   _("Your extended deadline.") if deadline.extended else "",
                                   when))
        if reports:
            found += report_days(course, external_url("action_plans.my_plans"), assignments)
    return found


def staff_events(user, today: date) -> list[FeedEvent]:
    """The courses ``user`` is named on as coordinator or instructor (an admin, who may see
    every course, is named on none and gets none of them)."""
    if user.role not in (COORDINATOR, INSTRUCTOR):
        return []
    when = moment_formatter(with_japan=True, zone=user.timezone)
    found = []
    for course in db.session.scalars(select(Course).where(Course.staffed_by(user),
                                                          _recent(today))):
        found += course_days(course)
        assignments = assignments_of_course(course.id)
        for a in assignments:
            if a.plan_report_month is not None:
                continue  # named in that report's day
            found.append(_deadline(a, a.due_at, external_url("assignments.course",
                                                             course_id=course.id),
                                   _("The course's deadline (extensions not included)."),
                                   when))
        found += report_days(course, external_url("action_plans.course_plans",
                                                  course_id=course.id), assignments)
    return found


def events_for(user, today: date | None = None) -> list[FeedEvent]:
    """Everything in ``user``'s calendar, each event once, soonest first (call it within
    ``force_locale(user.language)``)."""
    today = today or dates.today()
    by_uid = {e.uid: e for e in staff_events(user, today) + participant_events(user, today)}
    return sorted(by_uid.values(), key=lambda e: (_sort_key(e.start), e.uid))


def _sort_key(start: date | datetime) -> datetime:
    if isinstance(start, datetime):
        return start.replace(tzinfo=None)
    return datetime.combine(start, datetime.min.time())
