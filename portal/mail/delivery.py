"""Delivering the outbox: claim due rows, send them over SMTP, record what the server said.

A row counts as sent only when the SMTP server accepted it. Each delivery first *claims* its rows
(``claimed_by``, ``claimed_until``) in a short transaction of its own: on PostgreSQL the rows are
picked with ``SELECT ... FOR UPDATE SKIP LOCKED``, and on both engines the claiming ``UPDATE``
checks again that nobody holds them, so two workers (the web process, a job worker, cron) never
send the same row. A worker that dies lets go when its claim expires. A failure is retried with
exponential back-off (``MAIL_RETRY_FIRST`` doubled each time, at most ``MAIL_RETRY_MAX``); a
permanent refusal (5xx) or ``MAIL_MAX_ATTEMPTS`` tries make the row ``failed``.
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import case, func, or_, select, update

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from .models import MailState, OutboxMail

log = logging.getLogger("portal.mail")
# A link carrying a bearer secret (an invitation, a password reset): a long URL-safe segment.
_SECRET_IN_LINK = re.compile(r"(https?://\S*?/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{16,}")


def for_the_log(body: str) -> str:
    """A mail's text as the log may keep it: outside development and testing the secrets in
    its links are hidden (a log is read by more people, and kept longer, than a mailbox)."""
    if current_app.config.get("PORTAL_ENV") in ("development", "testing"):
        return body
    return _SECRET_IN_LINK.sub(r"\1\2...(hidden)", body)


CHUNK = 20  # rows claimed at once, sent over one SMTP connection


@dataclass
class Outcome:
    """What one delivery run did."""
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    error: str | None = None  # the last SMTP problem met

    def add(self, other: Outcome) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.error = other.error or self.error


@jobs.job("mail.deliver")
def deliver(message_ids: list[str]) -> None:
    """Queued after the commit of one mail: deliver it now (a retry waits for its time)."""
    deliver_due(message_ids=message_ids)


@jobs.job("mail.deliver_batch", background=True)
def deliver_batch(batch: str) -> None:
    """A bulk send, outside the request: the job worker, or the embedded default's runner."""
    deliver_due(batch=batch)


@jobs.job("mail.sweep", sweep=True)
def sweep() -> None:
    """Whatever is due: retries, and mail a stopped process left (embedded default: every
    ``JOBS_SWEEP_INTERVAL``; production: ``flask mail deliver`` from cron)."""
    deliver_due()


def deliver_due(now: datetime | None = None, *, message_ids: list[str] | None = None,
                batch: str | None = None, limit: int | None = None) -> Outcome:
    """Deliver what is due at ``now`` (only ``message_ids`` or ``batch`` when given). One pass
    tries each mail once at most: what is due is judged at the pass's start, so a mail that
    failed and comes due again while the pass goes on waits for the next pass."""
    total, started = Outcome(), now or utcnow()
    while limit is None or total.delivered + total.retrying + total.failed < limit:
        rows = _claim(started, message_ids, batch)
        if not rows:
            break
        total.add(_send_rows(rows, now or utcnow()))
    return total


def _claimable(now: datetime):
    return (OutboxMail.state == MailState.WAITING, OutboxMail.next_attempt_at <= now,
            or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))


def _claim(now: datetime, message_ids: list[str] | None, batch: str | None) -> list[OutboxMail]:
    due = select(OutboxMail.id).where(*_claimable(now))
    if message_ids is not None:
        due = due.where(OutboxMail.message_id.in_(message_ids))
    if batch is not None:
        due = due.where(OutboxMail.batch == batch)
    due = due.order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(CHUNK)
    token = uuid.uuid4().hex
    lease = timedelta(seconds=60 + 2 * CHUNK * current_app.config["MAIL_TIMEOUT"])
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(due.with_for_update(skip_locked=True)), *_claimable(now))
        .values(claimed_by=token, claimed_until=now + lease)
        .execution_options(synchronize_session=False))
    db.session.commit()  # not jobs.commit(): that would run the next jobs inside this one
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.claimed_by == token)
                                   .order_by(OutboxMail.id)))


def _send_rows(rows: list[OutboxMail], now: datetime) -> Outcome:
    outcome = Outcome()
    url = current_app.config.get("MAIL_URL")
    if not url or url.startswith("log:"):
        _log_instead(rows, now, outcome)
        return outcome
    try:
        smtp = _connect(url)
    except (OSError, smtplib.SMTPException) as exc:
        for row in rows:
            _failed(row, exc, now, outcome)
        return outcome
    with smtp:
        _send_over(smtp, rows, now, outcome)
    return outcome


def _log_instead(rows: list[OutboxMail], now: datetime, outcome: Outcome) -> None:
    """No mail server (MAIL_URL unset or log://): each mail is written to the log, and done."""
    for row in rows:
        log.info("mail (MAIL_URL unset or log://, not sent)\nTo: %s\nSubject: %s\n\n%s",
                 row.recipient, row.subject, for_the_log(row.body))
        _sent(row, now, outcome)


def _send_over(smtp: smtplib.SMTP, rows: list[OutboxMail], now: datetime,
               outcome: Outcome) -> None:
    """Send ``rows`` one by one over the open connection. A mail refused is recorded by
    ``_failed`` (retried later, or failed); when the connection drops, so is every mail not
    sent yet."""
    for number, row in enumerate(rows):
        try:
            smtp.send_message(message_for(row))
        except smtplib.SMTPServerDisconnected as exc:  # the connection is gone
            for rest in rows[number:]:
                _failed(rest, exc, now, outcome)
            return
        except (OSError, smtplib.SMTPException) as exc:
            _failed(row, exc, now, outcome)
        else:
            _sent(row, now, outcome)


def message_for(row: OutboxMail) -> EmailMessage:
    """The message as it goes out, the same at every attempt."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    # RFC 5322 asks for Date: when the message was written, so a retry is the same message.
    msg["Date"] = formatdate(row.created_at.timestamp(), usegmt=True)
    msg["Message-ID"] = row.message_id
    msg["Content-Language"] = row.language
    msg.set_content(row.body)
    return msg


def _sent(row: OutboxMail, now: datetime, outcome: Outcome) -> None:
    row.state, row.sent_at = MailState.SENT, now
    row.claimed_by = row.claimed_until = None
    db.session.commit()  # row by row: a crash later must not send this one again
    outcome.delivered += 1


def _failed(row: OutboxMail, exc: Exception, now: datetime, outcome: Outcome) -> None:
    row.attempts += 1
    row.last_error = describe(exc)[:500]
    row.claimed_by = row.claimed_until = None
    permanent = isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500 or \
        isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
            code >= 500 for code, _ in exc.recipients.values())
    if permanent or row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.state = MailState.FAILED
        outcome.failed += 1
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
        outcome.retrying += 1
    outcome.error = row.last_error
    log.warning("mail %s to %s not delivered (attempt %d): %s", row.kind, row.recipient,
                row.attempts, row.last_error)
    db.session.commit()


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: doubling from MAIL_RETRY_FIRST, capped."""
    first = current_app.config["MAIL_RETRY_FIRST"]
    return timedelta(seconds=min(first * 2 ** min(attempts - 1, 30),
                                 current_app.config["MAIL_RETRY_MAX"]))


def describe(exc: Exception) -> str:
    """The SMTP server's answer, or what stopped us reaching it, in one line."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return "%d %s" % (exc.smtp_code, " ".join(text.split()))
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return "%d %s" % (code, text.decode(errors="replace") if isinstance(text, bytes)
                          else text)
    return "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    cls = smtplib.SMTP_SSL if secure else smtplib.SMTP
    smtp = cls(parts.hostname or "localhost", port, timeout=current_app.config["MAIL_TIMEOUT"])
    try:
        if options.get("starttls") in ("1", "true", "yes"):
            smtp.starttls(context=ssl.create_default_context())
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


# ------------------------------------------------------------------ what the pages read


def resend(mail: OutboxMail) -> None:
    """Try a waiting or failed mail again now, with its attempts counted afresh."""
    mail.state, mail.attempts, mail.next_attempt_at = MailState.WAITING, 0, utcnow()
    mail.claimed_by = mail.claimed_until = None
    jobs.enqueue("mail.deliver", message_ids=[mail.message_id])


def counts() -> dict[str, int]:
    """Rows per state: waiting, failed, and sent in the last 24 hours."""
    found = dict(db.session.execute(
        select(OutboxMail.state, func.count()).where(OutboxMail.state != MailState.SENT)
        .group_by(OutboxMail.state)).all())
    sent = db.session.scalar(select(func.count()).where(
        OutboxMail.state == MailState.SENT, OutboxMail.sent_at >= utcnow() - timedelta(days=1)))
    return {"waiting": found.get(MailState.WAITING, 0), "failed": found.get(MailState.FAILED, 0),
            "sent_24h": sent or 0}


def unsent(limit: int = 100) -> list[OutboxMail]:
    """Mail waiting or failed, the failed first, then the oldest."""
    return list(db.session.scalars(
        select(OutboxMail).where(OutboxMail.state != MailState.SENT)
        .order_by((OutboxMail.state == MailState.FAILED).desc(), OutboxMail.created_at)
        .limit(limit)))


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    untried: int = 0  # waiting for their first try: the page refreshes itself meanwhile
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.sent + self.failed >= self.total


def progress(batch: str) -> Progress:
    """How far the bulk send ``batch`` has got."""
    found = Progress()
    rows = db.session.execute(
        select(OutboxMail.state, func.count(),
               func.sum(case((OutboxMail.attempts == 0, 1), else_=0)))
        .where(OutboxMail.batch == batch).group_by(OutboxMail.state))
    for state, n, untried in rows:
        setattr(found, state, n)
        found.total += n
        found.untried += untried if state == MailState.WAITING else 0
    if found.waiting > found.untried or found.failed:
        found.error = db.session.scalar(
            select(OutboxMail.last_error).where(OutboxMail.batch == batch,
                                                OutboxMail.last_error.is_not(None))
            .order_by(OutboxMail.id.desc()).limit(1))
    return found


def latest(recipient: str, kind: str) -> OutboxMail | None:
    """The newest mail of ``kind`` to ``recipient`` (what became of the one just sent)."""
    return db.session.scalar(select(OutboxMail).where(
        OutboxMail.recipient == recipient, OutboxMail.kind == kind)
        .order_by(OutboxMail.id.desc()).limit(1))
