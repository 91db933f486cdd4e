"""Bulk mail of a nomination list (issue 15.3, 15.4): confirming queues every mail in the outbox
and answers at once; the import's page shows "x of n sent", refreshing itself (meta refresh,
no JavaScript needed) while mail waits for its first try; SMTP down then back: every mail
delivered exactly once; the nomination mail names the course's first deadlines."""
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal import jobs
from portal.auth.models import User
from portal.courses import imports
from portal.courses.models import EnrollmentImport
from portal.extensions import db
from portal.mail import OutboxMail
from tests.courses.test_courses_import import GOOD, confirm, csv_bytes, preview_url, upload

DOWN = "smtp://127.0.0.1:9"


def _add_assignment(app, course_id, title, due):
    from portal.assignments.models import Assignment
    with app.app_context():
        db.session.add(Assignment(course_id=course_id, phase="pre-arrival", title=title,
                                  opens_at=due - timedelta(days=20), due_at=due, asks="text",
                                  statement={"en": "Mine."}))
        db.session.commit()


def test_confirming_answers_at_once_and_the_page_shows_the_mail_progress(
        app, login_as, make_course, make_user, mailbox):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    make_user("participant", email="grace@example.org", language="en")
    url = preview_url(upload(client, course_id, csv_bytes(GOOD)))
    started = time.monotonic()
    response = confirm(client, url)   # waits for the background runner after the answer
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#mail-progress")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 people enrolled. 2 new accounts invited." in page
    # Two new accounts (invitation + nomination) and one existing (nomination): 5 mails.
    assert "5 of 5 mails sent" in page
    assert 'http-equiv="refresh"' not in page       # done: nothing to refresh for
    assert len(mailbox.messages) == 5
    assert time.monotonic() - started < 30


def test_while_mail_waits_for_its_first_try_the_page_refreshes_itself(app, login_as,
                                                                      make_course, mailbox):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    url = preview_url(upload(client, course_id, csv_bytes(GOOD)))
    import_id = int(url.rsplit("/", 1)[1])
    with jobs.held("mail.deliver_batch"):   # confirmed, the delivery not yet begun
        with app.test_request_context():
            record = db.session.get(EnrollmentImport, import_id)
            imports.confirm(record, db.session.get(User, record.created_by_id))
            jobs.commit()
        page = client.get(url).get_data(as_text=True)
        assert "0 of 6 mails sent" in page
        assert '<meta http-equiv="refresh" content="5">' in page
        assert "Refresh now" in page and "you may leave this page" in page
    page = client.get(url).get_data(as_text=True)  # the held delivery ran as the block ended
    assert "6 of 6 mails sent" in page and 'http-equiv="refresh"' not in page


def test_smtp_down_during_the_import_then_back_every_mail_once(app, login_as, make_course,
                                                              mailbox, runner):
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=1.0)
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    url = preview_url(upload(client, course_id, csv_bytes(GOOD)))
    response = confirm(client, url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 of 6 mails sent" in page
    assert "6 mails could not be sent yet: they will be retried automatically." in page
    assert "Connection refused" in page
    app.config["MAIL_URL"] = mailbox.url
    time.sleep(1.1)
    assert runner.invoke(args=["mail", "deliver"]).exit_code == 0
    assert runner.invoke(args=["mail", "deliver"]).exit_code == 0   # nothing more
    assert "6 of 6 mails sent" in client.get(url).get_data(as_text=True)
    to = sorted(m["To"] for m in mailbox.messages)
    assert to == sorted(["aminata@example.org"] * 2 + ["carlos@example.org"] * 2
                        + ["grace@example.org"] * 2)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)
                                 .where(OutboxMail.state != "sent")) == 0


def test_the_nomination_mail_names_the_first_deadlines(app, login_as, make_course, mailbox):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    soon = datetime.now(UTC) + timedelta(days=12)
    _add_assignment(app, course_id, {"en": "Country report", "fr": "Rapport pays"}, soon)
    _add_assignment(app, course_id, {"en": "Old task"}, datetime.now(UTC) - timedelta(days=2))
    url = preview_url(upload(client, course_id, csv_bytes(GOOD[:1])))
    confirm(client, url)
    [nomination] = [m for m in mailbox.to("aminata@example.org")
                    if "désigné" in m["Subject"] or "Gestion" in m["Subject"]]
    body = nomination.get_content()
    assert "Vos premières échéances (heure du Japon) :" in body
    assert "Rapport pays" in body and "Old task" not in body
    assert "Vous recevrez des rappels une fois l’invitation acceptée." in body
