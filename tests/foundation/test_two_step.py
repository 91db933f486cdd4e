"""Two-step sign-in (issue 16): enrolment, the code after the password, recovery codes, replayed
codes, guessing, and the rule that admins and coordinators cannot work without it. Codes are
computed with pyotp, as an authenticator app would."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.auth.models import RecoveryCode, User
from portal.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.two_step import TEST_SECRET


def _now_code(secret: str = TEST_SECRET, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _user(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _enrol(client) -> tuple[str, list[str]]:
    """Go through the setup page as a person would: read the key, type a code."""
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r'<p class="secret"><code>([A-Z2-7 ]+)</code>', page).group(1)
    secret = secret.replace(" ", "")
    assert "otpauth://totp/" in page and "<svg" in page
    done = client.submit("/account/two-step", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)[:800]
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>",
                       done.get_data(as_text=True))
    return secret, codes


def test_a_participant_enrols_and_then_needs_the_code(app, client, auth, make_user):
    user = make_user("participant")
    assert auth.login(user.email).status_code == 302
    assert "Set up two-step sign-in" in client.get("/account").get_data(as_text=True)
    secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
        assert not any(c.replace("-", "") in h for c in codes for h in stored)
    # the codes page is shown once: the manage page lists how many are left, not which
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "10 unused recovery codes" in page and codes[0] not in page
    auth.logout()
    # the password alone no longer signs in
    first = auth.login(user.email, second_step=False)
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/two-step")
    assert client.get("/dashboard").status_code == 302
    wrong = client.submit("/login/two-step", {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    ok = client.submit("/login/two-step", {"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200


def test_a_code_is_good_once(app, client, auth, make_user):
    user = make_user("coordinator")
    code = _now_code()
    assert auth.login(user.email, second_step=False).status_code == 302
    assert client.submit("/login/two-step", {"code": code}).status_code == 302
    auth.logout()
    auth.login(user.email, second_step=False)
    replayed = client.submit("/login/two-step", {"code": code})
    assert replayed.status_code == 400
    assert client.get("/dashboard").status_code == 302
    # an older step than the one used is refused too; a later one is accepted
    assert client.submit("/login/two-step", {"code": _now_code(offset_steps=-1)}
                         ).status_code == 400
    assert client.submit("/login/two-step", {"code": _now_code(offset_steps=1)}
                         ).status_code == 302


def test_a_code_from_far_away_in_time_is_refused(client, auth, make_user):
    user = make_user("admin")
    auth.login(user.email, second_step=False)
    for offset in (-3, 3, 20):
        assert client.submit("/login/two-step", {"code": _now_code(offset_steps=offset)}
                             ).status_code == 400


def test_recovery_codes_sign_in_once_each_and_can_be_renewed(app, client, auth, make_user):
    user = make_user("participant")
    auth.login(user.email)
    secret, codes = _enrol(client)
    auth.logout()
    auth.login(user.email, second_step=False)
    page = client.get("/login/two-step?recovery=1").get_data(as_text=True)
    assert "recovery code" in page
    ok = client.submit("/login/two-step", {"code": codes[0].upper(), "recovery": "1"},
                       page="/login/two-step?recovery=1")
    assert ok.status_code == 302
    assert "9 are left" in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    auth.login(user.email, second_step=False)
    again = client.submit("/login/two-step", {"code": codes[0], "recovery": "1"})
    assert again.status_code == 400 and "used already" in again.get_data(as_text=True)
    assert client.submit("/login/two-step", {"code": codes[1].replace("-", " ")}
                         ).status_code == 302
    # new codes: the password is asked; the old codes stop working
    bad = client.submit("/account/two-step/recovery-codes", {"codes-password": "nope"},
                        page="/account/two-step")
    assert bad.status_code == 400 and "not right" in bad.get_data(as_text=True)
    renewed = client.submit("/account/two-step/recovery-codes",
                            {"codes-password": DEMO_PASSWORD}, page="/account/two-step")
    fresh = re.findall(r"<li><code>([a-z0-9-]{11})</code></li>", renewed.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    auth.logout()
    auth.login(user.email, second_step=False)
    assert client.submit("/login/two-step", {"code": codes[2]}).status_code == 400
    assert client.submit("/login/two-step", {"code": fresh[0]}).status_code == 302


def test_a_participant_turns_it_off_with_the_password(app, client, auth, make_user):
    user = make_user("participant")
    auth.login(user.email)
    _enrol(client)
    refused = client.submit("/account/two-step/off", {"off-password": "wrong password"},
                            page="/account/two-step")
    assert refused.status_code == 400 and _user(app, user.id).two_step_on
    done = client.submit("/account/two-step/off", {"off-password": DEMO_PASSWORD},
                         page="/account/two-step")
    assert done.status_code == 302 and not _user(app, user.id).two_step_on
    auth.logout()
    assert auth.login(user.email, second_step=False).headers["Location"].endswith("/dashboard")


def test_guessing_is_limited(app, client, auth, make_user):
    user = make_user("admin")
    auth.login(user.email, second_step=False)
    for _ in range(4):
        assert client.submit("/login/two-step", {"code": "123456"}).status_code == 400
    # the fifth wrong code ends the pending sign-in: the password is asked again
    fifth = client.submit("/login/two-step", {"code": "123456"})
    assert fifth.status_code == 302 and fifth.headers["Location"].endswith("/login")
    assert "no sign-in waiting" in client.get("/login/two-step").get_data(as_text=True)
    # replaying the browser's older cookie does not buy more guesses: the server counts per
    # account (ten wrong codes per 15 minutes), whatever cookie comes with them
    for _ in range(2):
        auth.login(user.email, second_step=False)
        for _ in range(3):
            client.submit("/login/two-step", {"code": "123456"})
    auth.login(user.email, second_step=False)
    assert client.submit("/login/two-step", {"code": _now_code()}).status_code == 429


def test_the_pending_sign_in_lapses(app, client, auth, make_user, monkeypatch):
    from portal.auth import two_step
    user = make_user("admin")
    auth.login(user.email, second_step=False)
    monkeypatch.setattr(two_step, "PENDING_SECONDS", -1)
    late = client.submit("/login/two-step", {"code": _now_code()}, page="/login")
    assert late.status_code == 400 and "no sign-in waiting" in late.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_staff_without_it_are_sent_to_set_it_up_and_reach_nothing_else(app, client, auth,
                                                                        make_user, role):
    user = make_user(role, two_step=False)
    signed = auth.login(user.email)
    assert signed.status_code == 302   # the password is right: signed in, but held
    for url in ("/dashboard", "/admin/users", "/courses", "/account", "/invite"):
        held = client.get(url)
        assert held.status_code == 302 and held.headers["Location"].endswith(
            "/account/two-step"), url
    assert client.get("/api/v1/library/search?q=water",
                      headers={"Accept": "application/json"}).status_code == 403
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Your role requires two-step sign-in" in page
    secret, codes = _enrol(client)
    assert len(codes) == 10
    assert client.get("/dashboard").status_code == 200
    # and they cannot turn it off
    manage = client.get("/account/two-step").get_data(as_text=True)
    assert "/account/two-step/off" not in manage
    assert client.submit("/account/two-step/off", {"off-password": DEMO_PASSWORD},
                         page="/account/two-step").status_code == 403
    auth.logout()
    held = auth.login(user.email, second_step=False)
    assert held.headers["Location"].endswith("/login/two-step")


def test_a_participant_made_coordinator_must_set_it_up(app, client, auth, make_user):
    admin = make_user("admin")
    person = make_user("participant")
    auth.login(admin.email)
    client.submit("/admin/users/%d" % person.id, {"role": "coordinator"})
    auth.logout()
    auth.login(person.email)
    assert client.get("/dashboard").headers["Location"].endswith("/account/two-step")


def test_an_admin_resets_a_lost_phone_and_it_is_audited(app, client, auth, make_user):
    admin = make_user("admin")
    coordinator = make_user("coordinator")
    other = app.test_client()
    from tests.conftest import Auth
    assert Auth(other).login(coordinator.email).status_code == 302
    assert other.get("/dashboard").status_code == 200
    auth.login(admin.email)
    page = client.get("/admin/users/%d" % coordinator.id).get_data(as_text=True)
    assert "Reset two-step sign-in" in page
    done = client.submit("/admin/users/%d/two-step/reset" % coordinator.id,
                         page="/admin/users/%d" % coordinator.id)
    assert done.status_code == 302
    assert not _user(app, coordinator.id).two_step_on
    assert other.get("/dashboard").status_code == 302   # signed out everywhere
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "user.two_step_reset")).one()
        assert (entry.actor_id, entry.actor_email, entry.target_id) == (
            admin.id, admin.email, coordinator.id)
    # at the next sign-in the coordinator sets it up again before anything else
    Auth(other).login(coordinator.email)
    assert other.get("/dashboard").headers["Location"].endswith("/account/two-step")


def test_a_coordinator_cannot_reset_anyone(client, auth, make_user):
    coordinator = make_user("coordinator")
    target = make_user("instructor")
    auth.login(coordinator.email)
    token = client.csrf_token("/dashboard")
    assert client.post("/admin/users/%d/two-step/reset" % target.id,
                       data={"csrf_token": token}).status_code == 403


def test_the_pages_are_translated(client, auth, make_user):
    user = make_user("admin", two_step=False, language="fr")
    client.submit("/language", {"lang": "fr", "next": "/login"}, page="/login")
    auth.login(user.email)
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Set up two-step sign-in" not in page and "<svg" in page
    client.submit("/language", {"lang": "es", "next": "/"}, page="/account/two-step")
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Your role requires" not in page
