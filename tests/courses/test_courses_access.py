"""Every courses route with each role, on the course of someone else and on one's own."""
import pytest
from sqlalchemy import select

from portal.courses.models import Course, Enrollment, EnrollmentImport
from portal.extensions import db
from tests import two_step


@pytest.fixture
def world(app, make_user, make_course, enroll):
    """A course with its coordinator, instructor, participant and a pending import."""
    people = {role: make_user(role) for role in ("coordinator", "instructor", "participant")}
    course_id = make_course(coordinators=[people["coordinator"].id],
                            instructors=[people["instructor"].id])
    enrollment_id = enroll(course_id, people["participant"].id, "accepted")
    with app.app_context():
        record = EnrollmentImport(course_id=course_id, rows=[{
            "line": 2, "name": "New Person", "email": "new@example.org", "country": "SN",
            "organization": "", "position": "", "language": "fr"}])
        db.session.add(record)
        db.session.commit()
        import_id = record.id
    return {"course": course_id, "enrollment": enrollment_id, "import": import_id, **people}


def _routes(w):
    c, i = w["course"], w["import"]
    return [
        ("GET", "/courses/%d" % c, {}),
        ("GET", "/courses/%d/edit" % c, {}),
        ("POST", "/courses/%d/edit" % c, {"code": "HIJACKED"}),
        ("POST", "/courses/%d/staff" % c, {"email": "x@example.org", "kind": "instructor"}),
        ("POST", "/courses/%d/staff/%d/remove" % (c, w["instructor"].id), {"kind": "instructor"}),
        ("POST", "/courses/%d/states" % c, {"state": "withdrawn",
                                            "enrollment": str(w["enrollment"])}),
        ("POST", "/courses/%d/states" % c, {"action": "complete"}),
        ("GET", "/courses/%d/participants.csv" % c, {}),
        ("GET", "/courses/%d/import" % c, {}),
        ("GET", "/courses/%d/import/%d" % (c, i), {}),
        ("POST", "/courses/%d/import/%d/confirm" % (c, i), {}),
    ]


MANAGE = {"/edit", "/staff", "/remove", "/states", "/import", "/confirm"}


def _kind(url):
    if url.endswith(".csv"):
        return "export"
    if any(part in url for part in MANAGE):
        return "manage"
    return "show"


def _call(client, method, url, data):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": client.csrf_token("/courses"), **data})


def _unchanged(app, w):
    with app.app_context():
        course = db.session.get(Course, w["course"])
        assert course.code != "HIJACKED"
        assert [u.id for u in course.instructors] == [w["instructor"].id]
        assert db.session.get(Enrollment, w["enrollment"]).status == "accepted"
        assert db.session.get(EnrollmentImport, w["import"]).confirmed_at is None
        assert len(db.session.execute(select(Enrollment)).all()) == 1


# Expected status for someone who has no link to the course.
OUTSIDER = {
    "participant": {"show": 404, "export": 403, "manage": 403},
    "instructor": {"show": 404, "export": 404, "manage": 403},
    "coordinator": {"show": 404, "export": 404, "manage": 404},
}


@pytest.mark.parametrize("role", list(OUTSIDER))
def test_someone_elses_course_answers_404_or_403_and_changes_nothing(app, login_as, world,
                                                                     role):
    client, _ = login_as(role)
    for method, url, data in _routes(world):
        response = _call(client, method, url, data)
        assert response.status_code == OUTSIDER[role][_kind(url)], (role, method, url)
    _unchanged(app, world)


def test_anonymous_is_sent_to_sign_in(app, client, world):
    for method, url, data in _routes(world):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    _unchanged(app, world)


def _login(app, email):
    c = app.test_client()
    response = c.submit("/login", {"email": email, "password": "correct horse battery staple"},
                        page="/login")
    assert two_step.answer(c, response, account=email).status_code == 302
    return c


def test_members_of_the_course_get_what_their_role_allows(app, world):
    gets = [(m, u) for m, u, _ in _routes(world) if m == "GET"]
    expected = {
        "participant": {"show": 200, "export": 403, "manage": 403},
        "instructor": {"show": 200, "export": 200, "manage": 403},
        "coordinator": {"show": 200, "export": 200, "manage": 200},
    }
    for role, codes in expected.items():
        client = _login(app, world[role].email)
        for _method, url in gets:
            assert client.get(url).status_code == codes[_kind(url)], (role, url)


def test_participant_sees_the_course_but_not_the_others_enrolled(app, world, make_user,
                                                                  enroll):
    other = make_user("participant", name="Somebody Else")
    enroll(world["course"], other.id)
    client = _login(app, world["participant"].email)
    page = client.get("/courses/%d" % world["course"]).get_data(as_text=True)
    assert "Fishery management" in page and "Somebody Else" not in page
    assert other.email not in page


def test_admin_reaches_every_route(app, login_as, world):
    client, _ = login_as("admin")
    for method, url, _data in _routes(world):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_instructor_sees_participants_but_cannot_change_them(app, world):
    client = _login(app, world["instructor"].email)
    page = client.get("/courses/%d" % world["course"]).get_data(as_text=True)
    assert world["participant"].name in page
    assert 'name="enrollment"' not in page and "/edit" not in page
    if "assignments.course" in app.view_functions:  # the other domains' pages are linked
        with app.test_request_context():
            from flask import url_for
            assert url_for("assignments.course", course_id=world["course"]) in page


def test_coordinator_cannot_remove_themself(app, world):
    client = _login(app, world["coordinator"].email)
    url = "/courses/%d/staff/%d/remove" % (world["course"], world["coordinator"].id)
    response = client.submit(url, {"kind": "coordinator"}, page="/courses/%d" % world["course"])
    assert response.status_code == 302
    with app.app_context():
        assert [u.id for u in db.session.get(Course, world["course"]).coordinators] == [
            world["coordinator"].id]
    # The page offers what the route allows: no Remove button beside themself, one beside
    # the instructor; an admin is offered (and may) take the coordinator off.
    page = client.get("/courses/%d" % world["course"]).get_data(as_text=True)
    assert url not in page
    assert "/staff/%d/remove" % world["instructor"].id in page


def test_an_admin_may_remove_a_coordinator(app, world, make_user):
    admin = make_user("admin")
    client = _login(app, admin.email)
    page = "/courses/%d" % world["course"]
    url = page + "/staff/%d/remove" % world["coordinator"].id
    assert url in client.get(page).get_data(as_text=True)
    assert client.submit(url, {"kind": "coordinator"}, page=page).status_code == 302
    with app.app_context():
        assert db.session.get(Course, world["course"]).coordinators == []


def test_coordinator_assigns_staff_by_email_only_with_the_right_role(app, world, make_user):
    colleague = make_user("coordinator")
    teacher = make_user("instructor")
    client = _login(app, world["coordinator"].email)
    page = "/courses/%d" % world["course"]
    url = page + "/staff"
    wrong = client.submit(url, {"email": world["participant"].email, "kind": "instructor"},
                          page=page)
    assert wrong.status_code == 400
    assert "No instructor account has this e-mail address." in wrong.get_data(as_text=True)
    assert client.submit(url, {"email": teacher.email.upper(), "kind": "instructor"},
                         page=page).status_code == 302
    assert client.submit(url, {"email": colleague.email, "kind": "coordinator"},
                         page=page).status_code == 302
    # The new coordinator now manages the course; the new instructor teaches it.
    assert _login(app, colleague.email).get(page + "/edit").status_code == 200
    assert _login(app, teacher.email).get(page + "/participants.csv").status_code == 200
    remove = page + "/staff/%d/remove" % teacher.id
    assert client.submit(remove, {"kind": "instructor"}, page=page).status_code == 302
    assert _login(app, teacher.email).get(page).status_code == 404
