"""The mail outbox: one row per message, written in the transaction that decided to send it."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class MailState(StrEnum):
    WAITING = "waiting"  # to be delivered at next_attempt_at (first try or a retry)
    SENT = "sent"        # the SMTP server accepted it (or it went to the log on purpose)
    FAILED = "failed"    # refused for good, or out of attempts: an admin may resend it


class OutboxMail(db.Model):
    """A rendered message and its delivery record. ``message_id`` is fixed when the row is made,
    so every attempt sends the same message (a receiving server or reader can tell a repeat)."""
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(50))  # the template: invitation, assignment_reminder
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    batch: Mapped[str | None] = mapped_column(String(100), index=True)  # a bulk send's key
    state: Mapped[str] = mapped_column(String(10), default=MailState.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker delivering the row holds it until claimed_until; a worker that died lets go.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
