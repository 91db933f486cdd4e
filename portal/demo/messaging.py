"""A demo announcement (idempotent: one per course at most): the FISH course's coordinator
writes to its participants in three languages, so their dashboards show the panel."""
from __future__ import annotations

from sqlalchemy import exists, select

from ..courses.models import Course
from ..extensions import db
from ..messaging import services
from ..messaging.audience import Audience
from ..messaging.models import Announcement

SUBJECT = {"en": "Welcome to the course: first steps",
           "fr": "Bienvenue dans le cours : premiers pas",
           "es": "Bienvenida al curso: primeros pasos"}
BODY = {"en": "Welcome! Before you travel:\n\n- hand in your **country report**\n"
              "- check your passport and visa\n\nWe look forward to meeting you.",
        "fr": "Bienvenue ! Avant votre voyage :\n\n- remettez votre **rapport pays**\n"
              "- vérifiez votre passeport et votre visa\n\nNous avons hâte de vous rencontrer.",
        "es": "¡Bienvenidos! Antes de viajar:\n\n- entregue su **informe de país**\n"
              "- revise su pasaporte y su visado\n\nEsperamos conocerles pronto."}


def load(users: dict) -> None:
    course = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2026"))
    if course is None or db.session.scalar(select(exists().where(
            Announcement.course_id == course.id))):
        return
    everyone = Audience()
    people = services.recipients(course, everyone)
    if people:
        services.send(course, users["coordinator"], SUBJECT, BODY, everyone,
                      services.token_of(people))
