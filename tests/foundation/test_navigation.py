"""Who sees a link and who may follow it are one rule: the header's links and the pages'
buttons to other routes are offered by ``access.may_open``, the audience each route declares."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from portal.access import ROLES, admits, policy_of

NAV = re.compile(r'<nav aria-label="[^"]*" class="main-nav">(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def _header_links(client) -> list[str]:
    html = client.get("/dashboard" if client is not None else "/").get_data(as_text=True)
    return HREF.findall(NAV.search(html).group(1))


@pytest.mark.parametrize("role", ROLES)
def test_every_header_link_opens_for_the_role_that_sees_it(app, login_as, role):
    client, _user = login_as(role)
    links = _header_links(client)
    assert links, "no header link"
    for href in links:
        assert client.get(href).status_code == 200, (role, href)


def test_each_role_sees_the_links_its_routes_admit_and_no_other(app, login_as):
    from portal.navigation import _LINKS
    expected_somewhere = {"/invite", "/admin/users", "/admin/status"}
    seen = {}
    for role in ROLES:
        client, _user = login_as(role)
        seen[role] = set(_header_links(client))
        user = SimpleNamespace(is_authenticated=True, role=role)
        with app.test_request_context():
            from flask import url_for
            for endpoint in _LINKS:
                shown = url_for(endpoint) in seen[role]
                assert shown == admits(policy_of(endpoint), user), (role, endpoint)
    assert "/assignments" in seen["participant"] and "/invite" not in seen["participant"]
    assert "/invite" in seen["coordinator"] and "/admin/users" not in seen["coordinator"]
    assert expected_somewhere <= seen["admin"]
    assert "/assignments" not in seen["instructor"]


def test_a_visitor_sees_only_the_public_links(client):
    html = client.get("/").get_data(as_text=True)
    links = HREF.findall(NAV.search(html).group(1))
    assert "/library/" in links or "/library" in links
    assert not any(link.startswith(("/admin", "/assignments", "/action-plans")) for link in links)


def test_a_course_button_shows_where_its_route_admits(app, login_as):
    """The "New course" button on the course list, for the roles ``courses.create`` admits."""
    for role, shown in (("coordinator", True), ("admin", True), ("instructor", False),
                        ("participant", False)):
        client, _user = login_as(role)
        html = client.get("/courses").get_data(as_text=True)
        assert ('href="/courses/new"' in html) is shown, role
