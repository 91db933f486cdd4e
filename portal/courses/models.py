"""Courses, their instructors and coordinators, enrollments and nomination-list imports."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db_types import UTCDateTime, utcnow
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


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)        # {lang: text}
    description: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: text}
    objectives: Mapped[dict | None] = mapped_column(JSON, default=dict)  # {lang: text}
    outline: Mapped[dict | None] = mapped_column(JSON, default=dict)     # {lang: text}
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
    # Derived from departure and report_months on every flush, so phases filter in SQL.
    closes_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow,
                                                        onupdate=utcnow)

    instructors: Mapped[list[User]] = relationship(secondary="course_instructors")
    coordinators: Mapped[list[User]] = relationship(secondary="course_coordinators")
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="course",
                                                           cascade="all, delete-orphan")

    def phase(self, today: date | None = None) -> str:
        """upcoming, pre-arrival, in-japan, post-return or closed, from the dates."""
        today = today or utcnow().date()
        if today < self.pre_arrival_opens:
            return "upcoming"
        if today < self.arrival:
            return "pre-arrival"
        if today <= self.departure:
            return "in-japan"
        if today <= self.computed_closes_on():
            return "post-return"
        return "closed"

    def computed_closes_on(self) -> date:
        """The last day of the post-return phase: a month after the last report falls due."""
        return add_months(self.departure, max(self.report_months or [0]) + 1)

    def report_due_dates(self) -> list[tuple[int, date]]:
        """(months, date) of each post-return report, counted from departure."""
        return [(m, add_months(self.departure, m)) for m in sorted(self.report_months or [])]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


_add_months = add_months  # the name the foundation used


@event.listens_for(Course, "before_insert")
@event.listens_for(Course, "before_update")
def _derive_closes_on(mapper, connection, course: Course) -> None:
    if course.departure is not None:
        course.closes_on = course.computed_closes_on()


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="nominated")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow,
                                                        onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="enrollments")
    user: Mapped[User] = relationship()

    @property
    def is_alumnus(self) -> bool:
        return self.status == "completed"


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

    course: Mapped[Course] = relationship()
