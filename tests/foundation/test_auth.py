"""Sign-in, sign-out, sessions, rate limits and redirects."""
from datetime import UTC

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from tests.conftest import DEMO_PASSWORD


def test_login_then_dashboard(auth, client, make_user):
    user = make_user("participant", name="Aminata Diallo")
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Aminata Diallo" in page


def test_login_is_case_insensitive_on_email(auth, make_user):
    make_user(email="Grace.Wanjiru@Example.org")
    assert auth.login("grace.wanjiru@EXAMPLE.ORG").status_code == 302


@pytest.mark.parametrize("email,password", [
    ("participant1@example.org", "wrong password!"),
    ("nobody@example.org", "correct horse battery staple"),
])
def test_bad_credentials_give_one_clear_message(auth, make_user, email, password):
    make_user()
    response = auth.login(email, password)
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    # What was typed is kept (but never the password).
    assert 'value="%s"' % email in response.get_data(as_text=True)
    assert password not in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(app, auth, make_user):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert auth.login(user.email).status_code == 401


def test_login_starts_a_new_session(auth, client, make_user):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("portal_session").value
    auth.login(user.email)
    after = client.get_cookie("portal_session").value
    assert before != after


def test_logout_ends_every_session_of_the_user(app, auth, client, make_user):
    user = make_user()
    auth.login(user.email)
    stolen = client.get_cookie("portal_session").value
    other = app.test_client()
    other.set_cookie("portal_session", stolen)
    assert other.get("/dashboard").status_code == 200
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("portal_session", stolen)
    response = replay.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_needs_post_and_csrf(auth, client, make_user):
    user = make_user()
    auth.login(user.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400   # no CSRF token
    assert client.get("/dashboard").status_code == 200  # still signed in


def test_remember_me_lasts_at_most_30_days(auth, client, make_user):
    user = make_user()
    response = auth.login(user.email, remember="y")
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token")]
    assert cookies and "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    from datetime import datetime
    from email.utils import parsedate_to_datetime
    expires = parsedate_to_datetime(cookies[0].split("Expires=")[1].split(";")[0])
    assert (expires - datetime.now(UTC)).days <= 30


def test_session_cookie_flags(auth, make_user):
    user = make_user()
    response = auth.login(user.email)
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("portal_session")]
    assert "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0]


def test_secure_cookies_outside_development(tmp_path):
    from portal.app import create_app
    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": "x" * 32,
                      "PUBLIC_URL": "https://portal.test", "MAIL_URL": "log://",
                      "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.db")})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]


def test_idle_session_expires(app, auth, client, make_user, monkeypatch):
    user = make_user()
    auth.login(user.email)
    assert client.get("/dashboard").status_code == 200
    # The signed cookie carries its own timestamp: a cookie older than the idle limit is refused.
    import itsdangerous.timed
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + 3 * 3600)
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _thirteen_hours_later(monkeypatch) -> None:
    """The portal's own clock (the absolute limit's) 13 hours on; the cookie's signature keeps
    the real time, so the session is still within its idle limit (a session kept in use)."""
    import time
    from types import SimpleNamespace

    from portal import app as portal_app
    monkeypatch.setattr(portal_app, "time", SimpleNamespace(time=lambda: time.time() + 13 * 3600))


def test_absolute_timeout_ends_session(app, auth, client, make_user, monkeypatch):
    user = make_user()
    auth.login(user.email)
    _thirteen_hours_later(monkeypatch)
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboard").status_code == 302      # and it stays ended


def test_a_session_ended_keeps_the_readers_language(app, make_user, monkeypatch):
    """Signing out, or a session past its absolute limit, forgets who was signed in but not
    the language the reader read the portal in (their account's, on a browser that asks for
    English; one rule: ``security.clear_session``)."""
    from tests.conftest import Auth
    user = make_user(language="fr")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    Auth(client).login(user.email)
    home = client.submit("/logout", page="/", follow_redirects=True)
    assert "Vous êtes déconnecté." in home.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302           # signed out all the same
    Auth(client).login(user.email)
    _thirteen_hours_later(monkeypatch)
    ended = client.get("/dashboard")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert "Se connecter" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", " //evil.example", "/%0d%0aLocation: http://evil.example",
])
def test_next_never_leaves_the_site(auth, make_user, target):
    user = make_user()
    response = auth.login(user.email, next=target)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil.example" not in location.split("?")[0] or location.startswith("/%")


def test_next_to_a_local_page_is_followed(auth, make_user):
    user = make_user()
    response = auth.login(user.email, next="/account")
    assert response.headers["Location"] == "/account"


def test_login_page_sends_you_back_where_you_were(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "next=/account" in response.headers["Location"].replace("%2F", "/")


def test_rate_limit_per_account_with_clear_message(app, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    user = make_user()
    for _ in range(3):
        assert auth.login(user.email, "wrong password").status_code == 401
    response = auth.login(user.email)  # even the right password waits now
    assert response.status_code == 429
    assert "too many attempts" in response.get_data(as_text=True).lower()
    # Another account from the same address is not blocked by this account's limit.
    other = make_user()
    assert auth.login(other.email).status_code == 302


def test_rate_limit_message_in_french(app, client, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    user = make_user()
    token = client.csrf_token("/login")
    headers = {"Accept-Language": "fr"}
    client.post("/login", data={"email": user.email, "password": "x", "csrf_token": token},
                headers=headers)
    response = client.post("/login", data={"email": user.email, "password": "x",
                                           "csrf_token": token}, headers=headers)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_rate_limit_per_address(app, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    users = [make_user() for _ in range(5)]
    codes = [auth.login(u.email, "wrong").status_code for u in users]
    assert codes[:4] == [401] * 4 and codes[4] == 429


def test_password_is_hashed_with_argon2id(app, make_user):
    user = make_user()
    with app.app_context():
        stored = db.session.execute(select(User.password_hash).where(User.id == user.id)).scalar()
    assert stored.startswith("$argon2id$")


def test_production_parameters_use_one_lane_and_old_hashes_are_remade(app, make_user, auth):
    """Outside test suites: OWASP's 19 MiB / 2 passes / 1 lane. A hash made with other
    parameters (the library's 4-lane default, the portal's earlier 46 MiB set) still signs in
    and is re-made with the current ones."""
    from argon2 import PasswordHasher

    from portal.auth.models import PASSWORD_PARAMETERS
    assert PasswordHasher(**PASSWORD_PARAMETERS).hash("x").startswith(
        "$argon2id$v=19$m=19456,t=2,p=1$")
    user = make_user()
    for parameters in ({"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
                       {"time_cost": 1, "memory_cost": 47104, "parallelism": 1}):
        old = PasswordHasher(**parameters).hash(DEMO_PASSWORD)
        with app.app_context():
            db.session.get(User, user.id).password_hash = old
            db.session.commit()
        assert auth.login(user.email).status_code == 302
        auth.logout()
        with app.app_context():
            remade = db.session.get(User, user.id).password_hash
        assert remade != old and ",m=%d," % parameters["memory_cost"] not in remade


def test_the_signed_in_session_slides_once_a_minute(app, make_user, auth, monkeypatch):
    """The idle limit slides with use, but the cookie is signed again at most once a minute:
    most responses carry no Set-Cookie (bytes and signing saved)."""
    from portal import app as portal_app
    user = make_user()
    assert auth.login(user.email).status_code == 302

    def session_cookies(response):
        return [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith("portal_session=")]
    assert session_cookies(auth.client.get("/dashboard"))  # the first slide after sign-in
    assert not session_cookies(auth.client.get("/dashboard"))
    assert not session_cookies(auth.client.get("/courses"))
    real_time = portal_app.time.time
    monkeypatch.setattr(portal_app.time, "time", lambda: real_time() + 61)
    slid = session_cookies(auth.client.get("/courses"))
    assert slid and "Expires=" in slid[0]
