"""The admin's user tools (issue 17): the list filtered by state, search that ignores accents
and case both ways (on SQLite and PostgreSQL), bulk resend of invitations and bulk
deactivation (plain form posts, CSRF, audited, one clear message), and the warning when a role
change leaves enrollments behind."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.auth.models import AccountToken, User
from portal.extensions import db
from portal.text import fold_words


@pytest.fixture
def admin(login_as):
    client, user = login_as("admin")
    return client, user


def names_listed(client, **query) -> list[str]:
    page = client.get("/admin/users", query_string=query)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert_unique_ids(text)
    return re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', text)


def assert_unique_ids(html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_search_ignores_accents_and_case_both_ways(app, admin, make_user):
    client, _ = admin
    make_user(name="Nguyễn Văn An", email="an.nguyen@example.org")
    make_user(name="Thi NGUYEN", email="thi@example.org")
    make_user(name="Đặng Thu", email="thu@example.org")
    make_user(name="José Peña", email="jose@example.org")
    both = ["Nguyễn Văn An", "Thi NGUYEN"]
    assert names_listed(client, q="nguyen") == both
    assert names_listed(client, q="Nguyễn") == both
    assert names_listed(client, q="NGUYÊN") == both
    assert names_listed(client, q="dang") == ["Đặng Thu"]
    assert names_listed(client, q="ĐẶNG") == ["Đặng Thu"]
    assert names_listed(client, q="jose pena") == ["José Peña"]       # words in any place
    assert names_listed(client, q="pena josé") == ["José Peña"]
    assert names_listed(client, q="an.nguyen@EXAMPLE") == ["Nguyễn Văn An"]
    assert names_listed(client, q="%") == []                          # no wildcard
    assert names_listed(client, q="nguyen zq") == []


def test_the_search_key_follows_a_change_of_name(app, make_user):
    person = make_user(name="Maria Lopez")
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.search_key == "maria lopez " + person.email
        user.name = "María Lópéz-Ñúñez"
        db.session.commit()
        assert db.session.get(User, person.id).search_key.startswith("maria lopez-nunez ")
    assert fold_words("Đức Œuvre STRASSE Straße") == "duc oeuvre strasse strasse"


def test_filter_by_state(app, admin, make_user):
    client, me = admin
    make_user(name="Ines Invited", password=None)
    make_user(name="Alice Active")
    gone = make_user(name="Dan Deactivated")
    with app.app_context():
        db.session.get(User, gone.id).active = False
        db.session.commit()
    assert names_listed(client, state="invited") == ["Ines Invited"]
    assert names_listed(client, state="deactivated") == ["Dan Deactivated"]
    assert names_listed(client, state="active") == sorted(["Alice Active", me.name])
    assert names_listed(client, state="active", role="participant") == ["Alice Active"]
    assert len(names_listed(client, state="nonsense")) == 4   # an unknown state: no filter


def test_bulk_resend_invitations(app, admin, make_user, mailbox):
    from portal import jobs
    client, me = admin
    waiting = [make_user(name="Wait %d" % n, password=None, language=lang)
               for n, lang in enumerate(("fr", "es"))]
    active = make_user(name="Already In")
    with app.app_context():
        old_tokens = {t.id for t in db.session.execute(select(AccountToken)).scalars()}
    response = client.submit("/admin/users/bulk", {
        "users": [u.id for u in waiting] + [active.id], "action": "resend",
        "state": "invited", "q": "wait"}, page="/admin/users")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/users?q=wait&state=invited")
    assert jobs.wait_idle(client.application, timeout=60)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitations sent again to 2 people" in page
    assert "1 account left out: it has set its password already." in page
    subjects = {m["To"]: m["Subject"] for m in mailbox.messages}
    assert set(subjects) == {u.email for u in waiting}
    assert "invitation" in subjects[waiting[0].email].lower()     # in each one's language
    assert "invitación" in subjects[waiting[1].email].lower()
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "user.invite")).scalars().all()
        assert sorted(e.target_id for e in entries) == sorted(u.id for u in waiting)
        assert {e.actor_id for e in entries} == {me.id}
        fresh = db.session.execute(select(AccountToken).where(
            AccountToken.id.not_in(old_tokens))).scalars().all()
        assert sorted(t.user_id for t in fresh) == sorted(u.id for u in waiting)


def test_bulk_deactivate_asks_first_then_deactivates_all_but_oneself(app, admin, make_user):
    client, me = admin
    people = [make_user(name="Leaver %d" % n) for n in range(3)]
    ids = [p.id for p in people] + [me.id]
    asked = client.submit("/admin/users/bulk", {"users": ids, "action": "deactivate"},
                          page="/admin/users")
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert "Deactivate these accounts?" in text and "your own account: left out" in text
    assert_unique_ids(text)
    with app.app_context():   # nothing changed before the confirmation
        assert all(db.session.get(User, i).active for i in ids)
    done = client.submit("/admin/users/bulk", {"users": ids, "action": "deactivate",
                                               "confirmed": "y"}, page="/admin/users")
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "3 accounts deactivated and signed out everywhere." in page
    assert "Your own account was left out: you cannot deactivate it." in page
    with app.app_context():
        assert [db.session.get(User, p.id).active for p in people] == [False] * 3
        assert db.session.get(User, me.id).active
        audited = db.session.execute(select(AuditEntry.target_id).where(
            AuditEntry.action == "user.deactivate")).scalars().all()
        assert sorted(audited) == sorted(p.id for p in people)


def test_bulk_actions_refuse_without_csrf_or_ticks(app, admin, make_user):
    client, _ = admin
    person = make_user(name="Kept Person")
    no_token = client.post("/admin/users/bulk", data={"users": [person.id],
                                                      "action": "deactivate",
                                                      "confirmed": "y"})
    assert no_token.status_code == 400
    nothing = client.submit("/admin/users/bulk", {"action": "resend"}, page="/admin/users")
    assert nothing.status_code == 400
    assert "Tick at least one account in the list." in nothing.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, person.id).active


def test_bulk_message_in_french(app, login_as, make_user):
    client, _ = login_as("admin", language="fr")
    person = make_user(password=None)
    response = client.submit("/admin/users/bulk", {"users": [person.id], "action": "resend"},
                             page="/admin/users")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation renvoyée à 1 personne" in page


def make_course(app, code: str, enrolled=(), instructors=()) -> int:
    from portal.courses.models import Course, Enrollment
    today = date.today()
    with app.app_context():
        course = Course(code=code, subject="agriculture", program_type="group-region",
                        training_center="Tokyo", fiscal_year=2026, languages=["en"],
                        title={"en": "Course " + code}, pre_arrival_opens=today,
                        arrival=today + timedelta(20), departure=today + timedelta(50),
                        report_months=[3])
        course.instructors = [db.session.get(User, i) for i in instructors]
        db.session.add(course)
        for user_id, status in enrolled:
            db.session.add(Enrollment(course=course, user_id=user_id, status=status))
        db.session.commit()
        return course.id


def test_role_change_warns_of_the_enrollments_left_behind(app, admin, make_user):
    client, _ = admin
    person = make_user(name="Maria Santos")
    make_course(app, "FISH-26", enrolled=[(person.id, "accepted")])
    make_course(app, "RICE-26", enrolled=[(person.id, "nominated")])
    make_course(app, "OLD-24", enrolled=[(person.id, "withdrawn")])
    url = "/admin/users/%d" % person.id
    warned = client.submit(url, {"role": "instructor"})
    assert warned.status_code == 200
    text = warned.get_data(as_text=True)
    assert "Maria Santos would become Instructor, but this stays as it is:" in text
    assert "Enrolled as a participant in 2 courses:" in text
    assert "FISH-26" in text and "RICE-26" in text and "OLD-24" not in text
    assert_unique_ids(text)
    with app.app_context():
        assert db.session.get(User, person.id).role == "participant"
    done = client.submit(url, {"role": "instructor", "confirmed": "1"})
    assert done.status_code == 302
    with app.app_context():
        from portal.courses.models import Enrollment
        assert db.session.get(User, person.id).role == "instructor"
        assert len(db.session.execute(select(Enrollment).where(
            Enrollment.user_id == person.id)).all()) == 3


def test_role_change_warns_of_staff_listings_and_not_without_cause(app, admin, make_user):
    client, _ = admin
    teacher = make_user("instructor", name="Ken Tanaka")
    make_course(app, "WATER-26", instructors=[teacher.id])
    url = "/admin/users/%d" % teacher.id
    warned = client.submit(url, {"role": "participant"}, page=url).get_data(as_text=True)
    assert "Named staff of 1 course" in warned and "WATER-26" in warned
    to_admin = client.submit(url, {"role": "admin"}, page=url)   # admins manage every course
    assert to_admin.status_code == 302
    plain = make_user(name="No Courses")
    assert client.submit("/admin/users/%d" % plain.id, {"role": "coordinator"}
                         ).status_code == 302
