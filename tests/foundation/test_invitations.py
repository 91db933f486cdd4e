"""Invitations, password reset and the account page."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import AccountToken, User
from portal.db_types import utcnow
from portal.extensions import db


def _invite(client, **fields):
    data = {"email": "amadou@example.org", "name": "Amadou Sow", "role": "participant",
            "country": "SN", "organization": "Ministère des Pêches", "language": "fr", **fields}
    return client.submit("/invite", data)


def _token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def test_coordinator_invites_and_mail_goes_in_invitees_language(login_as, mailbox):
    coordinator, _ = login_as("coordinator")
    response = _invite(coordinator)
    assert response.status_code == 302
    [message] = mailbox.to("amadou@example.org")
    assert message["Subject"] == "Votre invitation au Portail de co-création de connaissances"
    body = message.get_content()
    assert "Bonjour Amadou Sow," in body and "/invitation/" in body
    sent = message["Date"].datetime  # every mail is dated (RFC 5322), in UTC
    assert sent.utcoffset() == timedelta(0) and abs(utcnow() - sent) < timedelta(minutes=5)


def test_accepting_an_invitation_sets_password_language_and_timezone(app, login_as, mailbox):
    coordinator, _ = login_as("coordinator")
    _invite(coordinator)
    link = mailbox.last_link("amadou@example.org")
    invitee = app.test_client()
    path = "/invitation/" + _token(link)
    page = invitee.get(path)
    assert page.status_code == 200 and 'lang="fr"' not in page.get_data(as_text=True)[:100]
    response = invitee.submit(path, {"name": "Amadou Sow", "password": "une phrase assez longue",
                                     "confirm": "une phrase assez longue", "language": "es",
                                     "timezone": "Africa/Dakar"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    dashboard = invitee.get("/dashboard").get_data(as_text=True)
    assert '<html lang="es">' in dashboard and "Bienvenido/a, Amadou Sow" in dashboard
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "amadou@example.org")).scalar()
        assert (user.language, user.timezone, user.country) == ("es", "Africa/Dakar", "SN")
    # The link works once.
    again = app.test_client().get(path)
    assert again.status_code == 410


def test_expired_invitation_is_refused_with_a_clear_page(app, login_as, mailbox):
    coordinator, _ = login_as("coordinator")
    _invite(coordinator)
    token = _token(mailbox.last_link("amadou@example.org"))
    with app.app_context():
        for t in db.session.execute(select(AccountToken)).scalars():
            t.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = app.test_client().get("/invitation/" + token,
                                     headers={"Accept-Language": "es"})
    assert response.status_code == 410
    assert "Esta invitación ha caducado" in response.get_data(as_text=True)


def test_invitation_form_errors_keep_what_was_typed(app, login_as, mailbox):
    coordinator, _ = login_as("coordinator")
    _invite(coordinator)
    path = "/invitation/" + _token(mailbox.last_link("amadou@example.org"))
    c = app.test_client()
    response = c.submit(path, {"name": "Amadou S.", "password": "short", "confirm": "other",
                               "language": "fr", "timezone": "Mars/Olympus"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Amadou S."' in html
    assert "12" in html and "time zone" in html.lower()
    # A failed attempt does not use the link up.
    assert c.get(path).status_code == 200


def test_coordinator_may_not_invite_an_admin(login_as, mailbox):
    coordinator, _ = login_as("coordinator")
    response = _invite(coordinator, role="admin")
    assert response.status_code == 400
    assert not mailbox.messages


def test_admin_may_invite_a_coordinator(login_as, mailbox):
    admin, _ = login_as("admin")
    assert _invite(admin, role="coordinator", language="en").status_code == 302
    assert mailbox.to("amadou@example.org")[0]["Subject"].startswith("Your invitation")


def test_inviting_an_existing_account_is_refused(login_as, make_user, mailbox):
    coordinator, _ = login_as("coordinator")
    existing = make_user()
    response = _invite(coordinator, email=existing.email.upper())
    assert response.status_code == 409
    assert "exists already" in response.get_data(as_text=True)


def test_reinviting_someone_who_never_accepted_replaces_the_link(app, login_as, mailbox):
    coordinator, _ = login_as("coordinator")
    _invite(coordinator)
    first = _token(mailbox.last_link("amadou@example.org"))
    assert _invite(coordinator).status_code == 302
    second = _token(mailbox.last_link("amadou@example.org"))
    assert first != second
    assert app.test_client().get("/invitation/" + first).status_code == 410
    assert app.test_client().get("/invitation/" + second).status_code == 200


@pytest.mark.parametrize("email", ["participant1@example.org", "nobody@example.org"])
def test_reset_request_answers_the_same_either_way(client, make_user, mailbox, email):
    make_user()
    response = client.submit("/password/forgot", {"email": email})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "If an account uses %s" % email in text
    assert len(mailbox.to(email)) == (1 if email.startswith("participant") else 0)


def test_reset_password_flow_is_single_use_and_ends_sessions(app, auth, client, make_user,
                                                             mailbox):
    user = make_user()
    auth.login(user.email)
    old_cookie = client.get_cookie("portal_session").value
    anon = app.test_client()
    anon.submit("/password/forgot", {"email": user.email})
    path = "/password/reset/" + _token(mailbox.last_link(user.email))
    response = anon.submit(path, {"password": "a brand new passphrase",
                                  "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert anon.get(path).status_code == 410
    replay = app.test_client()
    replay.set_cookie("portal_session", old_cookie)
    assert replay.get("/dashboard").status_code == 302


def test_after_a_reset_the_sign_in_page_speaks_the_accounts_language(app, make_user, mailbox):
    user = make_user(language="es")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.submit("/password/forgot", {"email": user.email})
    path = "/password/reset/" + _token(mailbox.last_link(user.email))
    answer = client.submit(path, {"password": "a brand new passphrase",
                                  "confirm": "a brand new passphrase"}, follow_redirects=True)
    assert "Su contraseña se ha cambiado. Inicie sesión con la nueva." in \
        answer.get_data(as_text=True)


def test_reset_link_expires_after_one_hour(app, client, make_user, mailbox):
    user = make_user()
    client.submit("/password/forgot", {"email": user.email})
    token = _token(mailbox.last_link(user.email))
    with app.app_context():
        t = db.session.execute(select(AccountToken)).scalar()
        assert t.expires_at - t.created_at == timedelta(hours=1)
        t.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/password/reset/" + token).status_code == 410


def test_account_page_changes_language_and_timezone(login_as):
    c, _ = login_as("participant")
    response = c.submit("/account", {"prefs-name": "Carlos Mendoza", "prefs-language": "es",
                                     "prefs-timezone": "America/La_Paz", "prefs-submit": "1"},
                        page="/account")
    assert response.status_code == 302
    page = c.get("/account").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert re.search(r'<option selected value="America/La_Paz"|value="America/La_Paz" selected',
                     page)


def test_password_change_needs_current_password_and_ends_other_sessions(app, login_as):
    c, user = login_as("participant")
    other = app.test_client()
    other.set_cookie("portal_session", c.get_cookie("portal_session").value)
    wrong = c.submit("/account", {"pw-current": "not it at all", "pw-password": "n" * 14,
                                  "pw-confirm": "n" * 14, "pw-submit": "1"}, page="/account")
    assert wrong.status_code == 400
    assert "current password is not right" in wrong.get_data(as_text=True)
    ok = c.submit("/account", {"pw-current": "correct horse battery staple",
                               "pw-password": "another long passphrase",
                               "pw-confirm": "another long passphrase", "pw-submit": "1"},
                  page="/account")
    assert ok.status_code == 302
    assert c.get("/account").status_code == 200           # this device stays signed in
    assert other.get("/account").status_code == 302       # the other one is signed out
