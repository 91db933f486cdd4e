"""Templated mail, rendered in the recipient's language, kept in an outbox, sent over SMTP.

``send_mail`` writes the rendered message into the ``mail_outbox`` table in the caller's
transaction (so a rollback sends nothing) and queues its delivery after the commit. Delivery
(``delivery.py``) marks a row sent only when the SMTP server accepted it; a failure is retried
with back-off, and what is waiting or failed is listed on ``/admin/status``. Bulk mail (a
nomination list) is written under ``batch(key)`` and delivered outside the request
(``deliver_later``). Without ``MAIL_URL`` messages are written to the log, which is what
development needs; ``MAIL_URL=log://`` does so on purpose, in production too.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email.utils import make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from ..i18n import interface_language
from . import delivery
from .models import MailState, OutboxMail

__all__ = ["MailState", "OutboxMail", "batch", "deliver_later", "delivery", "send_mail"]

_BATCH: ContextVar[str | None] = ContextVar("portal_mail_batch", default=None)


def send_mail(to: str, template: str, lang: str, **context) -> OutboxMail:
    """Render ``templates/mail/<template>.txt`` in ``lang`` into the outbox; it is delivered
    after the commit (inside ``batch()``: by ``deliver_later``, outside the request).

    The template's first line is ``Subject: ...``; the rest is the body. A language the
    interface does not speak is written in the default one (``i18n.interface_language``).
    """
    lang = interface_language(lang)
    with force_locale(lang):
        text = render_template("mail/%s.txt" % template, **context)
    first, _, body = text.lstrip().partition("\n")
    subject = first.removeprefix("Subject:").strip()
    mail = OutboxMail(recipient=to, language=lang, kind=template, subject=subject[:500],
                      body=body.strip() + "\n", message_id=_new_message_id(),
                      batch=_BATCH.get(), state=MailState.WAITING, attempts=0,
                      created_at=utcnow(), next_attempt_at=utcnow())
    db.session.add(mail)
    if mail.batch is None:
        jobs.enqueue("mail.deliver", message_ids=[mail.message_id])
    return mail


@contextmanager
def batch(key: str) -> Iterator[str]:
    """Mail sent inside is one bulk send named ``key``: no delivery per message after the
    commit; the caller calls ``deliver_later(key)`` (or delivers it itself, as the reminder
    commands do)."""
    token = _BATCH.set(key)
    try:
        yield key
    finally:
        _BATCH.reset(token)


def deliver_later(key: str) -> None:
    """After the commit, deliver the batch ``key`` outside the request: on the job worker when
    ``REDIS_URL`` is set, else on the web process's background runner (``jobs.py``)."""
    jobs.enqueue("mail.deliver_batch", batch=key)


def _new_message_id() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return make_msgid(domain=address.rpartition("@")[2] or "portal")
