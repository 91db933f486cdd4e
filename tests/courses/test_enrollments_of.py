"""``courses.services.enrollments_of`` is read once per request (several panels ask), and read
again as soon as an enrollment is added, changed or removed in that request."""
from sqlalchemy import select

from portal.auth.models import User
from portal.courses import services
from portal.courses.models import Course, Enrollment
from portal.extensions import db


def test_the_list_follows_a_change_made_in_the_same_request(app, make_user, make_course):
    person = make_user()
    first, second = make_course(code="FIRST-26"), make_course(code="SECOND-26")
    with app.test_request_context():
        user = db.session.get(User, person.id)
        db.session.add(Enrollment(course_id=first, user_id=user.id, status="accepted"))
        db.session.flush()
        assert [e.course.code for e in services.enrollments_of(user)] == ["FIRST-26"]
        assert services.enrollments_of(user) is services.enrollments_of(user)  # read once
        db.session.add(Enrollment(course_id=second, user_id=user.id, status="nominated"))
        db.session.flush()
        assert {e.course.code for e in services.enrollments_of(user)} == {"FIRST-26", "SECOND-26"}
        enrollment = db.session.scalar(select(Enrollment).where(Enrollment.course_id == second))
        enrollment.status = "withdrawn"
        db.session.flush()
        assert {e.course.code: e.status for e in services.enrollments_of(user)}["SECOND-26"] \
            == "withdrawn"
        db.session.delete(enrollment)
        db.session.flush()
        assert [e.course.code for e in services.enrollments_of(user)] == ["FIRST-26"]
        # A flush that touches no enrollment keeps the list read.
        kept = services.enrollments_of(user)
        db.session.get(Course, first).title = {"en": "Renamed"}
        db.session.flush()
        assert services.enrollments_of(user) is kept
