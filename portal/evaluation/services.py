"""Evaluation rules: questionnaires, who answers when, one answer each, results and series.

- A course's coordinators (and admins) write its questions, each in the course's languages of
  instruction that the interface speaks (English, French, Spanish; at least one language when
  the course is taught in none of them); the questions are locked once someone has answered, so
  every answer is to the same questionnaire. Copying the questions of an earlier year adds only
  those not already there (idempotent).
- A participant (enrollment accepted, in progress or completed) answers from the opening day
  (by default the day of departure from Japan: the end of the in-Japan phase) onwards, once.
  "Once" is the primary key of ``Respondent`` (questionnaire, user), written in the same
  transaction as the answer, so a double submit or two tabs cannot answer twice.
- Results (counts, averages, distributions) are for the course's staff (``Course.is_staff``);
  the free-text answers only for the staff named on the course (``Course.is_named_staff``: not
  every admin). Answers
  that were not signed are shown only once there are ``MIN_ANONYMOUS`` of them (see
  ``models``). Services only flush.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, dates
from ..auth.models import User
from ..catalogue.models import CourseOutline, series_of
from ..courses import services as courses
from ..courses.models import Course
from ..domain_errors import DomainError
from ..extensions import db
from ..i18n import LANGUAGES, localize
from ..text import fold_words
from .models import (
    KINDS,
    RATING,
    SCALE,
    TEXT,
    Answer,
    Question,
    Questionnaire,
    Respondent,
    Response,
)

MIN_ANONYMOUS = 3
MAX_TEXT = 5000


class AlreadyAnswered(DomainError):
    """The participant had answered already (a second tab, a double click)."""

    messages, status = "portal.evaluation.messages", 409

    def __init__(self):
        super().__init__("already_answered")


class QuestionsLocked(DomainError):
    """Participants have answered: the questions stay as they were answered."""

    messages, status = "portal.evaluation.messages", 409

    def __init__(self):
        super().__init__("questions_locked")


# ------------------------------------------------------------------ questionnaires


def questionnaire_of(course: Course) -> Questionnaire | None:
    return db.session.execute(select(Questionnaire).where(
        Questionnaire.course_id == course.id)).scalar_one_or_none()


def ensure_questionnaire(course: Course) -> Questionnaire:
    found = questionnaire_of(course)
    if found is None:
        found = Questionnaire(course=course)
        db.session.add(found)
        db.session.flush()
    return found


def respondent_count(questionnaire: Questionnaire | None) -> int:
    if questionnaire is None:
        return 0
    return db.session.execute(select(func.count()).select_from(Respondent).where(
        Respondent.questionnaire_id == questionnaire.id)).scalar_one()


def add_question(course: Course, kind: str, text: dict, required: bool) -> Question:
    questionnaire = ensure_questionnaire(course)
    if respondent_count(questionnaire):
        raise QuestionsLocked()
    position = max([q.position for q in questionnaire.questions] + [0]) + 1
    question = Question(kind=kind if kind in KINDS else RATING, text=text,
                        required=required, position=position)
    questionnaire.questions.append(question)
    db.session.flush()
    return question


def remove_question(course: Course, question_id: int) -> bool:
    questionnaire = questionnaire_of(course)
    if questionnaire is None:
        return False
    if respondent_count(questionnaire):
        raise QuestionsLocked()
    kept = [q for q in questionnaire.questions if q.id != question_id]
    changed = len(kept) != len(questionnaire.questions)
    questionnaire.questions[:] = kept
    db.session.flush()
    if changed:
        audit.record("evaluation.question_remove", course, code=course.code,
                     question_id=question_id)
    return changed


def set_opening(course: Course, day: date | None) -> None:
    ensure_questionnaire(course).opens_on = day
    db.session.flush()


def question_languages(course: Course) -> tuple[str, ...]:
    """The languages each question must be written in: the course's languages of instruction
    that the interface speaks, in the interface's order; none when it is taught in none of them
    (then at least one language)."""
    return tuple(lang for lang in LANGUAGES if lang in (course.languages or []))


def questions_to_copy(course: Course, source: Course) -> list[Question]:
    """The questions of ``source`` that ``course`` does not have yet (matched as the comparison
    across years matches them: kind and English text, case, accents and spacing ignored)."""
    previous = questionnaire_of(source)
    if previous is None:
        return []
    current = questionnaire_of(course)
    have = {_question_key(q) for q in (current.questions if current else [])}
    return [q for q in previous.questions if _question_key(q) not in have]


def copy_questions(course: Course, source: Course) -> int:
    """Copy the questions of ``source`` (same series, earlier year) that ``course`` does not
    have yet; returns how many. A second copy adds nothing."""
    questionnaire = ensure_questionnaire(course)
    if respondent_count(questionnaire):
        raise QuestionsLocked()
    missing = questions_to_copy(course, source)
    for q in missing:
        add_question(course, q.kind, dict(q.text), q.required)
    return len(missing)


# ------------------------------------------------------------------ answering


def may_answer(user, course: Course) -> bool:
    enrollment = courses.enrollment_of(user, course)
    return enrollment is not None and enrollment.is_participating


def has_answered(questionnaire: Questionnaire, user) -> bool:
    return db.session.get(Respondent, (questionnaire.id, user.id)) is not None


def state(questionnaire: Questionnaire | None, user, today: date | None = None) -> str:
    """no-questions, not-open, answered or open."""
    today = today or dates.today()
    if questionnaire is None or not questionnaire.questions:
        return "no-questions"
    if has_answered(questionnaire, user):
        return "answered"
    if today < questionnaire.opening_day():
        return "not-open"
    return "open"


def check_answers(questionnaire: Questionnaire, answers: dict[int, str]) -> tuple[dict, dict]:
    """(cleaned {question_id: rating or text}, problems {question_id: code}) from the answers
    as typed ({question_id: text})."""
    cleaned, problems = {}, {}
    for q in questionnaire.questions:
        check = _check_rating if q.kind == RATING else _check_text
        value, problem = check((answers.get(q.id) or "").strip(), q.required)
        if problem is not None:
            problems[q.id] = problem
        elif value is not None:
            cleaned[q.id] = value
    return cleaned, problems


def _check_rating(raw: str, required: bool) -> tuple[int | None, str | None]:
    """(a rating on the scale, None), or (None, "rating") for anything else typed or for a
    required rating left out; (None, None) for an optional one left out."""
    if raw.isdigit() and int(raw) in SCALE:
        return int(raw), None
    return None, "rating" if raw or required else None


def _check_text(raw: str, required: bool) -> tuple[str | None, str | None]:
    """(the text, None); (None, "too-long") or (None, "required"); (None, None) for an
    optional text left empty."""
    if len(raw) > MAX_TEXT:
        return None, "too-long"
    if raw:
        return raw, None
    return None, "required" if required else None


def submit(questionnaire: Questionnaire, user, cleaned: dict, signed: bool) -> None:
    """Record that ``user`` answered, and the answers apart from it (signed: with the user's
    id). Raises AlreadyAnswered when the user had answered already: the caller rolls back."""
    db.session.add(Respondent(questionnaire_id=questionnaire.id, user_id=user.id))
    response = Response(questionnaire_id=questionnaire.id, user_id=user.id if signed else None)
    for q in questionnaire.questions:
        if q.id in cleaned:
            value = cleaned[q.id]
            response.answers.append(Answer(question_id=q.id,
                                           rating=value if q.kind == RATING else None,
                                           text=value if q.kind == TEXT else None))
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:
        raise AlreadyAnswered() from None


def open_for(user, today: date | None = None) -> list[tuple[Course, str]]:
    """The participant's courses that have a questionnaire, with its state."""
    items = []
    for enrollment in courses.enrollments_of(user):
        if not enrollment.is_participating:
            continue
        questionnaire = questionnaire_of(enrollment.course)
        if questionnaire is not None and questionnaire.questions:
            items.append((enrollment.course, state(questionnaire, user, today)))
    return items


# ------------------------------------------------------------------ results


@dataclass
class QuestionResult:
    question: Question
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))
    texts: list[tuple[str, str | None]] = field(default_factory=list)  # (text, signer)

    @property
    def count(self) -> int:
        return sum(self.distribution.values()) if self.question.kind == RATING \
            else len(self.texts)

    @property
    def average(self) -> float | None:
        n = sum(self.distribution.values())
        return sum(k * v for k, v in self.distribution.items()) / n if n else None

    def add(self, answer: Answer, signer: str | None, text_shown: bool) -> None:
        """Count the answer's rating; keep its text, with who signed it, if it may be shown."""
        if answer.rating is not None:
            self.distribution[answer.rating] = self.distribution.get(answer.rating, 0) + 1
        elif answer.text and text_shown:
            self.texts.append((answer.text, signer))


@dataclass
class Results:
    respondents: int
    unsigned: int
    texts_shown: bool  # unsigned free text withheld while fewer than MIN_ANONYMOUS
    questions: list[QuestionResult]


def results(questionnaire: Questionnaire | None, with_texts: bool) -> Results:
    if questionnaire is None:
        return Results(0, 0, False, [])
    by_id = {q.id: QuestionResult(q) for q in questionnaire.questions}
    responses = list(db.session.execute(
        select(Response).where(Response.questionnaire_id == questionnaire.id)
        .order_by(Response.id)).scalars())  # random ids: no order of arrival
    unsigned = sum(1 for r in responses if r.user_id is None)
    show_unsigned = unsigned >= MIN_ANONYMOUS
    _tally(by_id, responses, with_texts, show_unsigned)
    return Results(respondent_count(questionnaire), unsigned, show_unsigned and with_texts,
                   list(by_id.values()))


def _tally(by_id: dict[int, QuestionResult], responses: list[Response], with_texts: bool,
           show_unsigned: bool) -> None:
    """Count every rating of ``responses`` in its question's result; keep the texts that may
    be shown (``with_texts``: the signed ones, the unsigned ones if ``show_unsigned``) with
    the name of who signed, the unsigned first."""
    names = _signer_names(responses)
    for response in responses:
        shown = with_texts and bool(response.user_id or show_unsigned)
        for answer in response.answers:
            result = by_id.get(answer.question_id)
            if result is not None:
                result.add(answer, names.get(response.user_id), shown)
    for result in by_id.values():
        result.texts.sort(key=lambda t: (t[1] is not None, t[1] or "", t[0].casefold()))


def _signer_names(responses: list[Response]) -> dict[int, str]:
    """The names of the people who signed ``responses``, by account id (one query)."""
    return dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({r.user_id for r in responses if r.user_id}))).all())


# ------------------------------------------------------------------ series across years


def series_key(course: Course) -> str:
    return series_of(course, db.session.get(CourseOutline, course.id))


def series(course: Course) -> list[Course]:
    """The courses of the same series (explicit ``CourseOutline.series``, else the code
    without its year), oldest first."""
    key = series_key(course)
    stem = key  # the courses in the series by default have codes that start with its key
    candidates = db.session.execute(
        select(Course, CourseOutline).outerjoin(CourseOutline,
                                                CourseOutline.course_id == Course.id)
        .where((CourseOutline.series == key)
               | Course.code.istartswith(stem, autoescape=True))).all()
    found = [c for c, outline in candidates if series_of(c, outline) == key]
    return sorted(found, key=lambda c: (c.fiscal_year, c.arrival))


def _question_key(question: Question) -> str:
    return question.kind + ":" + fold_words(localize(question.text, "en").text)


def compare(course: Course) -> tuple[list[Course], list[dict]]:
    """Averages of each rating question across the series' years. Questions are matched by
    their English text (case, accents and spacing ignored), so a question reworded is a new
    row. Only counts and averages: no free text crosses years."""
    years = series(course)
    rows: dict[str, dict] = {}
    for c in years:
        questionnaire = questionnaire_of(c)
        for result in results(questionnaire, with_texts=False).questions:
            if result.question.kind != RATING:
                continue
            row = rows.setdefault(_question_key(result.question),
                                  {"text": result.question.text, "by_course": {}})
            row["by_course"][c.id] = (result.average, result.count)
    return years, list(rows.values())




def copy_source(course: Course) -> Course | None:
    """The latest earlier year of the series that has questions: the one to copy from."""
    earlier = [c for c in series(course) if c.fiscal_year < course.fiscal_year]
    for candidate in reversed(earlier):
        questionnaire = questionnaire_of(candidate)
        if questionnaire is not None and questionnaire.questions:
            return candidate
    return None

