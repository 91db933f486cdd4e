"""While the database is down, people get a clear page in their language (503, "try again in a
few minutes"), not the server's bare "Internal Server Error": the error page used to need the
signed-in user, loaded from the database that had just failed (found by
tests/reliability/test_database_faults.py, fixed in portal/errors.py)."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError


@pytest.fixture
def database_down(monkeypatch):
    from portal.extensions import db

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    def cut():
        for name in ("get", "scalar", "scalars", "execute"):
            monkeypatch.setattr(db.session, name, down)
    return cut


@pytest.mark.parametrize("lang, words", [("en", "try again in a few minutes"),
                                         ("fr", "Temporairement indisponible"),
                                         ("es", "No disponible temporalmente")])
def test_signed_in_page_while_the_database_is_down(login_as, database_down, lang, words):
    client, _ = login_as("participant", language=lang)
    assert client.get("/dashboard").status_code == 200
    database_down()
    response = client.get("/dashboard", headers={"Accept-Language": lang})
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert words.lower() in body.lower(), body
    assert "Traceback" not in body and "OperationalError" not in body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_form_post_while_the_database_is_down(login_as, database_down):
    client, _ = login_as("participant")
    token = client.csrf_token("/account")
    database_down()
    response = client.post("/account", data={"csrf_token": token, "name": "New name"})
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True).lower()



def test_connection_lost_when_the_request_ends(login_as, monkeypatch):
    """The database dies after the page was made: closing the session (a rollback on the dead
    connection) fails. The page still goes out, and the next request gets a fresh session."""
    from sqlalchemy.orm import Session

    client, _ = login_as("participant")
    real, calls = Session.close, []

    def close(self):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("ROLLBACK", {}, ConnectionResetError(
                "server closed the connection unexpectedly"))
        return real(self)
    monkeypatch.setattr(Session, "close", close)
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200
    assert len(calls) >= 2
