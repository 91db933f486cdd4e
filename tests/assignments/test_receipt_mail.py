"""SMTP down while work is handed in (issue 15.6): the work is saved, its receipt waits in the
outbox, and once the server is back the receipt is delivered exactly once."""
import time

from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.mail import OutboxMail
from tests.assignments.test_review import hand_in

DOWN = "smtp://127.0.0.1:9"


def test_receipt_waits_while_smtp_is_down_then_is_delivered_once(app, world, signed_in,
                                                                mailbox, runner):
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=1.0)
    hand_in(signed_in(world.alice), world)      # the hand-in itself succeeds
    assert jobs.wait_idle(app)  # the instructor's notice (issue 17) was tried after the answer
    with app.app_context():
        [receipt] = db.session.scalars(select(OutboxMail).where(
            OutboxMail.kind == "assignment_receipt")).all()
        assert (receipt.recipient, receipt.state, receipt.attempts) == (
            world.alice.email, "waiting", 1)
    assert mailbox.messages == []
    app.config["MAIL_URL"] = mailbox.url
    time.sleep(1.1)
    # the receipt, and the instructor's notice of the hand-in (issue 17), each once
    assert "2 delivered" in runner.invoke(args=["mail", "deliver"]).output
    assert "0 delivered" in runner.invoke(args=["mail", "deliver"]).output
    [message] = mailbox.to(world.alice.email)
    assert "Rapport pays" in message["Subject"]
    assert message["Message-ID"] == receipt.message_id
