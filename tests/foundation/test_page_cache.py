"""The participant dashboard's page cache (portal/core/page_cache.py): served from memory while
nothing it shows has changed, made again as soon as something has, on SQLite and PostgreSQL,
with the counters in this process or in Redis (shared by several processes)."""
from __future__ import annotations

import logging
import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from portal.assignments.models import Assignment, Submission, SubmissionVersion
from portal.auth.models import User
from portal.core import page_cache
from portal.courses.models import Course, Enrollment
from portal.db_types import utcnow
from portal.extensions import db


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture
def store(app):
    cache = app.extensions["page_cache"]
    cache.verify = False  # these tests look at what the cache itself serves
    return cache


@pytest.fixture
def participant(app, login_as):
    client, user = login_as("participant")
    today = utcnow().date()
    with app.app_context():
        course = Course(code="CACHE-1", title={"en": "Cached course"}, subject="health",
                        training_center="Tokyo", fiscal_year=2026,
                        pre_arrival_opens=today - timedelta(days=30),
                        arrival=today - timedelta(days=5), departure=today + timedelta(days=20))
        db.session.add(course)
        db.session.flush()
        db.session.add(Enrollment(course_id=course.id, user_id=user.id, status="in_progress"))
        db.session.add(Assignment(course_id=course.id, phase="in-japan",
                                  title={"en": "Field report"},
                                  opens_at=utcnow() - timedelta(days=1),
                                  due_at=utcnow() + timedelta(days=3)))
        db.session.commit()
        ids = {"course": course.id, "user": user.id}
    client.get("/dashboard")  # shows (and so ends) the "signed in" message: never cached
    return client, ids


def _page(client) -> str:
    response = client.get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _queries(app):
    seen = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_second_visit_is_served_from_memory_without_the_database(app, store, participant,
                                                                  caplog):
    client, ids = participant
    first = _page(client)
    hits = store.hits
    seen = _queries(app)
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        response = client.get("/dashboard")
    assert response.get_data(as_text=True) == first
    assert store.hits == hits + 1
    assert seen == []  # not even the account: its counter says it has not changed
    assert response.headers["X-Request-ID"] and response.headers["Content-Security-Policy"]
    assert '"user_id":%d,' % ids["user"] in caplog.records[-1].getMessage()


def test_work_handed_in_shows_at_once(app, store, participant):
    client, ids = participant
    assert "Field report" in _page(client)
    with app.app_context():  # what the hand-in does: a submission and its version
        assignment = db.session.scalars(db.select(Assignment)).one()
        submission = Submission(assignment_id=assignment.id, user_id=ids["user"],
                                state="submitted", submitted_at=utcnow())
        db.session.add(submission)
        db.session.flush()
        db.session.add(SubmissionVersion(submission_id=submission.id, number=1,
                                         state="submitted", submitted_at=utcnow()))
        db.session.commit()
    assert "Field report" not in _page(client)  # not due any more


def test_instructor_returning_work_shows_at_once(app, store, participant):
    client, ids = participant
    with app.app_context():
        assignment = db.session.scalars(db.select(Assignment)).one()
        submission = Submission(assignment_id=assignment.id, user_id=ids["user"],
                                state="submitted", submitted_at=utcnow())
        db.session.add(submission)
        db.session.flush()
        db.session.add(SubmissionVersion(submission_id=submission.id, number=1,
                                         state="submitted"))
        db.session.commit()
    assert "Field report" not in _page(client)
    with app.app_context():  # another request, another session: only the version is loaded
        version = db.session.scalars(db.select(SubmissionVersion)).one()
        version.state = "returned"
        version.submission.state = "returned"
        db.session.commit()
    assert "Field report" in _page(client)


def test_a_parent_not_at_hand_empties_every_entry(app, store, participant):
    client, ids = participant
    _page(client)
    with app.app_context():
        assignment = db.session.scalars(db.select(Assignment)).one()
        submission = Submission(assignment_id=assignment.id, user_id=ids["user"], state="draft")
        db.session.add(submission)
        db.session.commit()
        submission_id = submission.id
    with app.app_context():  # the version alone, its submission never loaded
        session = db.session()
        version = SubmissionVersion(submission_id=submission_id, number=1, state="draft")
        assert page_cache.names_of(version, session) is None
        db.session.add(version)
        db.session.commit()
        counters = store.generations.read([page_cache.EVERYTHING])
    assert counters[0] >= 1


def test_deadline_moved_by_a_coordinator_shows_at_once(app, store, participant):
    client, _ = participant
    before = _page(client)
    with app.app_context():
        assignment = db.session.scalars(db.select(Assignment)).one()
        assignment.due_at = utcnow() + timedelta(days=9, hours=5)
        db.session.commit()
    after = _page(client)
    assert after != before and "9 days" in after


def test_new_assignment_and_course_changes_show_at_once(app, store, participant):
    client, ids = participant
    _page(client)
    with app.app_context():
        db.session.add(Assignment(course_id=ids["course"], phase="in-japan",
                                  title={"en": "Second task"},
                                  opens_at=utcnow() - timedelta(hours=1),
                                  due_at=utcnow() + timedelta(days=2)))
        db.session.commit()
    assert "Second task" in _page(client)
    with app.app_context():
        db.session.get(Course, ids["course"]).title = {"en": "Renamed course"}
        db.session.commit()
    assert "Renamed course" in _page(client)


def test_enrollment_and_account_changes_show_at_once(app, store, participant):
    client, ids = participant
    assert "Cached course" in _page(client)
    with app.app_context():
        db.session.get(User, ids["user"]).name = "Nouveau Nom"
        db.session.commit()
    assert "Nouveau Nom" in _page(client)
    with app.app_context():
        db.session.execute(db.delete(Enrollment))
        db.session.commit()
    assert "Cached course" not in _page(client)


def test_bulk_update_empties_every_entry(app, store, participant):
    client, _ = participant
    _page(client)
    with app.app_context():
        db.session.execute(update(Course).values(title={"en": "Bulk title"}))
        db.session.commit()
    assert "Bulk title" in _page(client)


def test_rolled_back_writes_keep_the_entry(app, store, participant):
    client, _ = participant
    _page(client)
    with app.app_context():
        db.session.scalars(db.select(Assignment)).one().title = {"en": "Never saved"}
        db.session.flush()
        db.session.rollback()
    hits = store.hits
    assert "Never saved" not in _page(client)
    assert store.hits == hits + 1


def test_library_activity_does_not_empty_the_cache(app, store, participant):
    from portal.library.models import Material
    client, _ = participant
    _page(client)
    with app.app_context():
        db.session.add(Material(slug="cache-video", kind="video",
                                title={"en": "A video"}, state="ready"))
        db.session.commit()
    hits = store.hits
    _page(client)
    assert store.hits == hits + 1


def test_entries_expire(app, store, participant, monkeypatch):
    client, _ = participant
    _page(client)
    monkeypatch.setattr(store, "seconds", 0)
    misses = store.misses
    _page(client)
    assert store.misses == misses + 1


def test_flash_messages_and_other_roles_are_never_cached(app, store, login_as):
    client, _ = login_as("instructor")
    client.get("/dashboard")
    client.get("/dashboard")
    assert store.hits == 0
    with client.session_transaction() as s:
        s["_flashes"] = [("success", "Saved.")]
    participant_client, _ = login_as("participant")
    with participant_client.session_transaction() as s:
        s["_flashes"] = [("success", "Saved once.")]
    assert "Saved once." in _page(participant_client)
    assert "Saved once." not in _page(participant_client)


def test_language_and_sign_out_are_part_of_the_key(app, store, participant):
    client, _ = participant
    assert "Dashboard" in _page(client)
    client.submit("/language", {"lang": "fr", "next": "/dashboard"})
    assert "Tableau de bord" in _page(client)
    client.submit("/logout", {})
    assert client.get("/dashboard").status_code == 302


@contextmanager
def caplog_errors(app):
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage() + (logging.Formatter().formatException(
                record.exc_info) if record.exc_info else ""))
    handler = Keep(level=logging.ERROR)
    app.logger.addHandler(handler)
    try:
        yield messages
    finally:
        app.logger.removeHandler(handler)


def test_verification_catches_a_stale_page(app, participant):
    """The suite runs with PAGE_CACHE_VERIFY: a page served from memory that differs from a
    fresh one fails the request. Here the counters are frozen to make one stale on purpose."""
    client, _ = participant
    store = app.extensions["page_cache"]
    _page(client)
    store.bump = lambda names: None
    with app.app_context():
        db.session.scalars(db.select(Assignment)).one().title = {"en": "Changed"}
        db.session.commit()
    with caplog_errors(app) as messages:
        assert client.get("/dashboard").status_code == 500
    assert any("stale page" in m for m in messages)


@pytest.mark.skipif(not _redis_up(), reason="REDIS TESTS SKIPPED: no Redis on 127.0.0.1:6379")
def test_counters_in_redis_are_shared_by_processes(app, participant, database_url, tmp_path):
    """Two apps stand for two gunicorn workers (or hosts): a write through one is seen by the
    other's cache at once."""
    from portal import create_app
    from tests.conftest import _test_config
    client, ids = participant
    url = "redis://127.0.0.1:6379/13"
    prefix = "portal:gen:test-%s:" % tmp_path.name
    apps = []
    for name in ("a", "b"):
        other = create_app(_test_config(database_url, tmp_path / name, REDIS_URL=url,
                                        PAGE_CACHE_VERIFY=False))
        other.extensions["page_cache"].generations.prefix = prefix
        apps.append(other)
    worker_a, worker_b = apps
    assert isinstance(worker_a.extensions["page_cache"].generations, page_cache.RedisGenerations)
    cookie = client.get_cookie("portal_session").value
    reader = worker_a.test_client()
    reader.set_cookie("portal_session", cookie)
    assert "Field report" in reader.get("/dashboard").get_data(as_text=True)
    assert "Field report" in reader.get("/dashboard").get_data(as_text=True)
    assert worker_a.extensions["page_cache"].hits == 1
    with worker_b.app_context():
        db.session.scalars(db.select(Assignment)).one().title = {"en": "Renamed in B"}
        db.session.commit()
    assert "Renamed in B" in reader.get("/dashboard").get_data(as_text=True)
    for other in apps:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_redis_down_means_no_cache_not_an_error(app, participant, database_url, tmp_path):
    from portal import create_app
    from tests.conftest import _test_config
    client, _ = participant
    down = create_app(_test_config(database_url, tmp_path / "down",
                                   REDIS_URL="redis://127.0.0.1:9/0", PAGE_CACHE_VERIFY=False))
    reader = down.test_client()
    reader.set_cookie("portal_session", client.get_cookie("portal_session").value)
    for _ in range(2):
        assert reader.get("/dashboard").status_code == 200
    assert down.extensions["page_cache"].hits == 0
    with down.app_context():
        db.session.scalars(db.select(Assignment)).one().title = {"en": "Saved anyway"}
        db.session.commit()  # raising the counters fails: the write stands
        assert db.session.scalars(db.select(Assignment)).one().title == {"en": "Saved anyway"}
        db.engine.dispose()


# ------------------------------------------------------------------ served without the database


def test_a_kept_page_is_never_served_to_an_ended_session(app, store, participant, make_user):
    """Replayed cookies after sign-out everywhere, a new password or a deactivation: the
    account's counter was raised with the change, so the kept page is not served."""
    from portal.auth.models import User
    client, ids = participant
    for end in ("sign-out", "password", "deactivate"):
        _page(client)
        _page(client)  # kept now
        stolen = client.get_cookie("portal_session").value
        thief = app.test_client()
        thief.set_cookie("portal_session", stolen)
        assert thief.get("/dashboard").status_code == 200
        with app.app_context():
            user = db.session.get(User, ids["user"])
            if end == "deactivate":
                user.active = False
            else:
                user.end_all_sessions()
            db.session.commit()
        hits = store.hits
        assert thief.get("/dashboard").status_code == 302, end
        assert store.hits == hits
        with app.app_context():  # the next round signs in again
            db.session.get(User, ids["user"]).active = True
            db.session.commit()
        client = app.test_client()
        from tests.conftest import Auth
        assert Auth(client).login(db_email(app, ids["user"])).status_code == 302
        client.get("/dashboard")


def db_email(app, user_id):
    from portal.auth.models import User
    with app.app_context():
        return db.session.get(User, user_id).email


def test_absolute_lifetime_and_another_browser_take_the_full_path(app, store, participant,
                                                                  monkeypatch):
    client, _ = participant
    _page(client)
    _page(client)
    hits = store.hits
    other_browser = app.test_client()
    other_browser.set_cookie("portal_session", client.get_cookie("portal_session").value)
    other_browser.get("/dashboard", headers={"User-Agent": "Another browser/1.0"})
    assert store.hits == hits  # Flask-Login's check of the browser runs on the full path
    with client.session_transaction() as s:
        s["auth_at"] = s["auth_at"] - 13 * 3600  # signed in 13 hours ago: over the 12 h limit
    assert client.get("/dashboard").status_code == 302
    assert store.hits == hits


def test_ending_sessions_is_refused_while_the_counters_are_unreachable(app, participant,
                                                                       database_url, tmp_path):
    """Redis down: signing out everywhere would leave kept pages servable, so it is refused
    with the portal's 503 page and nothing changes; other account changes still go through."""
    from portal import create_app
    from portal.auth.models import User
    from tests.conftest import _test_config
    client, ids = participant
    down = create_app(_test_config(database_url, tmp_path / "down",
                                   REDIS_URL="redis://127.0.0.1:9/0", PAGE_CACHE_VERIFY=False))
    with down.app_context():
        version = db.session.get(User, ids["user"]).session_version
    from tests.conftest import PortalClient
    down.test_client_class = PortalClient
    browser = down.test_client()
    browser.set_cookie("portal_session", client.get_cookie("portal_session").value)
    browser.submit("/language", {"lang": "es", "next": "/dashboard"}, page="/dashboard")
    with down.app_context():
        assert db.session.get(User, ids["user"]).language == "es"
    response = browser.submit("/logout", {}, page="/dashboard")
    assert response.status_code == 503 and "unos minutos" in response.get_data(as_text=True)
    with down.app_context():
        assert db.session.get(User, ids["user"]).session_version == version
        db.engine.dispose()


def test_what_the_middleware_cannot_decide_takes_the_full_path(app, store, participant):
    """Answered ahead of Flask only when the cookie alone settles it: a query string, an
    unsigned or foreign cookie, or a session due for its new signature take the full path
    (and the last one gets its new cookie there)."""
    import time
    client, _ = participant
    _page(client)
    _page(client)
    hits = store.hits
    assert client.get("/dashboard?x=1").status_code == 200
    forged = app.test_client()
    forged.set_cookie("portal_session", client.get_cookie("portal_session").value + "x")
    assert forged.get("/dashboard").status_code == 302  # a bad signature: signed out
    assert store.hits == hits
    with client.session_transaction() as s:
        s["slid_at"] = int(time.time()) - 61
    response = client.get("/dashboard")
    assert response.status_code == 200 and store.hits == hits
    assert "portal_session=" in response.headers.get("Set-Cookie", "")
    response = client.get("/dashboard")  # signed again a moment ago: kept once more
    assert store.hits == hits + 1 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    proxied = client.get("/dashboard", headers={"X-Request-ID": "proxy-1234abcd"})
    assert proxied.headers["X-Request-ID"] == "proxy-1234abcd"
