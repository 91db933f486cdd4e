"""Issue 16.2: links in mail are made from PUBLIC_URL only, and a request for a host the portal
does not answer to is refused (TRUSTED_HOSTS, derived from PUBLIC_URL)."""
import re
from pathlib import Path

import pytest

from portal.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def test_reset_asked_with_a_forged_host_is_refused_in_the_readers_language(client, make_user,
                                                                          mailbox):
    user = make_user()
    token = client.csrf_token("/password/forgot")
    response = client.post("/password/forgot", data={"email": user.email, "csrf_token": token},
                           headers={"Host": "evil.example", "Accept-Language": "fr"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html and "adresse" in html and "evil.example" not in html
    assert not mailbox.messages


def test_the_link_is_made_from_public_url_even_when_the_host_is_let_through(app, client,
                                                                            make_user, mailbox):
    """With the host check off (TRUSTED_HOSTS emptied by an operator) or a proxy passing any
    X-Forwarded-Host, the mailed link still points to PUBLIC_URL, never to the asker's host."""
    app.config["TRUSTED_HOSTS"] = None
    user = make_user()
    page = client.get("/password/forgot", headers={"Host": "evil.example"})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]
    response = client.post("/password/forgot", data={"email": user.email, "csrf_token": token},
                           headers={"Host": "evil.example"})
    assert response.status_code == 200
    link = mailbox.last_link(user.email)
    assert link.startswith("http://portal.test/password/reset/"), link
    assert "evil.example" not in mailbox.to(user.email)[-1].get_content()


def test_the_public_host_and_local_probes_are_answered(client):
    assert client.get("/login", headers={"Host": "portal.test"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "portal.test.evil.example"}).status_code == 400


def test_development_gets_a_safe_public_url_and_hosts_derived_from_it(tmp_path):
    conf = load_config(tmp_path, {"PORTAL_ENV": "development"})
    assert conf["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert conf["TRUSTED_HOSTS"] == ("127.0.0.1", "localhost")
    conf = load_config(tmp_path, {"PORTAL_ENV": "testing", "SECRET_KEY": "x",
                                  "PUBLIC_URL": "https://portal.example.org/"})
    assert conf["TRUSTED_HOSTS"] == ("portal.example.org", "localhost", "127.0.0.1")
    conf = load_config(tmp_path, {"PORTAL_ENV": "testing", "SECRET_KEY": "x",
                                  "TRUSTED_HOSTS": "portal.example.org, .example.net"})
    assert conf["TRUSTED_HOSTS"] == ("portal.example.org", ".example.net")


def test_the_nginx_example_drops_unknown_hosts():
    conf = (ROOT / "deploy" / "nginx" / "portal.conf").read_text()
    servers = re.split(r"\n(?=server \{)", conf)
    default = [s for s in servers if "default_server" in s]
    assert default, "no default server"
    for server in default:
        assert re.search(r"return 444;", server) and "proxy_pass" not in server
    assert "listen 443 ssl default_server" in conf and "listen 80 default_server" in conf


@pytest.mark.parametrize("lang, words", [("es", "dirección"), ("en", "address")])
def test_the_refusal_speaks_each_language(client, lang, words):
    response = client.get("/", headers={"Host": "evil.example", "Accept-Language": lang})
    assert response.status_code == 400 and words in response.get_data(as_text=True)
