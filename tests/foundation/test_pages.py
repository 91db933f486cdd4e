"""Pages in three languages, error pages, security headers, and GET never changing state."""
import re
from pathlib import Path

import polib
import pytest
from sqlalchemy import func, select

from portal.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PAGES_BY_ROLE = {
    None: ["/", "/login", "/password/forgot"],
    "participant": ["/", "/dashboard", "/account"],
    "instructor": ["/dashboard", "/account"],
    "coordinator": ["/dashboard", "/invite", "/account"],
    "admin": ["/dashboard", "/admin/users", "/invite", "/account"],
}


def _english_msgids():
    """Interface sentences long enough that their presence on a French page means a miss."""
    po = polib.pofile(str(ROOT / "translations/fr/LC_MESSAGES/messages.po"))
    return [e.msgid for e in po if len(e.msgid.split()) >= 3 and "%(" not in e.msgid
            and e.msgstr != e.msgid]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<option value="[^"]*"[^>]*>[^<]*</option>', " ", html)  # names of zones
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", ["fr", "es"])
@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_no_english_left_on_any_page(app, login_as, role, lang):
    client = app.test_client() if role is None else login_as(role, language=lang)[0]
    english = _english_msgids()
    for url in PAGES_BY_ROLE[role]:
        response = client.get(url, headers={"Accept-Language": lang})
        assert response.status_code == 200, url
        text = _visible_text(response.get_data(as_text=True))
        assert '<html lang="%s">' % lang in response.get_data(as_text=True)
        left = [m for m in english if m in text]
        assert not left, "English left on %s (%s): %s" % (url, lang, left)


@pytest.mark.parametrize("lang,title", [("en", "Page not found"), ("fr", "Page introuvable"),
                                        ("es", "Página no encontrada")])
def test_404_page_in_each_language(client, lang, title):
    response = client.get("/no/such/page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_403_page_in_spanish(login_as):
    c, _ = login_as("participant", language="es")
    response = c.get("/admin/users")
    assert response.status_code == 403 and "Acceso denegado" in response.get_data(as_text=True)


def test_oversize_request_gets_413_in_users_language(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    token = client.csrf_token("/login")
    response = client.post("/login", data={"csrf_token": token, "email": "x" * 5000},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 413
    assert "Trop volumineux" in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused_in_users_language(client):
    response = client.post("/login", data={"email": "a@example.org", "password": "x"},
                           headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert "Este formulario ha caducado" in response.get_data(as_text=True)


def test_csrf_token_of_another_session_is_refused(app, client):
    other = app.test_client()
    token = other.csrf_token("/login")
    client.get("/login")
    response = client.post("/login", data={"email": "a@example.org", "password": "x",
                                           "csrf_token": token})
    assert response.status_code == 400


def test_500_is_generic_and_translated(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret detail: db password is hunter2")
    boom.access = frozenset({"public"})
    app.view_functions["boom"].access = frozenset({"public"})
    response = client.get("/boom", headers={"Accept-Language": "fr"})
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Un problème est survenu" in body
    assert "hunter2" not in body and "Traceback" not in body


def test_json_errors_for_api_clients(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


@pytest.mark.parametrize("url", ["/", "/login", "/no/such/page", "/healthz",
                                 "/static/css/portal.css"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    h = response.headers
    assert "script-src 'self'" in h["Content-Security-Policy"]
    assert "unsafe-inline" not in h["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in h  # only behind HTTPS
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                 "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy"):
        assert len(h.getlist(name)) == 1, name
    assert len(h.getlist("Cache-Control")) <= 1


def test_hsts_behind_https(client):
    response = client.get("/", base_url="https://portal.test")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_script_and_no_external_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not src.startswith(("http:", "https:", "//")), src


def test_home_page_is_light(client):
    html = client.get("/").get_data()
    css = client.get("/static/css/portal.css").get_data()
    assert len(html) + len(css) < 30_000


def _row_count(app) -> int:
    with app.app_context():
        return sum(db.session.execute(select(func.count()).select_from(t)).scalar()
                   for t in db.metadata.sorted_tables)


def test_crawling_every_get_page_changes_nothing(app, login_as):
    for role in ("participant", "instructor", "coordinator", "admin"):
        c, user = login_as(role)
        before = _row_count(app)
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and not rule.arguments:
                c.get(rule.rule)
        c.get("/admin/users/%d" % user.id)
        c.get("/invitation/not-a-token")
        c.get("/password/reset/not-a-token")
        assert _row_count(app) == before, role


def test_healthz_reports_each_component(client, login_as):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    admin, _ = login_as("admin")   # issue 16: details (paths, generations) for admins only
    data = admin.get("/healthz").get_json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "storage", "search_index"}
    assert all(c["ok"] for c in data["checks"].values())
    for role in ("participant", "coordinator"):
        other, _ = login_as(role)
        assert other.get("/healthz").get_json() == {"status": "ok"}


def test_healthz_says_when_the_database_is_down(tmp_path):
    from portal.app import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path),
                      # a port where nothing listens: a real refused connection
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/x",
                      "STORAGE_URL": "file://" + str(tmp_path / "storage")})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "degraded"}   # which one: /admin/status


def test_csp_allows_the_object_stores_origin_when_browsers_reach_it(app, client):
    app.config["STORAGE_BROWSER_ORIGIN"] = "https://s3.example.org"
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://s3.example.org" in csp
    assert "media-src 'self' blob: https://s3.example.org" in csp
    assert "script-src 'self';" in csp   # never scripts from there
