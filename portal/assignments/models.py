"""Assignments, submissions (one per participant, with every version kept), attachments,
extensions and the reminders already sent."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import dates
from ..auth.models import User
from ..courses.models import Course
from ..db_types import TranslatedText, UTCDateTime, utcnow
from ..extensions import db
from ..uploads.models import StoredFile


class SubmissionState(StrEnum):
    """A submission's state (the matrix shows them); a version has one too. Stored as its
    value, so templates compare with the plain strings."""
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class ExtensionState(StrEnum):
    """requested -> granted | refused; a grant made by staff is granted at once."""
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


# Short names of the members, for the modules that use them often.
DRAFT, SUBMITTED, RETURNED, ACCEPTED = SubmissionState
STATES = tuple(SubmissionState)
REQUESTED, GRANTED, REFUSED = ExtensionState


class Assignment(db.Model):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    phase: Mapped[str] = mapped_column(String(20))
    title: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    instructions: Mapped[dict] = mapped_column(TranslatedText, default=dict)  # Markdown
    statement: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Post-return reports: due this many months after the course's departure (due_at follows).
    due_months_after_departure: Mapped[int | None] = mapped_column()
    cutoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    asks: Mapped[str] = mapped_column(String(10), default="both")
    file_types: Mapped[list] = mapped_column(JSON, default=list)  # type groups (forms.FILE_TYPES)
    max_files: Mapped[int] = mapped_column(default=3)
    max_size_mb: Mapped[int] = mapped_column(default=20)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()

    @property
    def plan_report_month(self) -> int | None:
        """The action plan's report month this assignment is the same obligation as (an
        assignment made before such assignments were refused), or None (``dates``)."""
        return dates.plan_report_month(self.phase, self.due_months_after_departure,
                                       self.course.report_months)

    @property
    def wants_text(self) -> bool:
        return self.asks in ("text", "both")

    @property
    def wants_files(self) -> bool:
        return self.asks in ("files", "both")


class Submission(db.Model):
    """One participant's work on one assignment; ``state`` and ``late`` describe the latest
    version handed in (a draft after a return leaves them at ``returned``)."""
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    late: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    assignment: Mapped[Assignment] = relationship()
    user: Mapped[User] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number",
        cascade="all, delete-orphan")

    @property
    def current(self) -> SubmissionVersion | None:
        return self.versions[-1] if self.versions else None


class SubmissionVersion(db.Model):
    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    text: Mapped[str] = mapped_column(Text, default="")
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)
    statement_accepted: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship(back_populates="versions")
    reviewer: Mapped[User | None] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="version", order_by="SubmissionFile.id", cascade="all, delete-orphan")

    @property
    def attachments(self) -> list[SubmissionFile]:
        return [f for f in self.files if f.kind == "attachment"]

    @property
    def feedback_files(self) -> list[SubmissionFile]:
        return [f for f in self.files if f.kind == "feedback"]


class SubmissionFile(db.Model):
    """A stored file attached to a version: the participant's work or the reviewer's feedback."""
    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_versions.id",
                                                       ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(20), default="attachment")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[SubmissionVersion] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship()


class Extension(db.Model):
    __tablename__ = "assignment_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"),
                                               index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=REQUESTED)
    reason: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cutoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))

    assignment: Mapped[Assignment] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SentReminder(db.Model):
    """One row per reminder sent: the unique key makes a second one for the same event fail."""
    __tablename__ = "assignment_reminders"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "7d", "1d", "overdue"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the deadline it was about
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The mail it was sent as: the outbox delivers it (with retries) or lists it as failed.
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id",
                                                           ondelete="SET NULL"))
