"""Announcements to a course's participants, who received each one, and the staff's
notifications of new work (their choice, each event notified, each day's digest)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..courses.models import Course
from ..db_types import TranslatedText, UTCDateTime, utcnow
from ..extensions import db
from ..mail.models import OutboxMail


class Announcement(db.Model):
    """What staff wrote to a course (``subject`` and Markdown ``body``, per language), the
    audience they chose (``audience``: the filters, as ``audience.Audience.as_json``) and how
    many people it reached. Who they were is in ``AnnouncementRecipient``."""
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    body: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    recipients_count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    course: Mapped[Course] = relationship()
    author: Mapped[User | None] = relationship()


class AnnouncementRecipient(db.Model):
    """One person an announcement was sent to, chosen when it was sent: the address and the
    language it was mailed in, the mail (the outbox delivers it), and whether they read it on
    the portal or dismissed it from their dashboard."""
    __tablename__ = "announcement_recipients"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id"),
                      Index("ix_announcement_recipients_user_dismissed", "user_id",
                            "dismissed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id",
                                                           ondelete="SET NULL"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    announcement: Mapped[Announcement] = relationship()
    user: Mapped[User] = relationship()
    mail: Mapped[OutboxMail | None] = relationship()


class Delivery(StrEnum):
    """How a staff member hears of new work in their courses."""
    IMMEDIATE = "immediate"  # one mail per event
    DIGEST = "digest"        # one mail a day listing the day's events
    OFF = "off"


class StaffEvent(StrEnum):
    HAND_IN = "hand_in"
    RESUBMISSION = "resubmission"
    EXTENSION_REQUEST = "extension_request"


class NoticePreference(db.Model):
    """A staff member's choice; without a row, the role's default (``notices.DEFAULTS``)."""
    __tablename__ = "notice_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StaffDigest(db.Model):
    """One day's digest of one person: the unique key lets a day have only one."""
    __tablename__ = "staff_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # in the person's time zone
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id",
                                                           ondelete="SET NULL"))


class StaffNotice(db.Model):
    """One event (a version handed in, an extension asked for) for one staff member: the
    unique keys let an event reach a person once. ``mail_id`` is its own mail (immediate) or
    ``digest_id`` the day's digest that listed it; both empty: waiting for the next digest."""
    __tablename__ = "staff_notices"
    __table_args__ = (UniqueConstraint("user_id", "version_id",
                                       name="uq_staff_notices_user_id_version_id"),
                      UniqueConstraint("user_id", "extension_id",
                                       name="uq_staff_notices_user_id_extension_id"),
                      Index("ix_staff_notices_waiting", "delivery", "digest_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id",
                                                          ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("submission_versions.id",
                                                              ondelete="CASCADE"))
    extension_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_extensions.id",
                                                                ondelete="CASCADE"))
    late: Mapped[bool] = mapped_column(default=False)
    delivery: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id",
                                                           ondelete="SET NULL"))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("staff_digests.id",
                                                             ondelete="SET NULL"))

    participant: Mapped[User] = relationship(foreign_keys=[participant_id])
