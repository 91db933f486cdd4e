"""The busiest pages read the database a bounded number of times, however much data there is
(fixes found by bench/load.py; see docs/PERFORMANCE.md), and still show the right rows."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from portal.action_plans.models import ActionPlan
from portal.assignments.models import GRANTED, Assignment, Extension, Submission
from portal.courses.models import Course, CourseCoordinator, CourseInstructor, Enrollment
from portal.db_types import utcnow
from portal.extensions import db


@contextmanager
def counting(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, params, context, executemany):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _course(code: str) -> Course:
    today = utcnow().date()
    course = Course(code=code, title={"en": code}, subject="health", training_center="Tokyo",
                    fiscal_year=2026, pre_arrival_opens=today - timedelta(days=30),
                    arrival=today - timedelta(days=5), departure=today + timedelta(days=20))
    db.session.add(course)
    db.session.flush()
    return course


def _plans(app, make_user, course_id: int, count: int, prefix: str) -> None:
    people = [make_user("participant", name="%s %d" % (prefix, n)) for n in range(count)]
    with app.app_context():
        for person in people:
            enrollment = Enrollment(course_id=course_id, user_id=person.id, status="in_progress")
            db.session.add(enrollment)
            db.session.flush()
            db.session.add(ActionPlan(enrollment_id=enrollment.id, state="submitted",
                                      content={"title": "Plan of " + person.name}))
        db.session.commit()


def _dashboard_queries(app, client) -> tuple[int, str]:
    client.get("/dashboard")  # warm (session, translations)
    with counting(app) as seen:
        response = client.get("/dashboard")
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_plans_waiting_for_review_are_filtered_in_sql_and_read_at_once(app, make_user,
                                                                        login_as):
    instructor_client, instructor = login_as("instructor")
    coordinator_client, coordinator = login_as("coordinator")
    admin_client, _admin = login_as("admin")
    with app.app_context():
        mine, other = _course("MINE-1"), _course("OTHER-1")
        db.session.add_all([CourseInstructor(course_id=mine.id, user_id=instructor.id),
                            CourseCoordinator(course_id=other.id, user_id=coordinator.id)])
        db.session.commit()
        mine_id, other_id = mine.id, other.id
    _plans(app, make_user, mine_id, 2, "Mine")
    _plans(app, make_user, other_id, 2, "Other")
    few, html = _dashboard_queries(app, instructor_client)
    assert "Plan of Mine 0" in html and "Plan of Other 0" not in html
    _plans(app, make_user, mine_id, 10, "More")
    _plans(app, make_user, other_id, 10, "Elsewhere")
    many, html = _dashboard_queries(app, instructor_client)
    assert "Plan of More 9" in html and "Elsewhere" not in html
    assert many == few, "the staff dashboard reads plans one by one"
    _, html = _dashboard_queries(app, coordinator_client)
    assert "Plan of Elsewhere 9" in html and "Plan of Mine" not in html
    _, html = _dashboard_queries(app, admin_client)
    assert "Plan of Mine 0" in html and "Plan of Elsewhere 0" in html


def test_participant_dashboard_reads_assignments_deadlines_and_work_at_once(app, login_as):
    client, me = login_as("participant")
    with app.app_context():
        course = _course("DASH-1")
        db.session.add(Enrollment(course_id=course.id, user_id=me.id, status="in_progress"))
        db.session.commit()
        course_id = course.id

    def add_assignments(count: int, first: int) -> list[int]:
        now = utcnow()
        with app.app_context():
            items = [Assignment(course_id=course_id, phase="in-japan",
                                title={"en": "Task %d" % (first + n)},
                                opens_at=now - timedelta(days=1),
                                due_at=now + timedelta(days=3 + first + n)) for n in range(count)]
            db.session.add_all(items)
            db.session.commit()
            return [a.id for a in items]

    ids = add_assignments(2, 0)
    few, html = _dashboard_queries(app, client)
    ids += add_assignments(8, 2)
    with app.app_context():  # some work handed in, one deadline extended
        db.session.add(Submission(assignment_id=ids[0], user_id=me.id, state="submitted"))
        db.session.add(Submission(assignment_id=ids[1], user_id=me.id, state="draft"))
        db.session.add(Extension(assignment_id=ids[1], user_id=me.id, state=GRANTED,
                                 due_at=utcnow() + timedelta(days=40), decided_at=utcnow()))
        db.session.commit()
    many, html = _dashboard_queries(app, client)
    assert many == few, "the participant dashboard reads assignments one by one"
    assert "Task 0" not in html  # handed in: not due next any more
    with app.test_request_context():
        from portal.assignments.page_data import my_assignments
        from portal.auth.models import User
        rows = {r["assignment"].id: r for r in my_assignments(db.session.get(User, me.id))}
        assert rows[ids[0]]["state"] == "submitted" and rows[ids[1]]["state"] == "draft"
        assert rows[ids[1]]["deadline"].extended and not rows[ids[2]]["deadline"].extended
        assert rows[ids[1]]["deadline"].due_at.date() == (utcnow() + timedelta(days=40)).date()
        assert rows[ids[5]]["state"] == "missing"


def test_review_panel_links_only_courses_not_closed(app, login_as):
    client, coordinator = login_as("coordinator")
    today = utcnow().date()
    with app.app_context():
        current = _course("OPEN-1")
        closed = Course(code="CLOSED-1", title={"en": "old"}, subject="health",
                        training_center="Tokyo", fiscal_year=2020,
                        pre_arrival_opens=date(2020, 1, 6), arrival=date(2020, 2, 3),
                        departure=date(2020, 3, 2))
        db.session.add(closed)
        db.session.flush()
        assert closed.closes_on < today
        db.session.add_all([CourseCoordinator(course_id=current.id, user_id=coordinator.id),
                            CourseCoordinator(course_id=closed.id, user_id=coordinator.id)])
        db.session.commit()
        current_id, closed_id = current.id, closed.id
    html = client.get("/dashboard").get_data(as_text=True)
    assert "/assignments/course/%d/matrix" % current_id in html
    assert "/assignments/course/%d/matrix" % closed_id not in html
    assert client.get("/courses").status_code == 200


def _staffed_course_with_work(app, make_user, coordinator_id: int, code: str) -> int:
    """A course coordinated by ``coordinator_id``, in Japan now, with a questionnaire, one
    hand-in waiting for review and one extension request waiting for an answer."""
    from portal.evaluation.models import Questionnaire
    person = make_user("participant", name="Someone of " + code)
    with app.app_context():
        course = _course(code)
        db.session.add(CourseCoordinator(course_id=course.id, user_id=coordinator_id))
        db.session.add(Enrollment(course_id=course.id, user_id=person.id, status="in_progress"))
        task = Assignment(course_id=course.id, phase="in-japan", title={"en": "Work of " + code},
                          opens_at=utcnow() - timedelta(days=1),
                          due_at=utcnow() + timedelta(days=3))
        db.session.add_all([task, Questionnaire(course_id=course.id)])
        db.session.flush()
        db.session.add(Submission(assignment_id=task.id, user_id=person.id, state="submitted"))
        db.session.add(Extension(assignment_id=task.id, user_id=person.id, state="requested",
                                 reason="ill"))
        db.session.commit()
        return course.id


def test_staff_dashboards_read_a_fixed_number_of_times_however_many_courses(app, make_user,
                                                                             login_as):
    """Courses, review and evaluation panels: the same number of queries with 1 course or 6,
    and every course's links, waiting work and requests still shown."""
    client, coordinator = login_as("coordinator")
    first = _staffed_course_with_work(app, make_user, coordinator.id, "STAFF-0")
    few, html = _dashboard_queries(app, client)
    assert "Work of STAFF-0" in html and "/assignments/course/%d/matrix" % first in html
    more = [_staffed_course_with_work(app, make_user, coordinator.id, "STAFF-%d" % n)
            for n in range(1, 6)]
    many, html = _dashboard_queries(app, client)
    assert many == few, "the staff dashboard reads something once per course"
    for course_id in [first, *more]:
        assert "/assignments/course/%d/matrix" % course_id in html
        assert "/courses/%d" % course_id in html
    assert html.count("1 submission") == 6 and html.count("1 request") == 6
    admin_client, _ = login_as("admin")
    admin_few, _ = _dashboard_queries(app, admin_client)
    _staffed_course_with_work(app, make_user, coordinator.id, "STAFF-9")
    admin_many, html = _dashboard_queries(app, admin_client)
    assert admin_many == admin_few and "Work of STAFF-9" in html


def test_work_page_reads_the_assignment_work_and_extensions_once_each(app, login_as):
    """The participant's work page: the assignment with its course and the enrollment check
    in one query, the work once, every extension of theirs in one query (the latest granted
    sets the deadline, a pending request and the latest answer are shown)."""
    client, me = login_as("participant")
    now = utcnow()
    with app.app_context():
        course = _course("WORK-1")
        db.session.add(Enrollment(course_id=course.id, user_id=me.id, status="in_progress"))
        assignment = Assignment(course_id=course.id, phase="in-japan", title={"en": "Field notes"},
                                opens_at=now - timedelta(days=1), due_at=now + timedelta(days=3))
        db.session.add(assignment)
        db.session.flush()
        db.session.add(Submission(assignment_id=assignment.id, user_id=me.id, state="draft"))
        db.session.commit()
        url = "/assignments/%d" % assignment.id
    client.get(url)  # warm (session, translations)
    with counting(app) as seen:
        assert client.get(url).status_code == 200
    few = len(seen)
    with app.app_context():
        db.session.add_all([
            Extension(assignment_id=assignment.id, user_id=me.id, state=GRANTED,
                      due_at=now + timedelta(days=9), decided_at=now - timedelta(days=2)),
            Extension(assignment_id=assignment.id, user_id=me.id, state=GRANTED,
                      due_at=now + timedelta(days=20), decided_at=now - timedelta(days=1)),
            Extension(assignment_id=assignment.id, user_id=me.id, state="refused",
                      reason="Flood", decided_at=now - timedelta(hours=1)),
            Extension(assignment_id=assignment.id, user_id=me.id, state="requested",
                      reason="Still flooded")])
        db.session.commit()
    with counting(app) as seen:
        page = client.get(url)
    assert len(seen) == few <= 6, seen
    with app.test_request_context():
        from portal.assignments.forms import WorkForm
        from portal.assignments.page_data import work_context
        from portal.auth.models import User
        context = work_context(db.session.get(Assignment, assignment.id),
                               db.session.get(User, me.id), WorkForm(meta={"csrf": False}))
        assert context["deadline"].extended
        assert context["deadline"].due_at.date() == (now + timedelta(days=20)).date()
        assert context["pending_request"].reason == "Still flooded"
        assert context["extension_answer"].state == "refused"
    assert page.status_code == 200
