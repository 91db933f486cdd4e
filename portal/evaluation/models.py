"""End-of-course questionnaires and their answers.

Anonymity by design (issue 10): who has answered (``Respondent``) and what was answered
(``Response`` and ``Answer``) are kept in separate tables with nothing in common but the
questionnaire:
- ``Respondent`` has no id of its own, no answer id and no time: only (questionnaire, user);
- ``Response`` has a random id (so ids do not tell the order in which answers came), no time,
  and the user's id only when the participant chose to sign the answer;
- ``Answer`` belongs to a response; it has no time either.
On SQLite the three tables are WITHOUT ROWID, so even the hidden row number does not tell the
order of arrival. On PostgreSQL, rows are physically written in arrival order; the portal never
reads or exposes that order (``ctid``), and lists are sorted by random id or by text.
What remains, and cannot be removed while signing is allowed: the set of participants who answered
without signing is known (all respondents minus the signers). The results pages therefore show
the answers of unsigned responses only once there are at least ``MIN_ANONYMOUS`` of them.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..courses.models import Course
from ..db_types import TranslatedText, UTCDateTime, utcnow
from ..extensions import db


class QuestionKind(StrEnum):
    """Stored as its value: templates compare with the plain strings."""
    RATING = "rating"  # from 1 to 5, on the SCALE below
    TEXT = "text"


RATING, TEXT = QuestionKind
KINDS = tuple(QuestionKind)
SCALE = (1, 2, 3, 4, 5)


def _random_id() -> str:
    return uuid.uuid4().hex


class Questionnaire(db.Model):
    __tablename__ = "evaluation_questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           unique=True)
    opens_on: Mapped[date | None] = mapped_column(Date)  # None: the day of departure
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire", order_by="Question.position, Question.id",
        cascade="all, delete-orphan")

    def opening_day(self) -> date:
        return opening_day_of(self.opens_on, self.course.departure)


def opening_day_of(opens_on: date | None, departure: date) -> date:
    """The day a questionnaire opens: its own, or else its course's departure."""
    return opens_on or departure


class Question(db.Model):
    __tablename__ = "evaluation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questionnaires.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10), default=RATING)
    text: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    required: Mapped[bool] = mapped_column(default=True)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")


class Respondent(db.Model):
    """That ``user_id`` has answered the questionnaire, and nothing else."""
    __tablename__ = "evaluation_respondents"
    __table_args__ = {"sqlite_with_rowid": False}

    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questionnaires.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)


class Response(db.Model):
    """One participant's answers; ``user_id`` only when the participant signed them."""
    __tablename__ = "evaluation_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questionnaires.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")


class Answer(db.Model):
    __tablename__ = "evaluation_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[str] = mapped_column(
        ForeignKey("evaluation_responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questions.id", ondelete="CASCADE"), primary_key=True, index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
