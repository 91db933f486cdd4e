"""The demo data (issue 10's "done when"): a catalogue, statistics whose figures match the
database, and evaluations with answers that a coordinator reads, compares and exports; loading
twice changes nothing."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db


def _load(app, refs):
    from portal.auth.models import User
    from portal.demo import catalogue as catalogue_demo, evaluation as evaluation_demo
    with app.app_context():
        users = {k: db.session.get(User, v.id) for k, v in refs.items()}
        catalogue_demo.load(users, date.today())
        evaluation_demo.load(users, date.today())
        db.session.commit()


def _counts(app):
    from portal.catalogue.models import CourseOutline
    from portal.courses.models import Course, Enrollment
    from portal.evaluation.models import Answer, Question, Respondent, Response
    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(m)) for m in (
            Course, Enrollment, CourseOutline, Question, Respondent, Response, Answer)]


def test_demo_catalogue_statistics_and_evaluations(app, client, login_as, make_user,
                                                   this_year):
    coordinator, coord = login_as("coordinator")
    refs = {"coordinator": coord, "tanaka": make_user("instructor", password=None),
            "lan": make_user("participant", country="VN", password=None)}
    _load(app, refs)
    counts = _counts(app)
    _load(app, refs)
    assert _counts(app) == counts  # idempotent

    html = client.get("/catalogue").get_data(as_text=True)
    years = set(re.findall(r"FY(\d{4})", client.get("/catalogue?q=water").get_data(True)))
    assert "WATER-YOKO-%d" % this_year in html and "EDU-MATH-%d" % (this_year + 1) in html
    assert "WATER-YOKO-%d" % (this_year - 1) not in html and years <= {str(this_year),
                                                                        str(this_year + 1)}
    from portal.courses.models import Course, Enrollment
    with app.app_context():
        courses = db.session.scalar(select(func.count()).select_from(Course).where(
            Course.fiscal_year == this_year))
        people = db.session.scalar(select(func.count()).select_from(Enrollment).join(Course)
                                   .where(Course.fiscal_year == this_year,
                                          Enrollment.status.in_(("accepted", "in_progress",
                                                                 "completed"))))
        water = db.session.scalar(select(Course.id).where(
            Course.code == "WATER-YOKO-%d" % this_year))
    totals = re.findall(r'<td class="total">(\d+)</td>', client.get("/statistics").get_data(True))
    assert [int(t) for t in totals] == [courses, people] and people > 10

    html = coordinator.get("/evaluation/courses/%d/results" % water).get_data(as_text=True)
    assert "8 of 9 participants have answered" in html  # the demo alumna has not answered
    assert "Average" in html and "More time" in html or "Plus de temps" in html
    compare = coordinator.get("/evaluation/courses/%d/compare" % water).get_data(as_text=True)
    assert all("WATER-YOKO-%d" % (this_year - k) in compare for k in (0, 1, 2))
    response = coordinator.get("/evaluation/courses/%d/results.csv" % water)
    assert response.status_code == 200 and "How would you rate the course as a whole?" in \
        response.get_data(as_text=True)
