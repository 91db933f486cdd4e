"""The participant's work: drafts, files, submitting, receipts, versions, late and cut-off."""
import hashlib
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.assignments.models import Assignment, Submission
from portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def url(world, suffix=""):
    return "/assignments/%d%s" % (world.assignment_id, suffix)


def submission_of(app, world, user):
    with app.app_context():
        s = db.session.scalar(select(Submission).where(
            Submission.assignment_id == world.assignment_id, Submission.user_id == user.id))
        return s and (s.id, s.state, s.late, [(v.number, v.state, v.text) for v in s.versions])


def set_assignment(app, world, **fields):
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        for k, v in fields.items():
            setattr(a, k, v)
        db.session.commit()


def draft_with_file(client, world, text="Mon rapport", name="rapport.pdf", data=PDF):
    return client.submit(url(world), {"text": text, "action": "draft",
                                      "file": (io.BytesIO(data), name)})


def test_submit_gives_receipt_and_mail_with_sha256_of_the_bytes(app, world, signed_in, mailbox):
    alice = signed_in(world.alice)
    html = alice.get(url(world)).get_data(as_text=True)
    assert "Rapport pays" in html and '<html lang="fr">' in html
    assert "<script>alert" not in html and "<strong>vos</strong>" in html  # sanitized Markdown
    assert "(heure : Japon)" in html and "à remettre dans 2 jours" in html  # countdown, Japan time
    assert draft_with_file(alice, world).status_code == 302
    r = alice.submit(url(world), {"text": "Mon rapport", "action": "submit", "statement": "y"})
    assert r.status_code == 302 and "/receipt" in r.headers["Location"]
    receipt = alice.get(r.headers["Location"]).get_data(as_text=True)
    digest = hashlib.sha256(PDF).hexdigest()
    assert digest in receipt and "rapport.pdf" in receipt and "(heure : Sénégal)" in receipt
    body = mailbox.to(world.alice.email)[-1]
    assert body["Subject"] == "Accusé de réception : Rapport pays"
    text = body.get_content()
    assert digest in text and "77 octets" in text and "UTC" in text and "(heure : Japon)" in text
    assert submission_of(app, world, world.alice)[1:3] == ("submitted", False)


def test_statement_required(app, world, signed_in, mailbox):
    alice = signed_in(world.alice)
    draft_with_file(alice, world)
    r = alice.submit(url(world), {"text": "Mon rapport", "action": "submit"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Acceptez la déclaration" in html and "Mon rapport" in html  # typed text kept
    assert submission_of(app, world, world.alice)[1] == "draft"
    assert mailbox.to(world.alice.email) == []


def test_text_and_files_required_when_asked(world, signed_in):
    alice = signed_in(world.alice)
    r = alice.submit(url(world), {"text": "", "action": "submit", "statement": "y"})
    assert r.status_code == 400 and "Rédigez votre texte" in r.get_data(as_text=True)
    r = alice.submit(url(world), {"text": "Texte", "action": "submit", "statement": "y"})
    assert r.status_code == 400 and "Joignez au moins un fichier" in r.get_data(as_text=True)


def test_every_missing_part_of_a_hand_in_is_said_at_once(app, world, signed_in):
    """Text, file and statement missing: one answer names all three (one round trip on a
    slow link), the text and statement beside their fields."""
    alice = signed_in(world.alice)
    r = alice.submit(url(world), {"text": " ", "action": "submit"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    for message in ("Rédigez votre texte", "Joignez au moins un fichier",
                    "Acceptez la déclaration"):
        assert message in summary, message
    assert html.count("Rédigez votre texte") == 2  # in the summary and beside the text box
    assert submission_of(app, world, world.alice)[1] == "draft"


def test_a_text_past_the_limit_is_refused_whole_never_cut(app, world, signed_in):
    """No maxlength on the text area (a browser cuts a paste silently): the limit is said and
    counted, and the server refuses a longer text, giving it all back."""
    alice = signed_in(world.alice)
    page = alice.get(url(world)).get_data(as_text=True)
    area = re.search(r"<textarea[^>]*name=\"text\"[^>]*>", page).group(0)
    assert " maxlength=" not in area and 'data-maxlength="100000"' in area
    assert "Au plus 100\u202f000 caractères." in page and "text-count" in area
    text = "pêche " * 20000  # 120,000 characters
    r = alice.submit(url(world), {"text": text, "action": "draft"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Le texte est trop long" in html
    assert text.strip() in html  # all of it, to shorten as the writer chooses


def test_wrong_type_by_content_refused_and_text_kept(app, world, signed_in):
    alice = signed_in(world.alice)
    r = draft_with_file(alice, world, text="Texte précieux", name="rapport.pdf",
                        data=b"MZ\x90\x00" + b"\x00" * 200)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Le fichier n&#39;a pas été ajouté" in html and "Texte précieux" in html
    assert submission_of(app, world, world.alice)[3] == [(1, "draft", "Texte précieux")]
    r = draft_with_file(alice, world, name="notes.txt", data=b"plain text notes\n")
    assert r.status_code == 400  # text files are not among this assignment's types


def test_too_many_files(world, signed_in):
    alice = signed_in(world.alice)
    assert draft_with_file(alice, world, name="a.pdf").status_code == 302
    assert draft_with_file(alice, world, name="b.pdf").status_code == 302
    r = draft_with_file(alice, world, name="c.pdf")
    assert r.status_code == 400 and "2 fichiers au plus" in r.get_data(as_text=True)


def test_remove_a_file_from_the_draft(app, world, signed_in):
    alice = signed_in(world.alice)
    draft_with_file(alice, world)
    with app.app_context():
        s = db.session.scalar(select(Submission))
        link_id = s.current.attachments[0].id
    r = alice.submit(url(world, "/files/%d/remove" % link_id), page=url(world))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Submission)).current.attachments == []


def test_autosave_answers_json(app, world, signed_in):
    alice = signed_in(world.alice)
    token = alice.csrf_token(url(world))
    r = alice.post(url(world), data={"csrf_token": token, "text": "brouillon auto",
                                     "action": "draft"}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and "Brouillon enregistré" in r.get_json()["message"]
    assert submission_of(app, world, world.alice)[3] == [(1, "draft", "brouillon auto")]


def test_late_after_due_and_refused_after_cutoff(app, world, signed_in):
    now = datetime.now(UTC)
    set_assignment(app, world, due_at=now - timedelta(hours=2), cutoff_at=now + timedelta(days=1))
    alice = signed_in(world.alice)
    html = alice.get(url(world)).get_data(as_text=True)
    assert "en retard de" in html
    draft_with_file(alice, world)
    r = alice.submit(url(world), {"text": "x", "action": "submit", "statement": "y"})
    assert r.status_code == 302
    assert submission_of(app, world, world.alice)[1:3] == ("submitted", True)
    set_assignment(app, world, cutoff_at=now - timedelta(hours=1))
    bob = signed_in(world.bob)
    draft_with_file(bob, world)
    r = bob.submit(url(world), {"text": "y", "action": "submit", "statement": "y"})
    assert r.status_code == 409 and "fecha de cierre ya pasó" in r.get_data(as_text=True)
    assert submission_of(app, world, world.bob)[1] == "draft"


def test_not_open_yet(app, world, signed_in):
    now = datetime.now(UTC)
    set_assignment(app, world, opens_at=now + timedelta(days=1))
    bob = signed_in(world.bob)
    assert "se abre el" in bob.get(url(world)).get_data(as_text=True)
    r = bob.submit(url(world), {"text": "y", "action": "draft"})
    assert r.status_code == 409


def test_submitted_work_cannot_be_changed(app, world, signed_in):
    alice = signed_in(world.alice)
    draft_with_file(alice, world)
    alice.submit(url(world), {"text": "v1", "action": "submit", "statement": "y"})
    r = alice.submit(url(world), {"text": "changed", "action": "draft"}, page=url(world))
    assert r.status_code == 409
    assert submission_of(app, world, world.alice)[3] == [(1, "submitted", "v1")]


def test_the_same_hand_in_sent_again_gets_its_receipt(app, world, signed_in, mailbox):
    """Its acknowledgement was lost (connection dropped, server restarted): sending the same
    text again leads to the receipt of what is handed in, not to an error; other text still
    may not change handed-in work."""
    alice = signed_in(world.alice)
    draft_with_file(alice, world)
    first = alice.submit(url(world), {"text": "v1", "action": "submit", "statement": "y"})
    mails = len(mailbox.to(world.alice.email))
    again = alice.submit(url(world), {"text": "v1", "action": "submit", "statement": "y"},
                         page=url(world))
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "déjà été remis" in alice.get(again.headers["Location"]).get_data(as_text=True)
    assert len(mailbox.to(world.alice.email)) == mails  # no second receipt
    changed = alice.submit(url(world), {"text": "v2", "action": "submit", "statement": "y"},
                           page=url(world))
    assert changed.status_code == 409
    assert submission_of(app, world, world.alice)[3] == [(1, "submitted", "v1")]


def test_missing_csrf_is_refused(world, signed_in):
    alice = signed_in(world.alice)
    assert alice.post(url(world), data={"text": "x", "action": "draft"}).status_code == 400


@pytest.mark.parametrize("lang,words", [("en", "due in"), ("fr", "à remettre dans"),
                                         ("es", "vence en")])
def test_my_assignments_in_three_languages(app, world, login_as, make_user, lang, words):
    from portal.courses.models import Enrollment
    client, user = login_as("participant", language=lang)
    with app.app_context():
        db.session.add(Enrollment(course_id=world.course_id, user_id=user.id, status="accepted"))
        db.session.commit()
    html = client.get("/assignments").get_data(as_text=True)
    assert words in html
    assert words in client.get("/dashboard").get_data(as_text=True)


def test_a_page_of_two_forms_gives_each_its_own_kept_text(app, world, signed_in):
    """The session ends as the participant asks for an extension on the page that also holds
    their work: after signing in again, the request's reason is back in its form and the work
    form still shows the saved draft (not the request's fields, which would have blanked it)."""
    from tests.foundation.test_form_protection import ended_then_back, form_fields
    alice = signed_in(world.alice)
    page = "/assignments/%d" % world.assignment_id
    assert alice.submit(page, {"text": "Mon brouillon enregistré", "action": "draft"}
                        ).status_code in (200, 302)
    asking = page + "/extension"
    fields = form_fields(alice.get(page).get_data(as_text=True), asking)
    fields.update(reason="Ma connexion a été coupée toute la semaine.",
                  wanted=(datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"))
    html = ended_then_back(alice, page, asking, fields, _signing_in(alice, world.alice, page))
    assert "Ma connexion a été coupée toute la semaine." in html.replace("&#39;", "'")
    assert re.search(r'<textarea[^>]*name="text"[^>]*>\s*Mon brouillon enregistré', html)


def _signing_in(client, user, page):
    """Signing in again with the kept text's token, back to ``page``."""
    from tests.assignments.conftest import PASSWORD
    return lambda token: client.submit("/login", {"email": user.email, "password": PASSWORD,
                                                  "kept": token, "next": page}, page="/login")


def test_a_grant_typed_as_the_session_ended_comes_back(app, world, signed_in):
    from tests.foundation.test_form_protection import ended_then_back, form_fields
    instructor = signed_in(world.instructor)
    page = "/assignments/%d/extensions" % world.assignment_id
    html = instructor.get(page).get_data(as_text=True)
    assert 'data-protect="extension-grant-%d"' % world.assignment_id in html
    fields = form_fields(html, page)
    fields["answer"] = "Granted for the flood week; send it when the line is back."
    assert "Granted for the flood week; send it when the line is back." in ended_then_back(
        instructor, page, page, fields, _signing_in(instructor, world.instructor, page))
