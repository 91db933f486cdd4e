"""The catalogue outline of a course: what the program's General Information states beyond the
course itself. One row per course, created when a coordinator first edits it."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..courses.models import Course
from ..db_types import TranslatedText, UTCDateTime, utcnow
from ..extensions import db

OUTLINE_FIELDS = ("expected_outputs", "target_organizations", "eligibility")
_YEAR_SUFFIX = re.compile(r"[-_ ]?(?:FY)?\d{4}$", re.IGNORECASE)


class CourseOutline(db.Model):
    __tablename__ = "catalogue_outlines"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    expected_outputs: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    target_organizations: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    eligibility: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    # Courses run three years in a row under yearly codes; the series ties the years together.
    series: Mapped[str | None] = mapped_column(String(40), index=True)
    # The course's General Information document, uploaded by its coordinators (documents.py).
    general_information_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow,
                                                        onupdate=utcnow)

    course: Mapped[Course] = relationship()


def code_stem(code: str) -> str:
    """ "FISH-FRA-2026" -> "FISH-FRA": the default series of a course."""
    return _YEAR_SUFFIX.sub("", code.strip()).upper() or code.strip().upper()


def series_of(course: Course, outline: CourseOutline | None) -> str:
    """The explicit series when the coordinator set one, else the code without its year."""
    if outline is not None and outline.series:
        return outline.series.strip().upper()
    return code_stem(course.code)
