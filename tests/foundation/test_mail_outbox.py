"""The mail outbox (issue 15.3): a mail counts as sent only when the SMTP server accepted it;
failures are retried with back-off, then marked failed and listed on /admin/status with a
Resend button; two workers never send the same row; every mail has Date and Message-ID. The
SMTP server is the real one of the ``mailbox`` fixture, and "down" is a closed port."""
import threading
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from portal import jobs
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import as_utc
from portal.mail import OutboxMail, batch, delivery, send_mail
from tests import parallel

DOWN = "smtp://127.0.0.1:9"  # nothing listens there


class Ana:
    name = "Ana"


def _queue(app, to="someone@example.org", lang="en", key=None):
    with app.test_request_context():
        if key:
            with batch(key):
                send_mail(to, "password_reset", lang, user=Ana, link="http://portal.test/x")
        else:
            send_mail(to, "password_reset", lang, user=Ana, link="http://portal.test/x")
        jobs.commit()


def _rows(app) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()
        return rows


def _deliver(app, now=None, **kwargs) -> delivery.Outcome:
    with app.app_context():
        return delivery.deliver_due(now, **kwargs)


def test_mail_is_written_in_a_language_the_interface_speaks(app):
    """The person's language when the portal speaks it; else (an account saved by an older
    version, a language since withdrawn) the default, never a failed send."""
    _queue(app, "fr@example.org", "fr")
    _queue(app, "pt@example.org", "pt")
    _queue(app, "none@example.org", None)
    rows = {row.recipient: row for row in _rows(app)}
    assert rows["fr@example.org"].language == "fr"
    assert "mot de passe" in rows["fr@example.org"].subject.lower()
    for to in ("pt@example.org", "none@example.org"):
        assert rows[to].language == "en" and "password" in rows[to].subject.lower()


def test_smtp_down_then_back_the_same_message_is_delivered_once(app, mailbox):
    app.config["MAIL_URL"] = DOWN
    before = utcnow()
    _queue(app)
    [row] = _rows(app)
    assert (row.state, row.attempts) == ("waiting", 1)
    assert "Connection refused" in row.last_error
    assert timedelta(seconds=59) < row.next_attempt_at - before < timedelta(seconds=70)
    app.config["MAIL_URL"] = mailbox.url
    assert _deliver(app).delivered == 0 and mailbox.messages == []  # not yet due
    outcome = _deliver(app, utcnow() + timedelta(seconds=61))
    assert (outcome.delivered, outcome.retrying) == (1, 0)
    assert _deliver(app, utcnow() + timedelta(hours=1)).delivered == 0
    [message] = mailbox.messages
    [row] = _rows(app)
    assert row.state == "sent" and row.sent_at is not None
    # The message written once: its Message-ID and Date are those fixed when it was queued.
    assert message["Message-ID"] == row.message_id
    assert abs(parsedate_to_datetime(message["Date"]) - row.created_at) < timedelta(seconds=1)
    assert message["Subject"] == "Reset your portal password"


def test_retries_back_off_up_to_the_cap_then_the_mail_is_marked_failed(app, mailbox):
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=60.0, MAIL_RETRY_MAX=300.0,
                      MAIL_MAX_ATTEMPTS=6)
    _queue(app)
    waits, now = [], utcnow()
    for _ in range(5):
        [row] = _rows(app)
        waits.append(round((row.next_attempt_at - now).total_seconds()))
        now = row.next_attempt_at
        _deliver(app, now)
    assert waits[0] in (60, 61) and waits[1:] == [120, 240, 300, 300]
    [row] = _rows(app)
    assert (row.state, row.attempts) == ("failed", 6)
    assert mailbox.messages == []


def test_a_permanent_refusal_fails_at_once(app):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such mailbox here"

    controller = parallel.any_port_controller(Refusing(), "127.0.0.1")
    controller.start()
    try:
        app.config["MAIL_URL"] = "smtp://127.0.0.1:%d" % controller.port
        _queue(app)
    finally:
        controller.stop()
    [row] = _rows(app)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("550") and "No such mailbox" in row.last_error


def test_a_temporary_refusal_is_retried_and_then_accepted(app, smtp_server):
    refusals = [1]
    received = []

    class Busy:
        async def handle_DATA(self, server, session, envelope):
            if refusals:
                refusals.pop()
                return "451 4.3.0 Try again later"
            received.append(envelope.content)
            return "250 OK"

    controller = parallel.any_port_controller(Busy(), "127.0.0.1")
    controller.start()
    try:
        app.config["MAIL_URL"] = "smtp://127.0.0.1:%d" % controller.port
        _queue(app)
        [row] = _rows(app)
        assert (row.state, row.attempts) == ("waiting", 1) and row.last_error.startswith("451")
        assert _deliver(app, utcnow() + timedelta(minutes=2)).delivered == 1
    finally:
        controller.stop()
    assert len(received) == 1 and _rows(app)[0].state == "sent"


def test_two_workers_at_once_never_send_the_same_mail(app, mailbox):
    with app.test_request_context():
        with batch("many"):
            for n in range(40):
                send_mail("person%d@example.org" % n, "password_reset", "en", user=Ana,
                          link="http://portal.test/x")
        jobs.commit()                       # a batch: nothing delivered at the commit
    assert mailbox.messages == []
    outcomes, start = [], threading.Barrier(2)

    def worker():
        start.wait()
        outcomes.append(_deliver(app, batch="many"))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(o.delivered for o in outcomes) == 40
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        "person%d@example.org" % n for n in range(40))   # each exactly once
    assert {r.state for r in _rows(app)} == {"sent"}


def test_a_claim_held_by_a_worker_that_died_is_taken_over_when_it_expires(app, mailbox):
    with app.test_request_context():
        with batch("one"):
            send_mail("late@example.org", "password_reset", "en", user=Ana,
                      link="http://portal.test/x")
        jobs.commit()
    with app.app_context():   # a worker claims the row, then dies before sending it
        row = db.session.scalar(select(OutboxMail))
        row.claimed_by, row.claimed_until = "dead-worker", utcnow() + timedelta(minutes=5)
        db.session.commit()
    assert _deliver(app).delivered == 0                       # held: nobody else sends it
    assert _deliver(app, utcnow() + timedelta(minutes=6)).delivered == 1
    assert len(mailbox.to("late@example.org")) == 1


def test_status_page_lists_waiting_and_failed_mail_and_resend_delivers_once(app, login_as,
                                                                           mailbox):
    app.config.update(MAIL_URL=DOWN, MAIL_MAX_ATTEMPTS=1)
    _queue(app, to="lost@example.org")
    client, _ = login_as("admin")
    page = client.get("/admin/status").get_data(as_text=True)
    assert "lost@example.org" in page and "Connection refused" in page
    assert "1 failed mail" in page and "Resend" in page
    [row] = _rows(app)
    # Without the form's CSRF token the resend is refused.
    assert client.post("/admin/mail/%d/resend" % row.id).status_code == 400
    app.config["MAIL_URL"] = mailbox.url
    response = client.submit("/admin/mail/%d/resend" % row.id, page="/admin/status")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The mail to lost@example.org was sent." in page
    assert "0 failed mails" in page
    assert len(mailbox.to("lost@example.org")) == 1
    # A second click on a stale page sends nothing more.
    client.submit("/admin/mail/%d/resend" % row.id, page="/admin/status")
    assert len(mailbox.to("lost@example.org")) == 1


@pytest.mark.parametrize("role", ["participant", "instructor", "coordinator"])
def test_only_admins_may_resend(app, login_as, role):
    app.config["MAIL_URL"] = DOWN
    _queue(app)
    [row] = _rows(app)
    client, _ = login_as(role)
    token = client.csrf_token("/account")
    response = client.post("/admin/mail/%d/resend" % row.id, data={"csrf_token": token})
    assert response.status_code == 403
    assert _rows(app)[0].attempts == 1


def test_invitation_while_smtp_is_down_says_so_and_is_delivered_once_when_back(
        app, login_as, mailbox, runner):
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=1.0)
    client, _ = login_as("admin")
    response = client.submit("/invite", {"email": "nadia@example.org", "name": "Nadia",
                                         "role": "participant", "language": "fr"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "on its way" not in page
    assert "could not be sent yet" in page and "retried automatically" in page
    assert "nadia@example.org" in client.get("/admin/status").get_data(as_text=True)
    app.config["MAIL_URL"] = mailbox.url
    with app.app_context():   # a busy machine may have tried once more meanwhile: its time
        due = db.session.scalar(select(OutboxMail.next_attempt_at).where(
            OutboxMail.recipient == "nadia@example.org"))
    time.sleep(max(0.0, (as_utc(due) - utcnow()).total_seconds()) + 0.1)   # the retry is due
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0 and "1 delivered" in result.output
    result = runner.invoke(args=["mail", "deliver"])
    assert "0 delivered" in result.output
    [invitation] = mailbox.to("nadia@example.org")
    assert invitation["Subject"] == "Votre invitation au Portail de co-création de connaissances"
    # The link it carries works.
    assert client.get(mailbox.last_link("nadia@example.org")).status_code in (200, 302)


def test_invitation_with_smtp_up_says_it_was_sent(app, login_as, mailbox):
    client, _ = login_as("admin")
    response = client.submit("/invite", {"email": "omar@example.org", "name": "Omar",
                                         "role": "participant", "language": "en"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The invitation was sent to omar@example.org." in page
    assert len(mailbox.to("omar@example.org")) == 1


def test_mail_deliver_exits_non_zero_when_nothing_could_be_delivered(app, runner):
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=1.0)
    with app.test_request_context():
        with batch("cron"):
            send_mail("a@example.org", "password_reset", "en", user=Ana, link="http://x/")
        jobs.commit()
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 1
    assert "0 delivered, 1 waiting to retry (SMTP: ConnectionRefusedError" in result.output


def test_one_pass_tries_each_mail_once_even_when_it_comes_due_again(app, monkeypatch):
    """A retry due in 10 ms, reached while the pass goes on (each send made to take 50 ms, as
    on a busy machine), is left for the next pass: a pass never hammers a server that is down,
    and counts each mail once."""
    from portal.mail import delivery
    real_send = delivery._send_rows
    monkeypatch.setattr(delivery, "_send_rows",
                        lambda rows, now: (real_send(rows, now), time.sleep(0.05))[0])
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=0.01)
    with app.test_request_context():
        with batch("cron"):
            send_mail("a@example.org", "password_reset", "en", user=Ana, link="http://x/")
        jobs.commit()
    with app.app_context():
        time.sleep(0.05)
        outcome = delivery.deliver_due()
    assert (outcome.delivered, outcome.retrying, outcome.failed) == (0, 1, 0)


def test_create_user_with_invitation_says_when_it_could_not_be_delivered(app, runner, mailbox):
    app.config["MAIL_URL"] = DOWN
    result = runner.invoke(args=["create-user", "later@example.org", "--invite"])
    assert result.exit_code == 0, result.output
    assert "invitation queued but not delivered (SMTP: ConnectionRefusedError" in result.output
    app.config["MAIL_URL"] = mailbox.url
    result = runner.invoke(args=["create-user", "now@example.org", "--invite"])
    assert "now@example.org (participant), invitation sent" in result.output
