"""Issue 8.7: redirects stay on the site (next= on sign-in is in tests/foundation/test_auth.py;
here the language switcher and the sign-in redirect of every protected page), forced errors
show the generic page with the security headers, and the Werkzeug debugger is unreachable."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

HOSTILE = ["//evil.example", "/\\evil.example", "javascript:alert(1)", "https://evil.example/",
           "\\\\evil.example", "/%2F%2Fevil.example", " //evil.example", "//evil.example@portal",
           "http:evil.example", "/\t/evil.example", "%0d%0aLocation:%20http://evil.example"]


def _stays_on_site(location: str) -> bool:
    parts = urlsplit(location)
    return parts.scheme in ("", "http") and parts.netloc in ("", "localhost", "portal.test") \
        and not location.lstrip().startswith(("//", "/\\", "\\")) and "\n" not in location


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switcher_never_leaves_the_site(client, login_as, target):
    for c in (client, login_as("participant")[0]):
        response = c.submit("/language", {"lang": "fr", "next": target}, page="/")
        assert response.status_code == 302
        assert _stays_on_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_redirect_carries_next_that_cannot_leave(client, make_user, target):
    # A protected page remembers where you were; the login then follows only local paths.
    user = make_user()
    response = client.get("/login?next=" + target)
    assert response.status_code == 200
    response = client.submit("/login?next=" + target,
                             {"email": user.email, "password": "correct horse battery staple",
                              "next": target}, page="/login?next=" + target)
    assert response.status_code == 302
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("path,method,code", [
    ("/no-such-page", "GET", 404), ("/logout", "GET", 405), ("/login", "DELETE", 405),
    ("/api/v1/library/materials/nope", "GET", 404), ("/static/../portal/config.py", "GET", 404),
    ("/static/%2e%2e/wsgi.py", "GET", 404),
])
def test_errors_are_generic_and_carry_the_headers(client, path, method, code):
    response = client.open(path, method=method)
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "werkzeug" not in body.lower()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_crash_shows_the_generic_page_and_no_debugger(app):
    @app.route("/__crash")
    def crash():
        raise RuntimeError("secret detail /etc/passwd")
    crash.access = frozenset({"public"})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.testing = False
    client = app.test_client()
    response = client.get("/__crash")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret detail" not in body and "Traceback" not in body
    assert "__debugger__" not in body and "Werkzeug Debugger" not in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not app.debug
    # the console and the debugger's resources do not exist
    for probe in ("/console", "/?__debugger__=yes&cmd=resource&f=debugger.js"):
        r = client.get(probe)
        text = r.get_data(as_text=True)
        assert r.status_code in (200, 404) and "Werkzeug" not in text and "debugger.js" not in (
            r.headers.get("Content-Type", "") + text.split("</head>")[0])


def test_production_config_never_enables_debug(tmp_path, monkeypatch):
    from portal.app import create_app
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": "x" * 32,
                      "PUBLIC_URL": "https://portal.test", "MAIL_URL": "log://",
                      "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.db")})
    assert not app.debug   # FLASK_DEBUG=1 left in a production environment changes nothing
