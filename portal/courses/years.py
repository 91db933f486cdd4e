"""The years of a course (issue 17.2): the other courses of its series, linked and compared.

The series is the one the evaluation compares (``evaluation.services.series``: the catalogue
outline's series, else the code without its year); a copy made by ``rollover`` carries its
source's series. Each year is compared on three figures, a few grouped queries for all years:

- participants: enrollments accepted, in progress or completed (``Enrollment.is_participating``,
  as the catalogue's statistics count them);
- hand-in rate: work handed in or accepted over every (active participant, assignment) pair, as
  the progress matrix counts it (``assignments.reports.completion_of_courses``);
- evaluation: the mean of every rating given (1 to 5) and how many answered with a rating.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from ..assignments.reports import completion_of_courses
from ..evaluation import services as evaluation
from ..evaluation.models import RATING, Answer, Question, Questionnaire
from ..extensions import db
from . import services
from .models import Course, Enrollment


@dataclass(frozen=True)
class Year:
    course: Course
    visible: bool          # the reader may open its page (a link), else its code only
    participants: int
    handed_in: int
    expected: int
    rating: float | None   # mean of the ratings given
    rated_by: int          # responses with at least one rating

    @property
    def hand_in_rate(self) -> float | None:
        return self.handed_in / self.expected if self.expected else None


def years_of(course: Course, user) -> list[Year]:
    """Every year of ``course``'s series, oldest first, with its figures (empty when the
    course is alone in its series)."""
    courses = evaluation.series(course)
    if len(courses) < 2:
        return []
    ids = [c.id for c in courses]
    participants = dict(db.session.execute(
        select(Enrollment.course_id, func.count()).where(Enrollment.course_id.in_(ids),
                                                         Enrollment.is_participating)
        .group_by(Enrollment.course_id)).all())
    completion = completion_of_courses(ids)
    ratings = {row[0]: (row[1], row[2]) for row in db.session.execute(
        select(Questionnaire.course_id, func.avg(Answer.rating),
               func.count(distinct(Answer.response_id)))
        .select_from(Answer).join(Question, Answer.question_id == Question.id)
        .join(Questionnaire, Question.questionnaire_id == Questionnaire.id)
        .where(Questionnaire.course_id.in_(ids), Question.kind == RATING,
               Answer.rating.is_not(None))
        .group_by(Questionnaire.course_id))}
    visible = set(db.session.scalars(services.visible_courses(user).where(Course.id.in_(ids))
                                     .with_only_columns(Course.id)))
    return [Year(c, c.id in visible, participants.get(c.id, 0), *completion.get(c.id, (0, 0)),
                 float(ratings[c.id][0]) if c.id in ratings else None,
                 ratings.get(c.id, (None, 0))[1])
            for c in courses]
