"""Fixtures of the catalogue tests: ``make_course`` and ``enroll`` write straight to the
database (as in tests/courses); ``this_year`` is the current fiscal year."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.dates import fiscal_year_of
from portal.extensions import db


@pytest.fixture
def this_year() -> int:
    return fiscal_year_of(date.today())


@pytest.fixture
def make_course(app, this_year):
    """``make_course(code=..., coordinators=[id], instructors=[id], **fields)`` -> course id."""
    from portal.auth.models import User
    from portal.courses.models import Course

    counter = iter(range(1, 10_000))

    def make(code=None, coordinators=(), instructors=(), **fields):
        today = date.today()
        values = dict(code=code or "CAT-%d" % next(counter), subject="agriculture",
                      program_type="group-region", training_center="Tokyo",
                      fiscal_year=this_year, languages=["en"],
                      title={"en": "Fishery management", "fr": "Gestion des pêches"},
                      description={"en": "About fish."}, pre_arrival_opens=today - timedelta(5),
                      arrival=today + timedelta(20), departure=today + timedelta(50),
                      report_months=[3, 6])
        values.update(fields)
        with app.app_context():
            course = Course(**values)
            course.coordinators = [db.session.get(User, i) for i in coordinators]
            course.instructors = [db.session.get(User, i) for i in instructors]
            db.session.add(course)
            db.session.commit()
            return course.id
    return make


@pytest.fixture
def enroll(app):
    """``enroll(course_id, user_id, status="accepted")`` -> enrollment id."""
    from portal.courses.models import Enrollment

    def add(course_id, user_id, status="accepted"):
        with app.app_context():
            e = Enrollment(course_id=course_id, user_id=user_id, status=status)
            db.session.add(e)
            db.session.commit()
            return e.id
    return add
