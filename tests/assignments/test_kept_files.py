"""A file sent through the upload widget belongs to the draft as soon as it completes, and the
files a returned version carries into the new one are listed with a Remove button that works at
once, before any draft is saved (issue 15)."""
import io
import re

from sqlalchemy import select

from portal.assignments.models import Submission
from portal.extensions import db
from tests.uploads.widget import send_with_widget

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _versions(app, user):
    with app.app_context():
        s = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
        return None if s is None else [(v.number, v.state, sorted(f.file.name
                                        for f in v.attachments)) for v in s.versions]


def _remove_forms(html):
    return re.findall(r'action="(/assignments/\d+/files/\d+/remove)"', html)


def test_a_file_sent_is_in_the_draft_at_once(app, world, signed_in):
    alice = signed_in(world.alice)
    url = "/assignments/%d" % world.assignment_id
    assert 'data-form="%d"' % world.assignment_id in alice.get(url).get_data(as_text=True)
    done = send_with_widget(alice, PDF, "rapport.pdf", "assignment-submission",
                            form=str(world.assignment_id))
    assert done.status_code == 200, done.get_json()
    assert _versions(app, world.alice) == [(1, "draft", ["rapport.pdf"])]
    page = alice.get(url).get_data(as_text=True)
    assert "rapport.pdf" in page and len(_remove_forms(page)) == 1
    # the form sent with the widget's id as well: still once
    r = alice.submit(url, {"text": "t", "action": "draft",
                           "file_id": str(done.get_json()["file"]["id"])})
    assert r.status_code == 302 and _versions(app, world.alice) == [(1, "draft", ["rapport.pdf"])]
    # the widget's Remove button posts where the upload said
    headers = {"X-CSRFToken": alice.csrf_token(url), "Accept": "application/json"}
    assert alice.post(done.get_json()["kept"]["remove_url"], headers=headers).status_code == 200
    assert _versions(app, world.alice) == [(1, "draft", [])]


def test_the_draft_rules_hold_when_the_file_completes(app, world, signed_in):
    alice, bob = signed_in(world.alice), signed_in(world.bob)
    form = str(world.assignment_id)
    text = send_with_widget(alice, b"plain notes\n", "notes.txt", "assignment-submission", form)
    assert text.status_code == 422  # not among this assignment's types
    assert text.get_json()["error"]["code"] == "type_not_allowed"
    for name in ("a.pdf", "b.pdf"):
        assert send_with_widget(alice, PDF, name, "assignment-submission", form).status_code == 200
    third = send_with_widget(alice, PDF, "c.pdf", "assignment-submission", form)
    assert third.status_code == 400 and third.get_json()["error"]["code"] == "too_many_files"
    assert "2" in third.get_json()["error"]["message"]
    other = send_with_widget(bob, PDF, "x.pdf", "assignment-submission",
                             str(world.other_assignment_id))
    assert other.status_code == 404 and _versions(app, world.bob) is None
    assert _versions(app, world.alice) == [(1, "draft", ["a.pdf", "b.pdf"])]


def test_returned_files_are_shown_and_removable_before_any_draft(app, world, signed_in):
    alice, tanaka = signed_in(world.alice), signed_in(world.instructor)
    url = "/assignments/%d" % world.assignment_id
    assert alice.submit(url, {"text": "Mon rapport", "action": "draft",
                              "file": (io.BytesIO(PDF), "rapport.pdf")}).status_code == 302
    assert alice.submit(url, {"text": "Mon rapport", "action": "draft",
                              "file": (io.BytesIO(PDF), "annexe.pdf")}).status_code == 302
    assert alice.submit(url, {"text": "Mon rapport", "action": "submit",
                              "statement": "y"}).status_code == 302
    with app.app_context():
        sid = db.session.scalar(select(Submission.id))
    review = "/assignments/submissions/%d/review" % sid
    assert tanaka.submit(review, {"feedback": "Refaites l'annexe.",
                                  "decision": "returned"}).status_code == 302
    page = alice.get(url).get_data(as_text=True)
    forms = _remove_forms(page)
    assert len(forms) == 2 and "rapport.pdf" in page and "annexe.pdf" in page
    # the participant sees that the new version carries these files over
    assert "Fichiers que la nouvelle version reprendra" in page
    annexe = re.search(r'annexe\.pdf</a>.*?action="([^"]+/remove)"', page, re.S).group(1)
    assert alice.submit(annexe, {}, page=url).status_code == 302
    assert _versions(app, world.alice) == [(1, "returned", ["annexe.pdf", "rapport.pdf"]),
                                           (2, "draft", ["rapport.pdf"])]
    # handing in the new version hands in only what is left
    assert alice.submit(url, {"text": "Mon rapport révisé", "action": "submit",
                              "statement": "y"}).status_code == 302
    assert _versions(app, world.alice)[1] == (2, "submitted", ["rapport.pdf"])
