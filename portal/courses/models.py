"""Courses, their instructors and coordinators, enrollments and nomination-list imports."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask import g, has_request_context
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    event,
    exists,
    false,
    select,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship

from .. import dates
from ..access import ADMIN, COORDINATOR, INSTRUCTOR
from ..auth.models import User
from ..db_types import TranslatedText, UTCDateTime, utcnow
from ..extensions import db


class CourseInstructor(db.Model):
    __tablename__ = "course_instructors"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)


class CourseCoordinator(db.Model):
    """The coordinators who run a course: they see and manage it (admins manage every course)."""
    __tablename__ = "course_coordinators"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)


# Who is staff of a course (docs/ACCESS.md): the table that names a role's courses, and what
# being named there allows. Admins manage every course. Read by the Python check and by the SQL
# condition alike, so the two cannot disagree.
MANAGE, TEACH = "manage", "teach"
_STAFF = {COORDINATOR: (CourseCoordinator, MANAGE), INSTRUCTOR: (CourseInstructor, TEACH)}


def _per_request(key: tuple, compute):
    """``compute()`` once per request (pages ask the same question from several places)."""
    if not has_request_context():
        return compute()
    memo = g.setdefault("course_access", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget_course_access() -> None:
    """Staff changed during this request: ask again."""
    if has_request_context():
        g.pop("course_access", None)


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    description: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    objectives: Mapped[dict | None] = mapped_column(TranslatedText, default=dict)
    outline: Mapped[dict | None] = mapped_column(TranslatedText, default=dict)
    subject: Mapped[str] = mapped_column(String(40), index=True)
    program_type: Mapped[str] = mapped_column(String(20), default="group-region")
    training_center: Mapped[str] = mapped_column(String(40))
    fiscal_year: Mapped[int] = mapped_column(index=True)
    languages: Mapped[list] = mapped_column(JSON, default=list)     # languages of instruction
    region: Mapped[str | None] = mapped_column(String(40))
    pre_arrival_opens: Mapped[date] = mapped_column(Date)
    arrival: Mapped[date] = mapped_column(Date)
    departure: Mapped[date] = mapped_column(Date)
    report_months: Mapped[list] = mapped_column(JSON, default=list)  # e.g. [3, 6]
    # Derived from departure and report_months on every flush (dates.closes_on), so phases
    # filter in SQL.
    closes_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The course this one was copied from (its previous year: courses/rollover.py).
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow,
                                                        onupdate=utcnow)

    previous: Mapped[Course | None] = relationship(remote_side="Course.id")
    instructors: Mapped[list[User]] = relationship(secondary="course_instructors")
    coordinators: Mapped[list[User]] = relationship(secondary="course_coordinators")
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="course",
                                                           cascade="all, delete-orphan")

    @classmethod
    def without_long_texts(cls) -> tuple:
        """Loader options for pages that list courses by their facts: the description,
        objectives and outline (long texts in three languages) left unread."""
        return (defer(cls.description), defer(cls.objectives), defer(cls.outline))

    # -- who may do what (docs/ACCESS.md) ---------------------------------------------------
    def staff_role(self, user) -> str | None:
        """MANAGE for the course's coordinators and for admins, TEACH for its instructors."""
        return _per_request(("staff", self.id, getattr(user, "id", None)),
                            lambda: self._staff_role(user))

    def _staff_role(self, user) -> str | None:
        if not getattr(user, "is_authenticated", False):
            return None
        if user.role == ADMIN:
            return MANAGE
        table, allows = _STAFF.get(user.role, (None, None))
        if table is None or not db.session.scalar(select(exists().where(
                table.course_id == self.id, table.user_id == user.id))):
            return None
        return allows

    def can_manage(self, user) -> bool:
        """Edit the course, its staff, enrollments, outline and questions."""
        return self.staff_role(user) == MANAGE

    def is_staff(self, user) -> bool:
        """Teach and review: see the participants, their work, plans and results."""
        return self.staff_role(user) is not None

    def is_named_staff(self, user) -> bool:
        """Staff named on the course, admins left out: who reads the evaluation's free text."""
        return getattr(user, "role", None) != ADMIN and self.is_staff(user)

    @classmethod
    def staffed_by(cls, user):
        """SQL condition: the courses ``user`` is staff of (as ``is_staff``)."""
        return cls._staff_condition(user, (MANAGE, TEACH))

    @classmethod
    def managed_by(cls, user):
        """SQL condition: the courses ``user`` manages (as ``can_manage``)."""
        return cls._staff_condition(user, (MANAGE,))

    @classmethod
    def _staff_condition(cls, user, allowed: tuple[str, ...]):
        role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
        if role == ADMIN:
            return true()
        table, allows = _STAFF.get(role, (None, None))
        if allows not in allowed:
            return false()
        return exists().where(table.course_id == cls.id, table.user_id == user.id)

    def phase(self, today: date | None = None) -> str:
        """upcoming, pre-arrival, in-japan, post-return or closed, from the dates."""
        return dates.phase_of(self, today)


@event.listens_for(Course, "before_insert")
@event.listens_for(Course, "before_update")
def _derive_closes_on(mapper, connection, course: Course) -> None:
    """The one writer of ``closes_on``, whoever saves the course."""
    if course.departure is not None:
        course.closes_on = dates.closes_on(course.departure, course.report_months)


class EnrollmentState(StrEnum):
    """Stored as its value: templates and old rows compare with the plain strings."""
    NOMINATED = "nominated"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # alumni
    WITHDRAWN = "withdrawn"


# Accepted onto the course: they write an action plan and answer the evaluation. A nominee is
# active (does the pre-arrival assignments) but not yet participating.
PARTICIPATING = (EnrollmentState.ACCEPTED, EnrollmentState.IN_PROGRESS,
                 EnrollmentState.COMPLETED)


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentState.NOMINATED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow,
                                                        onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="enrollments")
    user: Mapped[User] = relationship()

    # One definition each for Python (``e.is_active``) and SQL (``.where(Enrollment.is_active)``).
    @hybrid_property
    def is_active(self) -> bool:
        """Not withdrawn: does the course's assignments, reads its materials, is counted."""
        return self.status != EnrollmentState.WITHDRAWN

    @hybrid_property
    def is_participating(self) -> bool:
        return self.status in PARTICIPATING

    @is_participating.inplace.expression
    @classmethod
    def _is_participating_sql(cls):
        return cls.status.in_(PARTICIPATING)

    @hybrid_property
    def is_alumnus(self) -> bool:
        return self.status == EnrollmentState.COMPLETED


class EnrollmentImport(db.Model):
    """An uploaded nomination list, parsed and kept server-side between preview and confirm.

    ``rows`` holds the cleaned cells of each row ({"line", "name", "email", "country",
    "organization", "position", "language"}); problems are recomputed on every view, because
    enrollments may change between the upload and the confirmation.
    """
    __tablename__ = "enrollment_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(JSON)  # counts, once confirmed
    # How the file was read: format, encoding and separator of a CSV, sheet of a workbook,
    # the rows naming the columns (shown on the preview; import_reading.parse).
    reading: Mapped[dict | None] = mapped_column(JSON)

    course: Mapped[Course] = relationship()
