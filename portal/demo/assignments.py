"""Demo assignments and submissions (idempotent: matched by course and English title), with
dates relative to today: the pre-arrival course has work due soon, one participant has handed
in a country report waiting for review, and the post-return course has its 3-month report."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .. import dates
from ..assignments.files import SUBMISSION_PURPOSE
from ..assignments.models import Assignment, Submission, SubmissionFile, SubmissionVersion
from ..courses.models import Course
from ..extensions import db
from ..i18n import JAPAN
from ..storage import get_storage
from ..uploads.models import StoredFile
from ..uploads.services import new_key

STATEMENT = {"en": "I confirm that this work is my own and that the figures come from my "
                   "organization's records.",
             "fr": "Je confirme que ce travail est le mien et que les chiffres proviennent des "
                   "données de mon organisation.",
             "es": "Confirmo que este trabajo es mío y que las cifras provienen de los registros "
                   "de mi organización."}
DEMO_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type "
            b"/Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _at(day: date, hour: int = 23, minute: int = 59) -> datetime:
    """A time of day in Japan, as UTC."""
    return datetime.combine(day, time(hour, minute), JAPAN).astimezone(UTC)


def _specs(today: date) -> list[dict]:
    d = timedelta
    return [
        dict(course="FISH-FRA-2026", phase="pre-arrival", asks="both",
             file_types=["pdf", "word", "spreadsheet"], max_files=3, max_size_mb=20,
             title={"en": "Country report", "fr": "Rapport pays", "es": "Informe de país"},
             instructions={
                 "en": "Describe the state of fisheries in your country:\n\n- main species and "
                       "catches\n- who manages the resources\n- one problem you want to solve",
                 "fr": "Décrivez la situation des pêches dans votre pays :\n\n- principales "
                       "espèces et captures\n- qui gère les ressources\n- un problème que vous "
                       "souhaitez résoudre"},
             opens=_at(today - d(10), 9, 0), due=_at(today + d(6)), cutoff=_at(today + d(13))),
        dict(course="FISH-FRA-2026", phase="pre-arrival", asks="text", file_types=[],
             max_files=1, max_size_mb=5,
             title={"en": "Job report", "fr": "Rapport de poste", "es": "Informe de puesto"},
             instructions={"en": "Describe your position and your daily work in one page.",
                           "fr": "Décrivez votre poste et votre travail quotidien en une page."},
             opens=_at(today - d(10), 9, 0), due=_at(today + d(15)), cutoff=None),
        dict(course="CBD-LOCAL-2026", phase="post-return", asks="both", file_types=["pdf",
                                                                                   "word"],
             # Not a report month of the course (3, 6, 12): those are the plan's own reports.
             max_files=3, max_size_mb=20, months=2,
             title={"en": "Dissemination seminar (2 months)",
                    "fr": "Séminaire de restitution (2 mois)",
                    "es": "Seminario de difusión (2 meses)"},
             instructions={"en": "Tell us about the seminar where you shared what you learned "
                                 "in Japan with your colleagues: who came, what you presented.",
                           "es": "Cuéntenos el seminario en el que compartió con sus colegas lo "
                                 "aprendido en Japón: quién asistió y qué presentó."},
             opens=None, due=None, cutoff=None),
    ]


def load(users: dict, today: date) -> None:
    assignments = {}
    for spec in _specs(today):
        course = db.session.scalar(select(Course).where(Course.code == spec["course"]))
        if course is None:
            continue
        a = next((x for x in db.session.scalars(select(Assignment).where(
            Assignment.course_id == course.id)) if x.title.get("en") == spec["title"]["en"]),
            None)
        if a is None:
            a = Assignment(course_id=course.id)
            db.session.add(a)
        a.phase, a.title, a.instructions, a.statement = (
            spec["phase"], spec["title"], spec["instructions"], STATEMENT)
        a.asks, a.file_types = spec["asks"], spec["file_types"]
        a.max_files, a.max_size_mb = spec["max_files"], spec["max_size_mb"]
        if spec.get("months"):
            a.due_months_after_departure = spec["months"]
            a.due_at = dates.due_after_departure(course.departure, spec["months"])
            a.opens_at = _at(course.departure, 9, 0)
            a.cutoff_at = None
        else:
            a.opens_at, a.due_at, a.cutoff_at = spec["opens"], spec["due"], spec["cutoff"]
        assignments[spec["title"]["en"]] = a
    db.session.flush()
    report = assignments.get("Country report")
    if report is not None and "jean-baptiste" in users:
        _handed_in(report, users["jean-baptiste"],
                   "## Burkina Faso\n\nLa pêche continentale fournit environ 30 000 tonnes par "
                   "an, surtout dans les barrages et retenues d'eau.", "rapport-pays-BF.pdf")


def _handed_in(assignment: Assignment, user, text: str, filename: str) -> None:
    submission = db.session.scalar(select(Submission).where(
        Submission.assignment_id == assignment.id, Submission.user_id == user.id))
    if submission is not None:
        return
    now = datetime.now(UTC) - timedelta(hours=5)
    storage = get_storage()
    key = new_key()
    result = storage.write(key, io.BytesIO(DEMO_PDF), content_type="application/pdf")
    stored = StoredFile(backend=storage.name, key=key, name=filename, size=result.size,
                        sha256=result.sha256, content_type="application/pdf",
                        purpose=SUBMISSION_PURPOSE, uploader_id=user.id)
    version = SubmissionVersion(number=1, state="submitted", text=text, submitted_at=now,
                                draft_saved_at=now, statement_accepted=True,
                                files=[SubmissionFile(file=stored, kind="attachment")])
    db.session.add(Submission(assignment=assignment, user=user, state="submitted",
                              submitted_at=now, versions=[version]))
    db.session.flush()
