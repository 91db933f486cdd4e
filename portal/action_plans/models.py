"""Action plans, their frozen versions and review comments, and post-return progress reports."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..courses.models import Enrollment
from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..uploads.models import StoredFile


class PlanState(StrEnum):
    """A plan is edited as a draft, submitted (a version is frozen), then returned for changes
    or accepted. An accepted plan may be revised (with a reason): that makes a new version.
    A version is submitted, returned or accepted; a progress report is a draft or submitted."""
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    REVISING = "revising"


class ActivityStatus(StrEnum):
    """An activity's status in a progress report."""
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


# Short names of the members, for the modules that use them often.
DRAFT, SUBMITTED, RETURNED, ACCEPTED, REVISING = PlanState
EDITABLE = (DRAFT, RETURNED, REVISING)
ACTIVITY_STATUSES = tuple(ActivityStatus)

# The sections of a plan, in order; "activities" is a list of dicts with ACTIVITY_FIELDS.
TEXT_SECTIONS = ("title", "problem", "objectives", "target_group", "risks", "support")
SECTIONS = ("title", "problem", "objectives", "target_group", "activities", "risks", "support")
ACTIVITY_FIELDS = ("description", "responsible", "start", "end", "indicator", "target",
                   "resources")


class _PlanContent:
    """The sections of a plan as written (``content``) and its title, the one section lists
    show: read in Python from a loaded plan, or in SQL (``select(ActionPlan.title)``) so that
    a list of plans reads their titles without their whole text."""
    content: Mapped[dict] = mapped_column(JSON, default=dict)

    @hybrid_property
    def title(self) -> str:
        return (self.content or {}).get("title") or ""

    @title.inplace.expression
    @classmethod
    def _title_in_sql(cls):
        return func.coalesce(cls.content["title"].as_string(), "")


class ActionPlan(_PlanContent, db.Model):
    """One plan per enrollment. ``content`` is the working copy; versions are frozen copies."""
    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en")  # the author's language
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    shared: Mapped[bool] = mapped_column(default=False)  # with other alumni
    revision_reason: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased, for the collection
    edit_count: Mapped[int] = mapped_column(Integer, default=0)  # detects concurrent edits
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan")
    comments: Mapped[list[PlanComment]] = relationship(
        order_by="PlanComment.id", cascade="all, delete-orphan")
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="plan", order_by="ProgressReport.month", cascade="all, delete-orphan")

    @property
    def author(self) -> User:
        return self.enrollment.user

    @property
    def course(self):
        return self.enrollment.course

    @property
    def accepted_version(self) -> PlanVersion | None:
        accepted = [v for v in self.versions if v.status == ACCEPTED]
        return accepted[-1] if accepted else None

    @property
    def latest_version(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None



class PlanVersion(_PlanContent, db.Model):
    """A frozen copy of a plan, made at each submission and each revision."""
    __tablename__ = "action_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    # submitted | returned | accepted
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED)
    reason: Mapped[str | None] = mapped_column(Text)  # why an accepted plan was revised
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    plan: Mapped[ActionPlan] = relationship(back_populates="versions")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class PlanComment(db.Model):
    """A reviewer's comment on one section of one version."""
    __tablename__ = "action_plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_plan_versions.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(30))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    version: Mapped[PlanVersion | None] = relationship()


class ProgressReport(db.Model):
    """The report due ``month`` months after the course's departure."""
    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("plan_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"))
    month: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_plan_versions.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)  # draft | submitted
    language: Mapped[str] = mapped_column(String(5), default="en")
    achievements: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    applied: Mapped[str] = mapped_column(Text, default="")  # what was applied from Japan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[ActionPlan] = relationship(back_populates="reports")
    version: Mapped[PlanVersion | None] = relationship()
    activities: Mapped[list[ReportActivity]] = relationship(
        order_by="ReportActivity.position", cascade="all, delete-orphan")
    files: Mapped[list[ReportFile]] = relationship(
        order_by="ReportFile.id", cascade="all, delete-orphan")


class ReportActivity(db.Model):
    """Where one activity of the plan stands in a report."""
    __tablename__ = "progress_report_activities"
    __table_args__ = (UniqueConstraint("report_id", "activity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    activity_key: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ActivityStatus.NOT_STARTED)
    percent: Mapped[int] = mapped_column(Integer, default=0)


class ReportFile(db.Model):
    """An evidence attachment of a report (a stored file of purpose ``plan-evidence``)."""
    __tablename__ = "progress_report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"),
                                           index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"),
                                         unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship()


class PlanReminder(db.Model):
    """A reminder sent about one report of one plan: never twice for the same event."""
    __tablename__ = "action_plan_reminders"
    __table_args__ = (UniqueConstraint("plan_id", "month", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"))
    month: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # due-soon | overdue
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The mail it was sent as: the outbox delivers it (with retries) or lists it as failed.
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id",
                                                           ondelete="SET NULL"))
