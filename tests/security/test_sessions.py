"""Issue 8.3: sessions. Extends tests/foundation/test_auth.py (which covers the session cookie's
HttpOnly/SameSite, a new session at login, replay after logout, idle and absolute timeouts):
here a stolen cookie (session and remember-me) is replayed after a password change, a reset and
a deactivation; cookie attributes in production; a planted pre-login cookie gains nothing."""
from __future__ import annotations

import itsdangerous.timed
import pytest

from tests import two_step

NEW_PASSWORD = "a brand new passphrase 2026"


def _signed_in(app, cookies: dict) -> bool:
    c = app.test_client()
    for name, value in cookies.items():
        c.set_cookie(name, value)
    response = c.get("/dashboard")
    return response.status_code == 200


def _steal(client) -> dict:
    return {name: client.get_cookie(name).value for name in ("portal_session", "remember_token")
            if client.get_cookie(name) is not None}


def _login(app, email, password="correct horse battery staple", remember=True):
    c = app.test_client()
    r = c.submit("/login", {"email": email, "password": password,
                            **({"remember": "y"} if remember else {})}, page="/login")
    r = two_step.answer(c, r, account=email)
    assert r.status_code == 302, r.status_code
    return c


def test_cookies_replayed_after_a_password_change_are_refused(app, make_user):
    user = make_user()
    laptop, phone = _login(app, user.email), _login(app, user.email)
    stolen = _steal(phone)
    assert "remember_token" in stolen and _signed_in(app, stolen)
    r = laptop.submit("/account", {"pw-current": "correct horse battery staple",
                                   "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD,
                                   "pw-submit": "1"}, page="/account")
    assert r.status_code == 302
    assert laptop.get("/dashboard").status_code == 200        # this device goes on
    assert not _signed_in(app, stolen)                        # every other one is out
    assert not _signed_in(app, {"remember_token": stolen["remember_token"]})
    assert phone.get("/dashboard").status_code == 302


def test_cookies_replayed_after_a_password_reset_are_refused(app, make_user, mailbox):
    user = make_user()
    stolen = _steal(_login(app, user.email))
    c = app.test_client()
    c.submit("/password/forgot", {"email": user.email})
    link = mailbox.last_link(user.email)
    path = "/" + link.split("/", 3)[3]
    assert c.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert not _signed_in(app, stolen)
    assert not _signed_in(app, {"remember_token": stolen["remember_token"]})
    # the link works once
    assert app.test_client().get(path).status_code == 410


def test_cookies_replayed_after_deactivation_are_refused(app, make_user, login_as):
    user = make_user()
    stolen = _steal(_login(app, user.email))
    admin, _ = login_as("admin")
    r = admin.submit("/admin/users/%d/active" % user.id, {"active": "0"},
                     page="/admin/users/%d" % user.id)
    assert r.status_code == 302
    assert not _signed_in(app, stolen)
    assert not _signed_in(app, {"remember_token": stolen["remember_token"]})
    # reactivated later: the old cookies stay dead (new sign-in needed)
    admin.submit("/admin/users/%d/active" % user.id, {"active": "1"},
                 page="/admin/users/%d" % user.id)
    assert not _signed_in(app, stolen)


def test_remember_me_cookie_replayed_after_logout_is_refused(app, make_user):
    user = make_user()
    c = _login(app, user.email)
    stolen = _steal(c)
    c.submit("/logout", page="/")
    assert not _signed_in(app, {"remember_token": stolen["remember_token"]})


def test_a_planted_pre_login_cookie_gains_nothing(app, make_user):
    user = make_user()
    attacker = app.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("portal_session").value
    victim = app.test_client()
    victim.set_cookie("portal_session", planted)
    victim.submit("/login", {"email": user.email, "password": "correct horse battery staple"},
                  page="/login")
    assert victim.get("/dashboard").status_code == 200
    assert victim.get_cookie("portal_session").value != planted
    assert not _signed_in(app, {"portal_session": planted})


def test_a_tampered_session_cookie_is_refused(app, make_user):
    user = make_user()
    cookie = _steal(_login(app, user.email, remember=False))["portal_session"]
    flipped = cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    assert not _signed_in(app, {"portal_session": flipped})


def test_production_cookie_attributes(tmp_path):
    from portal.config import load_config
    conf = load_config(tmp_path, {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 32,
                                  "PUBLIC_URL": "https://portal.test", "MAIL_URL": "log://"})
    assert conf["SESSION_COOKIE_SECURE"] and conf["REMEMBER_COOKIE_SECURE"]
    assert conf["SESSION_COOKIE_HTTPONLY"] and conf.get("REMEMBER_COOKIE_HTTPONLY", True)
    assert conf["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert conf["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 12 * 3600
    assert conf["SESSION_ABSOLUTE_LIFETIME"].total_seconds() <= 24 * 3600


@pytest.mark.parametrize("hours,alive", [(0.5, True), (3, False)])
def test_idle_limit_boundary(app, make_user, monkeypatch, hours, alive):
    """Below the idle limit the session lives; past it, it is gone (and it slides on use)."""
    user = make_user()
    c = _login(app, user.email, remember=False)
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + int(hours * 3600))
    assert (c.get("/dashboard").status_code == 200) is alive


def test_absolute_limit_holds_even_with_remember_me_activity(app, make_user, monkeypatch):
    """Active all day: the session still ends at the absolute limit; remember-me then starts
    a new period (it is a re-authentication the user chose), and not past its 30 days."""
    from portal import app as portal_app
    user = make_user()
    c = _login(app, user.email, remember=False)
    real_time = portal_app.time.time
    monkeypatch.setattr(portal_app.time, "time", lambda: real_time() + 13 * 3600)
    assert c.get("/dashboard").status_code == 302


def test_after_a_reset_the_real_user_signs_in_although_the_account_is_under_attack(
        app, make_user, mailbox):
    user = make_user()
    attacker = app.test_client()
    codes = [attacker.submit("/login", {"email": user.email, "password": "guess %d" % n},
                             page="/login").status_code for n in range(12)]
    assert codes[-1] == 429
    me = app.test_client()
    assert me.submit("/login", {"email": user.email, "password": "correct horse battery staple"},
                     page="/login").status_code == 429
    me.submit("/password/forgot", {"email": user.email})
    path = "/" + mailbox.last_link(user.email).split("/", 3)[3]
    assert me.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert me.submit("/login", {"email": user.email, "password": NEW_PASSWORD},
                     page="/login").status_code == 302
    # the attacker's browser gains nothing from it: still held back
    assert attacker.submit("/login", {"email": user.email, "password": NEW_PASSWORD},
                           page="/login").status_code == 429
