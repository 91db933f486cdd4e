"""Fixtures for action plans: two courses, their staff, alumni, and helpers to fill plans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from portal.extensions import db
from tests import two_step


@dataclass
class World:
    course: int
    other_course: int
    author: object        # UserRef of the alumnus writing the plan
    author_enrollment: int
    peer: object          # another alumnus of the same course
    peer_enrollment: int
    instructor: object    # teaches course
    outsider: object      # teaches other_course only
    coordinator: object
    stranger: object      # participant of other_course, not yet an alumnus


def _course(code, departure, months=(3, 6), subject="disaster-risk-reduction"):
    from portal.courses.models import Course
    return Course(code=code, title={"en": "Course " + code, "fr": "Cours " + code,
                                    "es": "Curso " + code},
                  subject=subject, training_center="Kansai", fiscal_year=departure.year,
                  languages=["en"], pre_arrival_opens=departure - timedelta(days=60),
                  arrival=departure - timedelta(days=30), departure=departure,
                  report_months=list(months))


@pytest.fixture
def world(app, make_user) -> World:
    from portal.auth.models import User
    from portal.courses.models import Enrollment

    author = make_user("participant", name="Samuel Osei", country="GH", language="en",
                       organization="Accra Metropolitan Assembly")
    peer = make_user("participant", name="Carlos Mendoza", country="BO", language="es")
    instructor = make_user("instructor", name="Hiroshi Mori")
    outsider = make_user("instructor", name="Other Teacher")
    coordinator = make_user("coordinator", name="Kenji Sato")
    stranger = make_user("participant", name="Not Alumnus", country="KE")
    with app.app_context():
        today = date.today()
        course = _course("DRR-TEST", today - timedelta(days=120))
        other = _course("EDU-TEST", today + timedelta(days=60), subject="education")
        db.session.add_all([course, other])
        course.instructors = [db.session.get(User, instructor.id)]
        other.instructors = [db.session.get(User, outsider.id)]
        if hasattr(course, "coordinators"):
            course.coordinators = [db.session.get(User, coordinator.id)]
        mine = Enrollment(course=course, user_id=author.id, status="completed")
        theirs = Enrollment(course=course, user_id=peer.id, status="completed")
        db.session.add_all([mine, theirs,
                            Enrollment(course=other, user_id=stranger.id, status="accepted")])
        db.session.commit()
        return World(course.id, other.id, author, mine.id, peer, theirs.id, instructor,
                     outsider, coordinator, stranger)


@pytest.fixture
def signin(app):
    """``signin(user_ref)``: a fresh client signed in as that user."""
    def login(user):
        c = app.test_client()
        response = c.submit("/login", {"email": user.email, "password": PASSWORD}, page="/login")
        response = two_step.answer(c, response, account=user.email)   # staff: the app's code
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return c
    return login


PASSWORD = "correct horse battery staple"  # the shared make_user default


@pytest.fixture
def plan_form() -> dict:
    """A complete plan, as the editor posts it."""
    return dict(PLAN)


@pytest.fixture
def start_plan(world, signin):
    """``start_plan()`` -> (author client, plan id): the author's empty draft."""
    def start():
        c = signin(world.author)
        response = c.submit("/action-plans/start/%d" % world.author_enrollment,
                            page="/action-plans")
        assert response.status_code == 302
        return c, int(response.headers["Location"].split("/")[-2])
    return start


@pytest.fixture
def accepted_plan(world, signin, start_plan):
    """``accepted_plan()`` -> (author client, plan id): submitted and accepted (version 1)."""
    def make():
        c, plan_id = start_plan()
        edit = "/action-plans/%d/edit" % plan_id
        response = c.submit(edit, {**PLAN, "action": "submit"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        staff = signin(world.instructor)
        response = staff.submit("/action-plans/%d/review" % plan_id,
                                {"decision": "accept", "comment-general": "Good plan."},
                                page="/action-plans/%d" % plan_id)
        assert response.status_code == 302
        return c, plan_id
    return make


PLAN = {
    "language": "en",
    "title": "Community early-warning for floods in Accra",
    "problem": "Flooding in low-lying districts; warnings arrive late.",
    "objectives": "Every district gets warnings within 30 minutes.",
    "target_group": "Residents of 12 districts; district officers; the meteorological agency.",
    "risks": "Budget cuts.",
    "support": "Advice from Kobe city on drills.",
    "activities-0-key": "a1",
    "activities-0-description": "Map flood-prone streets with residents",
    "activities-0-responsible": "Planning unit",
    "activities-0-start": "2026-01-10",
    "activities-0-end": "2026-03-31",
    "activities-0-indicator": "Streets mapped",
    "activities-0-target": "120",
    "activities-0-resources": "GPS, volunteers",
    "activities-1-key": "a2",
    "activities-1-description": "Run an evacuation drill",
    "activities-1-responsible": "Disaster office",
    "activities-1-start": "2026-04-01",
    "activities-1-end": "2026-04-30",
    "activities-1-indicator": "People taking part",
    "activities-1-target": "2000",
    "activities-1-resources": "Sirens",
}
