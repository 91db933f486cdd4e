"""Fixtures of the assignments tests: a course with its staff, participants and assignments."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from portal.assignments.models import Assignment
from portal.auth.models import User
from portal.courses.models import Course, CourseCoordinator, CourseInstructor, Enrollment
from portal.extensions import db
from tests import two_step

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class World:
    course_id: int
    other_course_id: int
    assignment_id: int
    other_assignment_id: int
    instructor: object
    other_instructor: object
    coordinator: object
    alice: object  # participant, French, Senegal
    bob: object    # participant, Spanish, Bolivia


def make_course(code: str, today: date) -> Course:
    return Course(code=code, title={"en": "Fishery management " + code,
                                    "fr": "Gestion des pêches " + code},
                  subject="agriculture", training_center="Chubu", fiscal_year=today.year,
                  languages=["fr"], pre_arrival_opens=today - timedelta(days=10),
                  arrival=today + timedelta(days=20), departure=today + timedelta(days=50),
                  report_months=[3, 6])


def make_assignment(course_id: int, now: datetime, **fields) -> Assignment:
    values = dict(course_id=course_id, phase="pre-arrival",
                  title={"en": "Country report", "fr": "Rapport pays", "es": "Informe de país"},
                  instructions={"en": "Describe **your** fisheries.",
                                "fr": "Décrivez **vos** pêcheries.<script>alert(1)</script>"},
                  statement={"en": "This is my own work.", "fr": "Ce travail est le mien.",
                             "es": "Este trabajo es mío."},
                  opens_at=now - timedelta(days=5), due_at=now + timedelta(days=3),
                  cutoff_at=now + timedelta(days=6), asks="both",
                  file_types=["pdf", "word", "image"], max_files=2, max_size_mb=5)
    values.update(fields)
    return Assignment(**values)


PASSWORD = "correct horse battery staple"


@functools.lru_cache(maxsize=1)
def password_hash() -> str:
    """Hashed once: Argon2 is slow on purpose, and these tests make many accounts."""
    return PasswordHasher().hash(PASSWORD)


@pytest.fixture
def quick_user(app, make_user):
    """``make_user`` without hashing the password again for every account."""
    def make(role="participant", **fields):
        ref = make_user(role, password=None, **fields)
        with app.app_context():
            db.session.get(User, ref.id).password_hash = password_hash()
            db.session.commit()
        return ref
    return make


@pytest.fixture
def world(app, quick_user):
    make_user = quick_user
    instructor = make_user("instructor", name="Yuko Tanaka")
    other_instructor = make_user("instructor", name="Other Instructor")
    coordinator = make_user("coordinator", name="Kenji Sato")
    alice = make_user("participant", name="Aminata Diallo", language="fr", country="SN",
                      timezone="Africa/Dakar")
    bob = make_user("participant", name="Carlos Mendoza", language="es", country="BO",
                    timezone="America/La_Paz")
    now = datetime.now(UTC)
    with app.app_context():
        course, other = make_course("FISH-1", now.date()), make_course("OTHER-1", now.date())
        db.session.add_all([course, other])
        db.session.flush()
        db.session.add_all([
            CourseInstructor(course_id=course.id, user_id=instructor.id),
            CourseInstructor(course_id=other.id, user_id=other_instructor.id),
            CourseCoordinator(course_id=course.id, user_id=coordinator.id),
            Enrollment(course_id=course.id, user_id=alice.id, status="accepted"),
            Enrollment(course_id=course.id, user_id=bob.id, status="accepted")])
        assignment = make_assignment(course.id, now)
        other_assignment = make_assignment(other.id, now)
        db.session.add_all([assignment, other_assignment])
        db.session.commit()
        return World(course.id, other.id, assignment.id, other_assignment.id, instructor,
                     other_instructor, coordinator, alice, bob)


@pytest.fixture
def signed_in(app):
    """``signed_in(user)`` -> a client signed in as that user."""
    def sign_in(user):
        c = app.test_client()
        response = c.submit("/login", {"email": user.email, "password": PASSWORD},
                            page="/login")
        response = two_step.answer(c, response, account=user.email)   # staff: the app's code
        assert response.status_code == 302
        return c
    return sign_in
