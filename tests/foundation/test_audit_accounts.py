"""The audit log (issue 16), the account actions: role changes, activation and deactivation,
invitations (through the admin pages, with the address and browser), nominee imports, and an
entry that goes or not with its transaction."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.db_types import utcnow
from portal.extensions import db
from tests.foundation.test_audit import BROWSER, _entries, _people, demo  # noqa: F401


def test_account_actions_through_the_admin_pages(app, client, auth, make_user):
    admin = make_user("admin")
    person = make_user("participant")
    client.environ_base.update(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7")
    auth.login(admin.email)
    page = "/admin/users/%d" % person.id
    assert client.submit(page, {"role": "instructor"}).status_code == 302
    assert client.submit(page + "/active", {"active": "0"}, page=page).status_code == 302
    assert client.submit(page + "/active", {"active": "1"}, page=page).status_code == 302
    assert client.submit("/invite", {"email": "new.person@example.org", "name": "New Person",
                                     "role": "participant", "language": "fr"}
                         ).status_code == 302
    rows = [e for e in _entries(app) if e.actor_id == admin.id]
    assert [e.action for e in rows] == ["user.role", "user.deactivate", "user.activate",
                                        "user.invite"]
    role = rows[0]
    assert (role.target_type, role.target_id) == ("users", person.id)
    assert role.details == {"email": person.email, "before": "participant",
                            "after": "instructor"}
    assert role.actor_email == admin.email and role.ip == "198.51.100.7"
    assert role.user_agent == BROWSER
    assert abs(role.at - utcnow()) < timedelta(minutes=1) and role.at.utcoffset() == timedelta(0)
    assert rows[3].details == {"email": "new.person@example.org", "role": "participant"}


def test_the_client_address_is_the_one_the_trusted_proxy_saw(database_url, tmp_path,
                                                             smtp_server, make_user):
    """Behind TRUSTED_PROXIES the address is the client's (after ProxyFix), not the proxy's."""
    from portal.app import create_app
    from tests.conftest import Auth, PortalClient, _test_config
    app = create_app(_test_config(database_url, tmp_path / "proxied", TRUSTED_PROXIES=1,
                                  MAIL_URL=smtp_server.url))
    app.test_client_class = PortalClient
    admin, person = make_user("admin"), make_user("participant")
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    Auth(client).login(admin.email)
    page = "/admin/users/%d" % person.id
    assert client.submit(page, {"role": "instructor"}).status_code == 302
    [entry] = _entries(app, "user.role")
    assert entry.ip == "203.0.113.9"
    with app.app_context():
        db.engine.dispose()


def test_an_entry_goes_with_its_action_or_not_at_all(app, make_user):
    person = make_user("participant")
    from portal.auth import services
    from portal.auth.models import User
    with app.app_context():
        services.set_role(db.session.get(User, person.id), "instructor")
        db.session.rollback()   # the action failed: no trace of it
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
        services.set_role(db.session.get(User, person.id), "instructor")
        db.session.commit()
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 1


def test_a_nominee_import_is_recorded(app, demo):  # noqa: F811
    from portal.courses import imports
    from portal.courses.models import Course
    with app.app_context():
        kenji = _people()["coordinator"]
        fish = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2026"))
        record = imports.create(fish, [], "nominees.csv", kenji)
        imports.confirm(record, kenji)
        db.session.commit()
        ids = (kenji.id, fish.id, record.id)
    [entry] = _entries(app, "course.import")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (ids[0], "courses", ids[1])
    assert entry.details["import_id"] == ids[2] and entry.details["enrolled"] == 0
