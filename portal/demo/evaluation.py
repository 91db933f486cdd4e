"""Demo evaluations (called by portal.demo.load after the catalogue demo; idempotent: a
questionnaire is created once, answers only while nobody has answered).

WATER-YOKO ran three years in a row: each year has the same questionnaire and answers from its
participants (ratings rising year after year, some written answers, a few signed), so that the
results page, the CSV and the comparison across years have something to show. Lan (a demo
account that can sign in) is an alumna of this year's course who has not answered yet.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..courses import services as courses
from ..courses.models import Course, Enrollment
from ..dates import fiscal_year_of
from ..evaluation import services
from ..evaluation.models import RATING, TEXT
from ..extensions import db

QUESTIONS = [
    (RATING, {"en": "How useful is what you learned for your work?",
              "fr": "Ce que vous avez appris est-il utile pour votre travail ?",
              "es": "¿Es útil lo que aprendió para su trabajo?"}, True),
    (RATING, {"en": "How well did the site visits illustrate the lectures?",
              "fr": "Les visites de terrain ont-elles bien illustré les exposés ?",
              "es": "¿Ilustraron bien las visitas de campo las clases?"}, True),
    (RATING, {"en": "How would you rate the course as a whole?",
              "fr": "Comment évaluez-vous le cours dans son ensemble ?",
              "es": "¿Cómo califica el curso en su conjunto?"}, True),
    (TEXT, {"en": "What should we change for the next participants?",
            "fr": "Que devrions-nous changer pour les prochains participants ?",
            "es": "¿Qué deberíamos cambiar para los próximos participantes?"}, False),
]
COMMENTS = [
    "More time at the leak detection site, less in the lecture room.",
    "Plus de temps pour échanger avec les autres participants sur nos plans.",
    "Los materiales en español llegaron tarde; el resto fue excelente.",
    "The district metered area exercise should come in the first week.",
    "",
    "Visit a smaller utility too, closer to the size of ours.",
]


def load(users: dict, today: date) -> None:
    fy = fiscal_year_of(today)
    for offset in (2, 1, 0):
        course = db.session.execute(select(Course).where(
            Course.code == "WATER-YOKO-%d" % (fy - offset))).scalar_one_or_none()
        if course is None:
            continue
        questionnaire = services.ensure_questionnaire(course)
        if not questionnaire.questions:
            for kind, text, required in QUESTIONS:
                services.add_question(course, kind, dict(text), required)
        if offset == 0 and "lan" in users and courses.enrollment_of(
                users["lan"], course) is None:
            course.enrollments.append(Enrollment(user=users["lan"], status="completed"))
        if services.respondent_count(questionnaire):
            continue
        _answers(course, questionnaire, offset)
    db.session.flush()


def _answers(course, questionnaire, offset: int) -> None:
    rating_ids = [q.id for q in questionnaire.questions if q.kind == RATING]
    text_ids = [q.id for q in questionnaire.questions if q.kind == TEXT]
    base = 3 + (2 - offset) * 0.5  # 3, 3.5, 4 over the three years
    for n, person in enumerate(_demo_alumni(course)):
        cleaned = _ratings(rating_ids, base, n)
        comment = COMMENTS[(n + offset) % len(COMMENTS)]
        if comment and text_ids:
            cleaned[text_ids[0]] = comment
        services.submit(questionnaire, person, cleaned, signed=n % 4 == 3)


def _demo_alumni(course) -> list:
    """The course's alumni that are demo accounts nobody signs in with."""
    return [e.user for e in course.enrollments
            if e.status == "completed" and e.user.email.endswith("demo.example.org")
            and e.user.password_hash is None]


def _ratings(question_ids: list[int], base: float, n: int) -> dict[int, int]:
    """The ``n``-th person's ratings: around ``base``, one up or down by person and question,
    on the scale."""
    return {qid: max(1, min(5, round(base + ((n + i) % 3 - 1) * 0.8)))
            for i, qid in enumerate(question_ids)}
