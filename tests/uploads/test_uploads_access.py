"""Who may call each upload route: an upload belongs to its owner, anyone else gets 404."""
from __future__ import annotations

import pytest

from portal.access import policy_of

MiB = 1024 * 1024
# The rows tests/access_table.py needs for these routes.
EXPECTED = {
    "uploads.create": {"authenticated"},
    "uploads.status": {"authenticated"},
    "uploads.part": {"authenticated"},
    "uploads.put_part": {"authenticated"},
    "uploads.complete": {"authenticated"},
    "uploads.cancel": {"authenticated"},
    "uploads.new": {"authenticated"},
    "uploads.form": {"authenticated"},
    "uploads.download": {"public"},
}


def test_every_upload_route_declares_its_audience(uploads_app):
    endpoints = {r.endpoint for r in uploads_app.url_map.iter_rules()
                 if r.endpoint.startswith("uploads.")}
    assert endpoints == set(EXPECTED)
    with uploads_app.test_request_context():
        for endpoint, audience in EXPECTED.items():
            assert policy_of(endpoint) == frozenset(audience), endpoint


def _calls(upload_id):
    base = "/uploads/%s" % upload_id
    return [("get", base), ("get", base + "/parts/1"), ("put", base + "/parts/1"),
            ("post", base + "/complete"), ("delete", base)]


def test_someone_elses_upload_is_not_found(api_as, backend, pdf, make_api):
    owner, _ = api_as("participant")
    data = pdf(MiB)
    upload = owner.create("a.pdf", len(data)).get_json()
    for role in ("participant", "instructor", "admin"):
        other, _ = api_as(role)
        for method, url in _calls(upload["id"]):
            response = getattr(other.client, method)(url, data=b"x" if method == "put" else None,
                                                     headers=other.headers)
            assert response.status_code == 404, (role, method, url)
    assert owner.status(upload["id"]).get_json()["parts"] == []  # nothing happened to it
    assert owner.upload(data).status_code == 200


def test_unknown_upload_is_not_found(api_as, backend):
    api, _ = api_as("participant")
    for method, url in _calls("no-such-upload"):
        response = getattr(api.client, method)(url, headers=api.headers)
        assert response.status_code == 404, (method, url)


def test_anonymous_callers_are_refused(uploads_app, backend):
    client = uploads_app.test_client()
    json = {"Accept": "application/json"}
    assert client.post("/uploads", json={}, headers=json).status_code in (400, 401)
    for method, url in _calls("anything"):
        response = getattr(client, method)(url, headers=json)
        assert response.status_code in (400, 401), (method, url)  # 400: no CSRF token
    page = client.get("/uploads/new")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    status = client.get("/uploads/whatever", headers=json)
    assert status.status_code == 401


def test_state_changes_need_the_csrf_token(api_as, backend):
    api, _ = api_as("participant")
    response = api.client.post("/uploads", json={"name": "a.pdf", "size": 10,
                                                  "purpose": "document"},
                               headers={"Accept": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("role, purpose, allowed", [
    ("participant", "document", True), ("participant", "material", False),
    ("participant", "subtitle", False), ("instructor", "material", True),
    ("coordinator", "subtitle", True), ("admin", "material", True)])
def test_purposes_decide_who_may_upload(api_as, backend, role, purpose, allowed):
    api, _ = api_as(role)
    name = "a.pdf" if purpose != "subtitle" else "a.vtt"
    response = api.create(name, 1000, purpose=purpose)
    assert response.status_code == (201 if allowed else 403)
    page = api.client.get("/uploads/new?purpose=%s" % purpose)
    assert page.status_code == (200 if allowed else 403)
