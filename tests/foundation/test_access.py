"""Every route is classified by who may call it, and the app enforces exactly that."""
import importlib.util
from pathlib import Path

import pytest

from portal.access import ROLES, policy_of

_spec = importlib.util.spec_from_file_location(
    "access_table", Path(__file__).resolve().parent.parent / "access_table.py")
access_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(access_table)
ACCESS = access_table.ACCESS


def test_every_route_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ACCESS))
    assert not missing, "routes not classified in tests/access_table.py: %s" % missing
    stale = sorted(set(ACCESS) - endpoints)
    assert not stale, "access table lists routes that no longer exist: %s" % stale


def test_the_app_declares_the_same_audience_as_the_table(app):
    with app.test_request_context():
        for endpoint, expected in ACCESS.items():
            assert policy_of(endpoint) == frozenset(expected), endpoint


def _may(audience: set, role: str | None) -> bool:
    if "public" in audience:
        return True
    if role is None:
        return False
    return "authenticated" in audience or role in audience


def _sample_urls(app):
    """GET URLs for every parameterless route (routes with ids are tried in their domain tests
    with someone else's id)."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.endpoint, rule.rule


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_gets_exactly_what_the_table_allows(app, login_as, role):
    client = app.test_client() if role is None else login_as(role)[0]
    for endpoint, url in _sample_urls(app):
        response = client.get(url)
        if _may(ACCESS[endpoint], role):
            assert response.status_code in (200, 302), (role, url, response.status_code)
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"], (role, url)
        elif role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, (role, url, response.status_code)


def test_a_route_without_declared_audience_is_refused(app):
    @app.route("/undeclared")
    def undeclared():
        return "should never be served"
    response = app.test_client().get("/undeclared")
    assert response.status_code == 403


def test_posting_routes_refuse_anonymous_and_wrong_roles(app, login_as, client):
    # Anonymous: sent to sign in, nothing done.
    assert client.submit("/logout", page="/").status_code == 302
    participant, _ = login_as("participant")
    token = participant.csrf_token("/")
    assert participant.post("/admin/users/1/active", data={"csrf_token": token,
                                                           "active": "0"}).status_code == 403
    assert participant.post("/invite", data={"csrf_token": token}).status_code == 403
