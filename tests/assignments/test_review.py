"""Review, versions, the zip of an assignment, extensions, the matrix and its CSV."""
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.assignments.models import Extension, Submission
from portal.extensions import db

from .conftest import make_assignment

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def hand_in(client, world, text="Mon rapport", name="rapport.pdf", data=PDF):
    url = "/assignments/%d" % world.assignment_id
    assert client.submit(url, {"text": text, "action": "draft",
                               "file": (io.BytesIO(data), name)}).status_code == 302
    r = client.submit(url, {"text": text, "action": "submit", "statement": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def the_submission(app, user):
    with app.app_context():
        s = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
        return s.id, s.state, [(v.number, v.state, v.text, len(v.files)) for v in s.versions]


def test_return_resubmit_accept_keeps_every_version(app, world, signed_in, mailbox):
    alice, tanaka = signed_in(world.alice), signed_in(world.instructor)
    hand_in(alice, world)
    sid = the_submission(app, world.alice)[0]
    queue = tanaka.get("/assignments/course/%d/queue" % world.course_id).get_data(as_text=True)
    assert "Aminata Diallo" in queue
    review = "/assignments/submissions/%d/review" % sid
    assert "rapport.pdf" in tanaka.get(review).get_data(as_text=True)
    r = tanaka.submit(review, {"feedback": "Ajoutez les chiffres de 2024.", "decision": "returned",
                               "file": (io.BytesIO(PDF), "notes.pdf")})
    assert r.status_code == 302
    mail = mailbox.to(world.alice.email)[-1]
    assert mail["Subject"] == "Renvoyé pour révision : Rapport pays"
    assert "Ajoutez les chiffres" in mail.get_content()
    page = alice.get("/assignments/%d" % world.assignment_id).get_data(as_text=True)
    assert "Ajoutez les chiffres de 2024." in page and "notes.pdf" in page
    r = alice.submit("/assignments/%d" % world.assignment_id,
                     {"text": "Mon rapport révisé", "action": "submit", "statement": "y"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/v2/receipt")
    assert tanaka.submit(review, {"decision": "accepted"}).status_code == 302
    assert mailbox.to(world.alice.email)[-1]["Subject"] == "Accepté : Rapport pays"
    assert the_submission(app, world.alice)[1:] == ("accepted", [
        (1, "returned", "Mon rapport", 2), (2, "accepted", "Mon rapport révisé", 1)])
    v1 = alice.get("/assignments/submissions/%d/v1" % sid).get_data(as_text=True)
    assert "Mon rapport" in v1 and "Ajoutez les chiffres" in v1
    # reviewing twice is a conflict
    assert tanaka.submit(review, {"decision": "returned"}, page=review).status_code == 409
    matrix = signed_in(world.coordinator).get("/assignments/course/%d/matrix" % world.course_id)
    html = matrix.get_data(as_text=True)
    assert "Accepted" in html and "<svg" in html and "<title id=" in html
    assert "Senegal: 1 of 1 handed in (100%)." in html


def test_review_needs_a_decision(app, world, signed_in):
    alice, tanaka = signed_in(world.alice), signed_in(world.instructor)
    hand_in(alice, world)
    review = "/assignments/submissions/%d/review" % the_submission(app, world.alice)[0]
    r = tanaka.submit(review, {"feedback": "Bien"})
    assert r.status_code == 400 and "Bien" in r.get_data(as_text=True)


def test_returning_needs_feedback_and_feedback_is_markdown_as_the_work_is(app, world, signed_in):
    alice, tanaka = signed_in(world.alice), signed_in(world.instructor)
    hand_in(alice, world, text="Mon **rapport**")
    sid = the_submission(app, world.alice)[0]
    review = "/assignments/submissions/%d/review" % sid
    r = tanaka.submit(review, {"feedback": "   ", "decision": "returned"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Say what should change" in html
    radio = re.search(r'<input[^>]*value="returned"[^>]*>', html).group(0)
    assert "checked" in radio  # the choice is kept
    assert the_submission(app, world.alice)[1] == "submitted"  # nothing returned
    r = tanaka.submit(review, {"feedback": "Ajoutez les **captures** d'écran.\n\n"
                               "<script>alert(1)</script>", "decision": "returned"})
    assert r.status_code == 302
    page = alice.get("/assignments/%d" % world.assignment_id).get_data(as_text=True)
    assert "Ajoutez les <strong>captures</strong> d&#39;écran." in page.replace("'", "&#39;")
    assert "<script>alert(1)</script>" not in page and "**captures**" not in page
    v1 = alice.get("/assignments/submissions/%d/v1" % sid).get_data(as_text=True)
    assert "<strong>captures</strong>" in v1 and "Mon <strong>rapport</strong>" in v1


def test_attachments_download_and_preview(app, world, signed_in):
    alice, tanaka = signed_in(world.alice), signed_in(world.instructor)
    hand_in(alice, world)
    with app.app_context():
        link_id = db.session.scalar(select(Submission)).current.attachments[0].id
    r = tanaka.get("/assignments/files/%d" % link_id)
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = tanaka.get("/assignments/files/%d?preview=1" % link_id)
    assert r.headers["Content-Disposition"].startswith("inline")


def test_zip_has_a_folder_per_participant(app, world, signed_in):
    hand_in(signed_in(world.alice), world, text="Texte d'Aminata")
    hand_in(signed_in(world.bob), world, text="Texto de Carlos", name="informe.pdf")
    r = signed_in(world.instructor).get("/assignments/%d/submissions.zip" % world.assignment_id)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    names = sorted(archive.namelist())
    assert names == sorted([
        "SN_Aminata_Diallo_%d/v1/rapport.pdf" % world.alice.id,
        "SN_Aminata_Diallo_%d/v1/text.md" % world.alice.id,
        "BO_Carlos_Mendoza_%d/v1/informe.pdf" % world.bob.id,
        "BO_Carlos_Mendoza_%d/v1/text.md" % world.bob.id])
    assert archive.read("SN_Aminata_Diallo_%d/v1/rapport.pdf" % world.alice.id) == PDF
    assert archive.testzip() is None


def test_extension_request_and_grant_lets_a_late_participant_submit(app, world, signed_in,
                                                                     mailbox):
    now = datetime.now(UTC)
    with app.app_context():
        from portal.assignments.models import Assignment
        a = db.session.get(Assignment, world.assignment_id)
        a.due_at, a.cutoff_at = now - timedelta(days=2), now - timedelta(days=1)
        db.session.commit()
    bob = signed_in(world.bob)
    url = "/assignments/%d" % world.assignment_id
    r = bob.submit(url + "/extension", {"reason": ""}, page=url)
    assert r.status_code == 400 and "Indique un motivo" in r.get_data(as_text=True)
    assert bob.submit(url + "/extension", {"reason": "Inundaciones en La Paz"},
                      page=url).status_code == 302
    assert bob.submit(url + "/extension", {"reason": "otra vez"}, page=url).status_code == 409
    with app.app_context():
        ext_id = db.session.scalar(select(Extension.id))
    coordinator = signed_in(world.coordinator)
    page = "/assignments/%d/extensions" % world.assignment_id
    assert "Inundaciones en La Paz" in coordinator.get(page).get_data(as_text=True)
    new_due = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = coordinator.submit("/assignments/extensions/%d" % ext_id,
                           {"decision": "grant", "due_at": new_due}, page=page)
    assert r.status_code == 302
    mail = mailbox.to(world.bob.email)[-1]
    assert mail["Subject"] == "Prórroga concedida: Informe de país"
    assert "(hora de Japón)" in mail.get_content()
    assert "Se le ha concedido una prórroga" in bob.get(url).get_data(as_text=True)
    hand_in(bob, world, text="Texto")
    assert the_submission(app, world.bob)[1] == "submitted"
    # answering again is a conflict
    r = coordinator.submit("/assignments/extensions/%d" % ext_id, {"decision": "refuse"},
                           page=page)
    assert r.status_code == 409


def test_grant_directly_and_refuse(app, world, signed_in, mailbox):
    tanaka = signed_in(world.instructor)
    page = "/assignments/%d/extensions" % world.assignment_id
    r = tanaka.submit(page, {"participant": str(world.alice.id), "due_at": ""})
    assert r.status_code == 400
    r = tanaka.submit(page, {"participant": str(world.alice.id), "due_at": "2030-01-10T12:00",
                             "cutoff_at": "2030-01-09T12:00"})
    assert r.status_code == 400  # cut-off before the due date
    r = tanaka.submit(page, {"participant": str(world.alice.id), "due_at": "2030-01-10T12:00"})
    assert r.status_code == 302
    assert mailbox.to(world.alice.email)[-1]["Subject"].startswith("Prolongation accordée")
    r = tanaka.submit(page, {"participant": str(world.other_instructor.id),
                             "due_at": "2030-01-10T12:00"})
    assert r.status_code == 400  # not a participant of this course


def test_matrix_cells_link_the_work_handed_in_and_mark_it_late(app, world, signed_in):
    """Each cell: its state as a class and a label in the reader's language, a link to the
    review for work handed in (none for a draft or nothing), the late mark; each row its
    person's country."""
    hand_in(signed_in(world.alice), world)
    sid = the_submission(app, world.alice)[0]
    with app.app_context():
        db.session.get(Submission, sid).late = True
        db.session.commit()
    html = signed_in(world.coordinator).get(
        "/assignments/course/%d/matrix" % world.course_id).get_data(as_text=True)
    alice, bob = (re.search(r'<tr><th scope="row">%s</th>(.*?)</tr>' % name, html, re.S).group(1)
                  for name in ("Aminata Diallo", "Carlos Mendoza"))
    assert '<td>Senegal</td>' in alice and '<td>Bolivia</td>' in bob
    assert re.search(r'<td class="cell state-submitted"><a href="/assignments/submissions/%d/'
                     r'review">Submitted</a> <span class="state-late">Late</span></td>' % sid,
                     alice)
    assert '<td class="cell state-missing">Not started</td>' in bob
    assert "<a " not in bob and "state-late" not in bob
    with app.app_context():  # back to a draft: no link any more
        submission = db.session.get(Submission, sid)
        submission.state, submission.submitted_at, submission.late = "draft", None, False
        db.session.commit()
    html = signed_in(world.coordinator).get(
        "/assignments/course/%d/matrix" % world.course_id).get_data(as_text=True)
    assert '<td class="cell state-draft">Draft</td>' in html


def test_matrix_country_filter_and_csv(app, world, signed_in):
    hand_in(signed_in(world.alice), world)
    coordinator = signed_in(world.coordinator)
    html = coordinator.get("/assignments/course/%d/matrix?country=BO" % world.course_id) \
        .get_data(as_text=True)
    assert "Carlos Mendoza" in html and "Aminata Diallo" not in html
    r = coordinator.get("/assignments/course/%d/matrix.csv" % world.course_id)
    assert r.mimetype == "text/csv"
    lines = r.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Name,E-mail address,Country,Country report")
    assert any(row.startswith("Aminata Diallo,") and row.endswith(",Submitted") for row in lines)
    assert any(row.startswith("Carlos Mendoza,") and row.endswith(",Not started")
               for row in lines)


def test_staff_creates_and_edits_an_assignment_with_relative_due_date(app, world, signed_in):
    tanaka = signed_in(world.instructor)
    new = "/assignments/course/%d/new" % world.course_id
    form = {"phase": "post-return", "title_en": "Progress report", "title_fr": "Rapport d'étape",
            "instructions_en": "Report on your action plan.", "opens_at": "2026-01-01T09:00",
            "due_mode": "relative", "due_months": "2", "asks": "both",
            "file_types": ["pdf", "word"], "max_files": "3", "max_size_mb": "20",
            "statement_en": "I wrote this report."}
    r = tanaka.submit(new, dict(form, due_months=""))
    assert r.status_code == 400 and "Progress report" in r.get_data(as_text=True)
    r = tanaka.submit(new, dict(form, file_types=[], asks="files"))
    assert r.status_code == 400
    # 3 months is a report month of the course: the plan's progress report is that obligation
    r = tanaka.submit(new, dict(form, due_months="3"))
    assert r.status_code == 400 and "progress report 3 months after the course" in \
        r.get_data(as_text=True)
    assert tanaka.submit(new, form).status_code == 302
    from portal.assignments.models import Assignment
    from portal.courses.models import Course
    from portal.dates import add_months
    with app.app_context():
        a = db.session.scalars(select(Assignment).order_by(Assignment.id.desc())).first()
        course = db.session.get(Course, world.course_id)
        due_japan = a.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
        assert due_japan.date() == add_months(course.departure, 2)
        assert (due_japan.hour, due_japan.minute) == (23, 59)
        aid = a.id
    edit = "/assignments/%d/edit" % aid
    assert "Rapport d&#39;étape" in tanaka.get(edit).get_data(as_text=True)
    r = tanaka.submit(edit, dict(form, due_mode="fixed", due_at="2025-01-01T09:00"))
    assert r.status_code == 400  # opens after it is due


def test_three_languages_on_staff_pages(app, world, quick_user, signed_in):
    hand_in(signed_in(world.alice), world)
    for lang, word in (("en", "Review queue"), ("fr", "File d'évaluation"),
                       ("es", "Cola de revisión")):
        with app.app_context():
            from portal.auth.models import User
            db.session.get(User, world.instructor.id).language = lang
            db.session.commit()
        c = signed_in(world.instructor)
        assert word in c.get("/assignments/course/%d/queue" % world.course_id).get_data(
            as_text=True)
        assert c.get("/dashboard").status_code == 200


def test_csv_cells_are_not_formulas(app, world, signed_in):
    with app.app_context():
        from portal.auth.models import User
        db.session.get(User, world.bob.id).name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    r = signed_in(world.coordinator).get("/assignments/course/%d/matrix.csv" % world.course_id)
    assert "'=HYPERLINK" in r.get_data(as_text=True)


def test_dashboard_counts_what_waits_for_review(app, world, signed_in):
    hand_in(signed_in(world.alice), world)
    hand_in(signed_in(world.bob), world)
    html = signed_in(world.instructor).get("/dashboard").get_data(as_text=True)
    assert "Country report" in html and "2 submissions" in html


def test_dashboard_lists_the_first_twenty_assignments_waiting_and_counts_the_rest(
        app, world, signed_in):
    """A coordinator of many courses (an admin: the whole program) gets a bounded panel, the
    work due first listed, the rest counted; each course's queue still lists it all."""
    from portal.assignments import panels
    now = datetime.now(UTC)
    with app.app_context():
        for n in range(panels.REVIEW_PANEL_SIZE + 3):
            assignment = make_assignment(world.course_id, now, due_at=now + timedelta(days=n),
                                         title={"en": "Waiting work %02d" % n})
            db.session.add(assignment)
            db.session.flush()
            db.session.add(Submission(assignment_id=assignment.id, user_id=world.alice.id,
                                      state="submitted", submitted_at=now))
        db.session.commit()
    html = signed_in(world.instructor).get("/dashboard").get_data(as_text=True)
    shown = re.findall(r"Waiting work (\d\d)", html)
    assert shown == ["%02d" % n for n in range(panels.REVIEW_PANEL_SIZE)]
    assert "…and 3 more, not shown." in html
    queue = signed_in(world.instructor).get("/assignments/course/%d/queue" % world.course_id)
    assert "Waiting work %02d" % (panels.REVIEW_PANEL_SIZE + 2) in queue.get_data(as_text=True)


def test_dashboard_shows_extension_requests(app, world, signed_in):
    bob = signed_in(world.bob)
    url = "/assignments/%d" % world.assignment_id
    bob.submit(url + "/extension", {"reason": "Viaje de trabajo"}, page=url)
    html = signed_in(world.coordinator).get("/dashboard").get_data(as_text=True)
    assert "Extension requests waiting" in html and "1 request" in html


def test_extension_answer_keeps_the_choice_shows_the_message_and_not_for_handed_in_work(
        app, world, signed_in):
    alice = signed_in(world.alice)  # reads French
    url = "/assignments/%d" % world.assignment_id
    assert alice.submit(url + "/extension", {"reason": "Coupure d'électricité"},
                        page=url).status_code == 302
    with app.app_context():
        ext_id = db.session.scalar(select(Extension.id))
    tanaka = signed_in(world.instructor)
    page = "/assignments/%d/extensions" % world.assignment_id
    # Granting without a date: refused, and the choice and the message typed come back.
    r = tanaka.submit("/assignments/extensions/%d" % ext_id,
                      {"decision": "grant", "answer": "Bon courage"}, page=page)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "checked" in re.search(r'<input[^>]*value="grant"[^>]*>', html).group(0)
    assert re.search(r">\s*Bon courage</textarea>", html)  # the form's textarea
    r = tanaka.submit("/assignments/extensions/%d" % ext_id,
                      {"decision": "refuse", "answer": "Le **rapport** peut attendre"}, page=page)
    assert r.status_code == 302
    work = alice.get(url).get_data(as_text=True)
    assert "Votre demande de prolongation a été refusée." in work
    assert "Le <strong>rapport</strong> peut attendre" in work  # the staff's message, shown
    hand_in(alice, world)
    work = alice.get(url).get_data(as_text=True)
    assert "/extension\"" not in work and "Demander une prolongation" not in work
    r = alice.submit(url + "/extension", {"reason": "encore"}, page=url)
    assert r.status_code == 409 and "Ce travail est remis" in r.get_data(as_text=True)
