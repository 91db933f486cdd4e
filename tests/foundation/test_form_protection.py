"""Nothing typed is lost when the session ends under a form (issue 15, point 1; portal/protect).

The post refused because the session ended keeps its text fields on the server under a random
token (a cookie of this browser, and a field of the sign-in form); signing in claims it and
brings the person back to the form with the text. Only the account that signs in in that
browser gets it (the ended session's account, when known); passwords and CSRF tokens are never
kept; text posted from another site is never kept; limits on size and rate; gone after a day.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (the ``app`` fixture).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.protect import services
from portal.protect.models import KeptForm

ORIGIN = {"Origin": "http://localhost"}
TEXT = "Objectives typed for an hour, then the session ended — rien n'est perdu."


class _Fields(HTMLParser):
    """The fields a browser would post from the page's form that posts to ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields, self.textarea = action, False, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action", "") in ("", self.action)
        elif self.inside and tag == "input" and a.get("name") and a.get("type") not in (
                "submit", "file", "checkbox", "radio") or (
                self.inside and tag == "input" and a.get("type") in ("checkbox", "radio")
                and "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif self.inside and tag == "textarea":
            self.textarea = [a["name"], ""]
        elif self.inside and tag == "select":
            self.select = a["name"]
        elif self.inside and tag == "option" and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.fields.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict:
    parser = _Fields(action)
    parser.feed(html)
    out: dict = {}
    for name, value in parser.fields:
        out.setdefault(name, value)
    return out


@pytest.fixture
def course(app, make_user):
    from portal.auth.models import User
    from portal.courses.models import Course

    coordinator = make_user("coordinator")
    today = date.today()
    with app.app_context():
        c = Course(code="KEEP-1", subject="agriculture", program_type="group-region",
                   training_center="Tokyo", fiscal_year=2026, languages=["en"],
                   title={"en": "Fishery management"}, description={"en": "About fish."},
                   pre_arrival_opens=today - timedelta(5), arrival=today + timedelta(20),
                   departure=today + timedelta(50), report_months=[3, 6])
        c.coordinators = [db.session.get(User, coordinator.id)]
        db.session.add(c)
        db.session.commit()
        return c.id, coordinator


def _typed_then_ended(client, page):
    """Open the form, type, then lose the session (its cookie gone); the post that follows."""
    fields = form_fields(client.get(page).get_data(as_text=True), page)
    assert "csrf_token" in fields
    fields["objectives_en"] = TEXT
    client.delete_cookie("portal_session")
    return fields


def _kept(app):
    with app.app_context():
        return db.session.scalars(select(KeptForm)).all()


def test_session_ended_keeps_the_text_and_sign_in_brings_it_back(app, auth, client, course):
    course_id, coordinator = course
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    fields = _typed_then_ended(client, page)
    refused = client.post(page, data=fields, headers={**ORIGIN, "Referer": "http://localhost"
                                                      + page})
    assert refused.status_code == 303
    assert refused.headers["Location"].startswith("/login?next=")
    html = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Your session ended: sign in again; what you wrote is kept." in html
    token = re.search(r'name="kept" value="([^"]+)"', html).group(1)
    assert 'value="%s"' % page in html  # the sign-in's way back to the form
    assert client.get_cookie("portal_kept").value == token
    (kept,) = _kept(app)
    stored = dict(kept.fields)
    assert stored["objectives_en"] == TEXT
    assert "csrf_token" not in stored and kept.user_id is None and kept.token_hash != token

    signed_in = auth.login(coordinator.email, kept=token, next=page)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == page
    assert client.get_cookie("portal_kept") is None
    again = client.get(page).get_data(as_text=True)
    assert TEXT.replace("'", "&#39;") in again
    assert "What you wrote before your session ended is back in the form." in again
    assert "data-protect-unsaved" in again  # the script warns before leaving it unsaved
    assert TEXT.replace("'", "&#39;") in client.get(page).get_data(as_text=True)  # a reload too
    # Saving the form ends the kept copy.
    fields = form_fields(again, page)
    assert client.post(page, data=fields).status_code in (200, 302, 400)
    assert _kept(app) == []


def test_without_javascript_the_sign_in_page_says_it_in_the_readers_language(app, auth, client,
                                                                              course):
    course_id, coordinator = course
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    client.post("/language", data={"lang": "fr", "csrf_token": client.csrf_token("/")})
    fields = _typed_then_ended(client, page)
    client.set_cookie("lang", "fr")
    refused = client.post(page, data=fields, headers={**ORIGIN, "Accept-Language": "fr"},
                          follow_redirects=True)
    assert refused.status_code == 200
    assert "Votre session a pris fin : reconnectez-vous ; ce que vous avez écrit est conservé." \
        in refused.get_data(as_text=True)


def test_only_the_account_of_the_ended_session_gets_it_back(app, auth, client, course,
                                                            make_user):
    course_id, coordinator = course
    other = make_user("coordinator")
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    fields = form_fields(client.get(page).get_data(as_text=True), page)
    fields["objectives_en"] = TEXT
    with app.app_context():  # signed out elsewhere: the session is still there, but dead
        from portal.auth.models import User
        db.session.get(User, coordinator.id).end_all_sessions()
        db.session.commit()
    refused = client.post(page, data=fields, headers=ORIGIN)
    assert refused.status_code == 303 and "kept=" in refused.headers["Location"]
    (kept,) = _kept(app)
    assert kept.owner_id == coordinator.id
    auth.login(other.email)
    assert _kept(app)[0].user_id is None  # not claimed by another account
    assert TEXT not in client.get("/courses/%d" % course_id).get_data(as_text=True)


def test_a_token_without_this_browsers_cookie_claims_nothing(app, auth, client, course,
                                                             make_user):
    course_id, coordinator = course
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    fields = _typed_then_ended(client, page)
    location = client.post(page, data=fields, headers=ORIGIN).headers["Location"]
    token = re.search(r"kept=([\w-]+)", location).group(1)
    # Someone else, in another browser, is lured into signing in with that token.
    victim = make_user("coordinator")
    other = app.test_client()
    from tests.conftest import Auth
    Auth(other).login(victim.email, kept=token)
    assert _kept(app)[0].user_id is None


def test_text_posted_from_another_site_is_never_kept(app, auth, client, course):
    course_id, coordinator = course
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    fields = _typed_then_ended(client, page)
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"},
                    {}):
        refused = client.post(page, data=fields, headers=headers)
        assert refused.status_code == 400
        assert "This form has expired" in refused.get_data(as_text=True)
    assert _kept(app) == []


def test_passwords_and_tokens_are_never_kept():
    pairs = [("csrf_token", "x"), ("password", "secret!"), ("pw-current", "a"),
             ("new_password", "b"), ("kept", "c"), ("text", "mine"), ("_protect", "k")]
    assert services.keepable(pairs) == [["kept", "c"], ["text", "mine"]]


def test_limits_size_rate_and_lifetime(app, make_user):
    user = make_user("participant")
    with app.app_context():
        assert services.keep([["text", ""]], "/p", "/p", "c1") is None  # nothing typed
        big = [["text", "x" * (services.MAX_BYTES + 1)]]
        assert services.keep(big, "/p", "/p", "c1") is None
        tokens = [services.keep([["text", "t%d" % i]], "/p", "/p", "c1")
                  for i in range(services.PER_HOUR)]
        assert all(tokens)
        assert services.keep([["text", "one more"]], "/p", "/p", "c1") is None
        assert services.keep([["text", "another address"]], "/p", "/p", "c2")
        db.session.commit()
        kept = services.claim(tokens[0], user.id)
        assert kept is not None and services.claim(tokens[0], user.id + 1) is None
        old = db.session.get(KeptForm, services._hash(tokens[1]))
        old.created_at = old.created_at - services.LIFETIME - timedelta(minutes=1)
        db.session.commit()
        assert services.claim(tokens[1], user.id) is None
        assert services.purge() == 1
        db.session.commit()


def test_a_script_is_told_the_session_ended(app, auth, client, course):
    course_id, coordinator = course
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    fields = _typed_then_ended(client, page)
    answer = client.post(page, data=fields, headers={**ORIGIN, "Accept": "application/json"})
    assert answer.status_code == 401
    assert answer.get_json()["session_ended"] is True
    assert _kept(app) == []  # the page's script keeps it in the browser


def test_still_signed_in_an_expired_form_opens_again_with_the_text(app, auth, client, course):
    course_id, coordinator = course
    page = "/courses/%d/edit" % course_id
    auth.login(coordinator.email)
    fields = form_fields(client.get(page).get_data(as_text=True), page)
    fields["objectives_en"] = TEXT
    fields["csrf_token"] = "a token from an older session"
    refused = client.post(page, data=fields, headers={**ORIGIN, "Referer": "http://localhost"
                                                      + page})
    assert refused.status_code == 303 and refused.headers["Location"] == page
    html = client.get(page).get_data(as_text=True)
    assert TEXT.replace("'", "&#39;") in html
    assert "This form had expired. What you wrote is back in it" in html


def test_sign_in_still_refuses_to_leave_the_site(app, auth, client, course):
    course_id, coordinator = course
    response = auth.login(coordinator.email, next="//evil.example/")
    assert response.headers["Location"] == "/dashboard"


def ended_then_back(client, page: str, action: str, fields: dict, sign_in) -> str:
    """Post ``fields`` to ``action`` from ``page`` once the session ended (its cookie gone),
    then ``sign_in(kept_token)`` again: back on the page, whose HTML is returned."""
    client.delete_cookie("portal_session")
    refused = client.post(action, data=fields, headers={**ORIGIN, "Referer": "http://localhost"
                                                        + page})
    assert refused.status_code == 303
    html = client.get(refused.headers["Location"]).get_data(as_text=True)
    back = sign_in(re.search(r'name="kept" value="([^"]+)"', html).group(1))
    assert back.status_code == 302 and back.headers["Location"] == page
    return client.get(page).get_data(as_text=True)


def test_every_form_where_someone_writes_is_protected(app, auth, client, course):
    """The browser's copy on every writing form (``protect_form``), and for the catalogue
    outline the server's copy too: a coordinator's General Information typed for an hour
    comes back after the session ended."""
    course_id, coordinator = course
    page = "/catalogue/%d/outline" % course_id
    auth.login(coordinator.email)
    assert 'data-protect="outline-%d"' % course_id in client.get(page).get_data(as_text=True)
    assert 'data-protect="question-%d"' % course_id in client.get(
        "/evaluation/courses/%d/questions" % course_id).get_data(as_text=True)
    fields = form_fields(client.get(page).get_data(as_text=True), page)
    fields["eligibility_en"] = TEXT

    def sign_in(token):
        return auth.login(coordinator.email, kept=token, next=page)
    assert TEXT.replace("'", "&#39;") in ended_then_back(client, page, page, fields, sign_in)
    # A new question: the page holds two forms posting to one address; the question comes back.
    page = "/evaluation/courses/%d/questions" % course_id
    html = client.get(page).get_data(as_text=True)
    fields = form_fields(html, page)
    name = re.search(r'name="(question-text[-_]en)"', html).group(1)
    fields.update({name: "Which practice will you try first at home?", "action": "question"})
    assert "Which practice will you try first at home?" in ended_then_back(
        client, page, page, fields, sign_in)
