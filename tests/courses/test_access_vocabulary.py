"""The vocabulary of access (docs/ACCESS.md): "staff of this course" and the enrollment states
are each defined once, on the models, for Python and for SQL. These tests hold the two sides
together and pin what each word means where it is used."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import event, select

from portal.extensions import db

STATES = ("nominated", "accepted", "in_progress", "completed", "withdrawn")


@pytest.fixture
def staffed(make_user, make_course):
    """A course with its coordinator and instructor, and people who are not its staff."""
    people = {name: make_user(role) for name, role in (
        ("coordinator", "coordinator"), ("instructor", "instructor"), ("admin", "admin"),
        ("other_coordinator", "coordinator"), ("other_instructor", "instructor"),
        ("participant", "participant"))}
    course_id = make_course(coordinators=[people["coordinator"].id],
                            instructors=[people["instructor"].id])
    make_course(coordinators=[people["other_coordinator"].id],
                instructors=[people["other_instructor"].id])
    return course_id, people


# (is_staff, can_manage, is_named_staff) of each person for the course
EXPECTED = {"coordinator": (True, True, True), "instructor": (True, False, True),
            "admin": (True, True, False), "other_coordinator": (False, False, False),
            "other_instructor": (False, False, False), "participant": (False, False, False),
            "anonymous": (False, False, False)}


def test_staff_of_a_course_is_one_rule_in_python_and_in_sql(app, staffed):
    from portal.auth.models import User
    from portal.courses.models import Course
    course_id, people = staffed
    with app.app_context():
        course = db.session.get(Course, course_id)
        users = {name: db.session.get(User, u.id) for name, u in people.items()}
        users["anonymous"] = AnonymousUserMixin()
        for name, user in users.items():
            def in_sql(condition):
                return db.session.scalar(select(Course.id).where(
                    Course.id == course_id, condition)) is not None
            answers = (course.is_staff(user), course.can_manage(user),
                       course.is_named_staff(user))
            assert answers == EXPECTED[name], name
            assert in_sql(Course.staffed_by(user)) == EXPECTED[name][0], name
            assert in_sql(Course.managed_by(user)) == EXPECTED[name][1], name


def test_enrollment_words_mean_the_same_in_python_and_in_sql(app, make_user, make_course,
                                                             enroll):
    from portal.courses.models import Enrollment, EnrollmentState
    course_id = make_course()
    ids = {state: enroll(course_id, make_user().id, state) for state in STATES}
    meaning = {"is_active": {"nominated", "accepted", "in_progress", "completed"},
               "is_participating": {"accepted", "in_progress", "completed"},
               "is_alumnus": {"completed"}}
    with app.app_context():
        rows = {e.id: e for e in db.session.scalars(select(Enrollment))}
        for word, states in meaning.items():
            in_sql = set(db.session.scalars(select(Enrollment.id).where(
                getattr(Enrollment, word))))
            in_python = {i for i, e in rows.items() if getattr(e, word)}
            assert in_sql == in_python == {ids[s] for s in states}, word
        assert [s.value for s in EnrollmentState] == list(STATES)


def test_each_domain_uses_the_enrollment_words(app, make_user, make_course, enroll):
    """A nominee does the assignments but writes no plan and answers no evaluation yet; a
    withdrawn participant does none of it and is not counted."""
    from portal.action_plans.services import own_enrollment
    from portal.assignments.access import enrollment as assignment_enrollment
    from portal.auth.models import User
    from portal.courses.models import Course, Enrollment
    from portal.courses.services import enrollment_counts
    from portal.evaluation.services import may_answer
    course_id = make_course()
    people = {state: make_user() for state in ("nominated", "accepted", "withdrawn")}
    ids = {state: enroll(course_id, u.id, state) for state, u in people.items()}
    with app.app_context():
        course = db.session.get(Course, course_id)
        for state, person in people.items():
            user = db.session.get(User, person.id)
            works = assignment_enrollment(user, course_id) is not None
            plans = own_enrollment(user, ids[state]) is not None
            answers = may_answer(user, course)
            assert (works, plans, answers) == {
                "nominated": (True, False, False), "accepted": (True, True, True),
                "withdrawn": (False, False, False)}[state], state
        assert enrollment_counts([course_id]) == {course_id: 2}
        assert db.session.get(Enrollment, ids["withdrawn"]).is_active is False


def test_the_staff_answer_is_kept_for_the_request_and_forgotten_when_staff_change(
        app, staffed):
    from portal.auth.models import User
    from portal.courses.models import Course
    from portal.courses.services import add_staff, remove_staff
    course_id, people = staffed
    queries = []
    with app.test_request_context():
        course = db.session.get(Course, course_id)
        outsider = db.session.get(User, people["other_instructor"].id)
        listener = lambda *args: queries.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert not course.is_staff(outsider)
            asked = len(queries)
            assert not course.is_staff(outsider) and not course.can_manage(outsider)
            assert len(queries) == asked  # asked once per request
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        add_staff(course, outsider, "instructor")
        assert course.is_staff(outsider) and not course.can_manage(outsider)
        remove_staff(course, outsider.id, "instructor")
        assert not course.is_staff(outsider)
        db.session.rollback()


def test_states_are_stored_as_their_plain_values(app, make_user, make_course, enroll):
    from portal.courses.models import Course, Enrollment, EnrollmentState
    from portal.courses.services import set_states
    from portal.courses.vocabulary import ENROLLMENT_STATES
    course_id = make_course()
    eid = enroll(course_id, make_user().id)
    with app.app_context():
        assert set_states(db.session.get(Course, course_id), [eid], "accepted") == 1
        db.session.commit()
    with app.test_request_context():  # the label is translated: a request's locale
        stored = db.session.scalar(select(Enrollment.status).where(Enrollment.id == eid))
        assert stored == "accepted" and type(stored) is str
        assert str(ENROLLMENT_STATES[stored]) == "Accepted"
        assert stored == EnrollmentState.ACCEPTED
        with pytest.raises(ValueError):
            set_states(db.session.get(Course, course_id), [eid], "expelled")
