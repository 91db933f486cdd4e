"""Templated mail, rendered in the recipient's language and sent over SMTP (``MAIL_URL``).

Without ``MAIL_URL`` messages are written to the log, which is what development needs;
``MAIL_URL=log://`` does so on purpose, in production too.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from . import jobs

log = logging.getLogger("portal.mail")


def send_mail(to: str, template: str, lang: str, **context) -> None:
    """Render ``templates/mail/<template>.txt`` in ``lang`` and queue it for sending after commit.

    The template's first line is ``Subject: ...``; the rest is the body.
    """
    with force_locale(lang):
        text = render_template("mail/%s.txt" % template, **context)
    first, _, body = text.lstrip().partition("\n")
    subject = first.removeprefix("Subject:").strip()
    jobs.enqueue("mail.send", to=to, subject=subject, body=body.strip() + "\n")


@jobs.job("mail.send")
def deliver(to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)  # RFC 5322 asks for it; without it, mail sorts badly
    msg["Message-ID"] = make_msgid(domain="portal")
    msg.set_content(body)
    url = current_app.config.get("MAIL_URL")
    if not url or url.startswith("log:"):
        log.info("mail (MAIL_URL unset or log://, not sent)\nTo: %s\nSubject: %s\n\n%s",
                 to, subject, body)
        return
    _smtp_send(url, msg)


def _smtp_send(url: str, msg: EmailMessage) -> None:
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    cls = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with cls(parts.hostname or "localhost", port, timeout=15) as smtp:
        if options.get("starttls") in ("1", "true", "yes"):
            smtp.starttls(context=ssl.create_default_context())
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)
