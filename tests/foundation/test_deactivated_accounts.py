"""Issue 16.1: an invitation never undoes a deactivation. Tokens of a deactivated account are
void, deactivating voids the pending ones, using a token never activates an account, and an
address that belongs to a deactivated account or to a higher role cannot be invited."""
import pytest
from sqlalchemy import select

from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from tests.foundation.test_invitations import _invite, _token


def _user(app, email):
    with app.app_context():
        return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _deactivate(admin, app, email):
    user_id = _user(app, email).id
    page = "/admin/users/%d" % user_id
    response = admin.submit(page + "/active", {"active": "0"}, page=page)
    assert response.status_code == 302


def test_deactivating_voids_the_mailed_invitation(app, login_as, mailbox):
    admin, _ = login_as("admin")
    assert _invite(admin).status_code == 302
    token = _token(mailbox.last_link("amadou@example.org"))
    _deactivate(admin, app, "amadou@example.org")
    invitee = app.test_client()
    assert invitee.get("/invitation/" + token).status_code == 410
    response = invitee.submit("/invitation/" + token, {
        "name": "Amadou", "password": "une phrase assez longue",
        "confirm": "une phrase assez longue", "language": "fr", "timezone": "UTC"}, page="/login")
    assert response.status_code == 410
    user = _user(app, "amadou@example.org")
    assert not user.active and user.password_hash is None


def test_a_token_of_a_deactivated_account_is_void_even_if_issued_later(app, make_user):
    """Whatever issued it (a command, an old code path), the token is void while the account is
    deactivated, and using a valid token never re-activates an account."""
    person = make_user(password=None)
    with app.app_context():
        user = db.session.get(User, person.id)
        secret = accounts.invite(user)
        user.active = False
        db.session.commit()
        assert accounts.valid_token(secret, "invitation") is None
        user.active = True
        db.session.commit()
        token = accounts.valid_token(secret, "invitation")
        assert token is not None
        user.active = False   # deactivated between the page and the form being sent
        with pytest.raises(accounts.AccountRefused):
            accounts.use_token(token, "une phrase assez longue")
        assert user.active is False and user.password_hash is None


def test_coordinator_cannot_bring_back_a_deactivated_admin_by_inviting_the_address(
        app, login_as, mailbox):
    admin, _ = login_as("admin")
    assert _invite(admin, email="chief@example.org", role="admin",
                   language="en").status_code == 302
    _deactivate(admin, app, "chief@example.org")
    mailbox.messages.clear()
    coordinator, _ = login_as("coordinator")
    response = _invite(coordinator, email="Chief@Example.org", role="participant")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "deactivated" in html and 'value="Chief@Example.org"' in html
    assert not mailbox.messages
    user = _user(app, "chief@example.org")
    assert (user.role, user.active) == ("admin", False)


def test_the_refusal_is_in_the_inviters_language(app, login_as, mailbox):
    admin, _ = login_as("admin")
    _invite(admin, email="gone@example.org", language="en")
    _deactivate(admin, app, "gone@example.org")
    admin.submit("/account", {"prefs-name": "Admin", "prefs-language": "es",
                              "prefs-timezone": "UTC", "prefs-submit": "1"}, page="/account")
    html = _invite(admin, email="gone@example.org").get_data(as_text=True)
    assert "desactivada" in html


def test_coordinator_cannot_reinvite_a_pending_staff_account_as_participant(
        app, login_as, mailbox):
    admin, _ = login_as("admin")
    _invite(admin, email="newcoord@example.org", role="coordinator", language="en")
    first = _token(mailbox.last_link("newcoord@example.org"))
    mailbox.messages.clear()
    coordinator, _ = login_as("coordinator")
    response = _invite(coordinator, email="newcoord@example.org", role="participant")
    assert response.status_code == 409
    assert "higher role" in response.get_data(as_text=True)
    assert not mailbox.messages
    assert app.test_client().get("/invitation/" + first).status_code == 200  # still theirs


def test_reset_of_a_deactivated_account_is_void(app, client, make_user, mailbox):
    person = make_user()
    client.submit("/password/forgot", {"email": person.email})
    token = _token(mailbox.last_link(person.email))
    with app.app_context():
        accounts.set_active(db.session.get(User, person.id), False)
        db.session.commit()
    assert app.test_client().get("/password/reset/" + token).status_code == 410
