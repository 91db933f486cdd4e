"""Issue 8.2: forms and state, on the demo world.

- every state-changing route refuses a request without a CSRF token, or with another session's,
  even from someone allowed to use it, and nothing changes;
- crawling every GET route (with real ids) as each persona changes no row of any table;
- extra fields (role, owner_id, status, user_id, is_admin, course_id of another course...) posted
  to every form are ignored.
"""
from __future__ import annotations

import importlib.util
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

_spec = importlib.util.spec_from_file_location(
    "security_access_matrix", Path(__file__).resolve().parent / "test_access_matrix.py")
matrix = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(matrix)
OBJECTS, PERSONAS, UNSAFE = matrix.OBJECTS, matrix.PERSONAS, matrix.UNSAFE
PREFERENCE = ("owner", "instructor", "coordinator", "admin", "other_participant")


def _routes(world):
    for rule in sorted(world.app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.arguments and rule.endpoint not in OBJECTS:
            continue   # reported by test_access_matrix.py
        args, owner, instructor, object_rule = OBJECTS.get(
            rule.endpoint) or ({}, "jean-baptiste", "tanaka", matrix.EVERYONE)
        yield rule, matrix.url_for_object(world, rule.endpoint, args), owner, instructor, \
            object_rule


def _allowed_key(world, rule, owner, instructor, object_rule):
    aud = matrix.audience(world.app, rule.endpoint)
    for persona in PREFERENCE:
        if matrix.role_may(aud, persona) and persona in object_rule:
            return matrix.login_key(persona, owner, instructor)
    return "admin"


def test_state_changing_routes_refuse_missing_or_foreign_csrf_tokens(world):
    foreign = world.app.test_client()
    foreign_token = foreign.csrf_token("/")   # a valid token, of another (anonymous) session
    problems = []
    for rule, _url, owner, instructor, object_rule in _routes(world):
        world.client(_allowed_key(world, rule, owner, instructor, object_rule))  # sign in first
    before = world.checksum()
    for rule, url, owner, instructor, object_rule in _routes(world):
        for method in sorted(rule.methods & UNSAFE):
            client = world.client(_allowed_key(world, rule, owner, instructor, object_rule))
            for label, token in (("no token", None), ("another session's token", foreign_token)):
                headers = {"X-CSRFToken": token} if token else {}
                data = {"csrf_token": token} if token else {}
                if method == "POST":
                    response = client.post(url, data=data, headers=headers)
                else:
                    response = client.open(url, method=method, data=b"x", headers=headers)
                if response.status_code != 400:
                    problems.append("%s %s with %s: %s" % (method, url, label,
                                                           response.status_code))
    assert not problems, "\n".join(problems)
    assert world.checksum() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_crawling_every_get_route_changes_no_row(world, persona):
    for p in PERSONAS:
        if p != "anonymous":
            world.client(matrix.login_key(p, "jean-baptiste", "tanaka"))  # sign-ins write rows
    before = world.checksum()
    seen = []
    for rule, url, owner, instructor, _ in _routes(world):
        if "GET" not in rule.methods:
            continue
        client = world.client(matrix.login_key(persona, owner, instructor))
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        seen.append(url)
        for link_query in ("?download=1", "?page=2&q=%E2%80%AE"):
            client.get(url + link_query)
    after = world.checksum()
    changed = sorted(t for t in after if after[t] != before[t])
    assert not changed, "GET requests as %s changed %s" % (persona, changed)
    assert len(seen) > 60


# ------------------------------------------------------------------ extra fields on every form

class FormReader(HTMLParser):
    """The first POST form of a page holding a CSRF token: its fields as a browser sends them."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action"), "fields": {}, "required": set(),
                          "types": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "option" and self._select:
            self._option(a)
        elif a.get("name"):
            self._field(tag, a)

    def _option(self, a):
        fields = self._form["fields"]
        if "selected" in a or (self._select not in fields and a.get("value")):
            fields[self._select] = a.get("value", "")

    def _field(self, tag, a):
        name, fields = a["name"], self._form["fields"]
        if "required" in a:
            self._form["required"].add(name)
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            self._form["types"][name] = kind
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in fields):
                    fields[name] = a.get("value", "on")
            elif kind not in ("file", "submit", "button", "image", "reset"):
                fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            self._form["types"][name] = "select"
        elif tag == "textarea":
            self._textarea = name
            fields.setdefault(name, "")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


FILLER = {"email": "filler-%d@example.org", "date": "2027-03-15", "number": "3",
          "datetime-local": "2027-03-15T10:00", "url": "https://example.org/",
          "password": "a long enough new password 2026"}


def fill(form) -> dict:
    data = dict(form["fields"])
    for n, (name, value) in enumerate(sorted(data.items())):
        kind = form["types"].get(name, "textarea")
        if not value and kind not in ("hidden", "checkbox", "radio", "select"):
            filler = FILLER.get(kind, "Société d'État — Año Niño %d" % n)
            data[name] = filler % n if "%d" in filler else filler
    return data


SENSITIVE = ("role", "owner_id", "user_id", "status", "state", "is_admin", "course_id",
             "created_by_id", "uploader_id", "enrollment_id", "active", "session_version",
             "reviewer_id", "author_id", "visibility", "shared")


def sensitive_snapshot(world) -> dict:
    from portal.extensions import db
    snap = {}
    with world.app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            cols = [c for c in table.columns if c.name in SENSITIVE]
            if not cols:
                continue
            pk = list(table.primary_key.columns)
            for row in conn.execute(select(*pk, *cols)):
                snap[(table.name, tuple(row[:len(pk)]))] = dict(
                    zip([c.name for c in cols], row[len(pk):], strict=True))
    return snap


def test_extra_fields_posted_to_every_form_are_ignored(world):
    victim = world.users["other_participant"][0]
    other_course = world.ids["drr"]
    extras = {"role": "admin", "is_admin": "1", "admin": "1", "owner_id": victim,
              "user_id": victim, "author_id": victim, "created_by_id": victim,
              "uploader_id": victim, "course_id": other_course, "enrollment_id": 999,
              "status": "completed", "state": "accepted", "active": "1",
              "session_version": "0", "visibility": "public", "shared": "1"}
    tried, problems = [], []
    for rule, url, owner, instructor, object_rule in _routes(world):
        if not {"GET", "POST"} <= rule.methods or rule.endpoint.startswith("auth."):
            continue   # sign-in/invitation/reset forms: their own tests (test_sessions.py)
        client = world.client(_allowed_key(world, rule, owner, instructor, object_rule))
        page = client.get(url)
        if page.status_code != 200:
            continue
        reader = FormReader()
        reader.feed(page.get_data(as_text=True))
        forms = [f for f in reader.forms if "csrf_token" in f["fields"] and
                 (not f["action"] or f["action"].split("?")[0] == url)]
        if not forms:
            continue
        before = sensitive_snapshot(world)
        data = {**fill(forms[0]), **{k: v for k, v in extras.items()
                                     if k not in forms[0]["fields"]}}
        response = client.post(url, data=data)
        tried.append("%s %s" % (url, response.status_code))
        assert response.status_code < 500, (url, response.status_code)
        after = sensitive_snapshot(world)
        for key, values in after.items():
            old = before.get(key, {})
            for column, value in values.items():
                if (column in extras and value != old.get(column) and key in before
                        and str(value) in {str(extras[column])}):
                    problems.append("%s: %s.%s of %s became %r" % (url, key[0], column, key[1],
                                                                    value))
    assert len(tried) >= 8, tried
    assert not problems, "\n".join(problems)
