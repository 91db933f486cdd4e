"""Announcements: checked, previewed (how many people), sent (recipients recorded, mailed in
each one's language through the outbox, outside the request), read and dismissed.
Services flush; the request commits."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from .. import audit, domain_errors, mail
from ..auth.models import User
from ..auth.services import external_url
from ..courses.models import Course
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db
from ..i18n import interface_language, localize
from ..mail import OutboxMail
from . import audience as audiences
from .audience import Audience
from .models import Announcement, AnnouncementRecipient

SUBJECT_MAX, BODY_MAX = 200, 10_000


class Invalid(domain_errors.Invalid):
    """What the writer gave lacks something, field by field."""

    messages = "portal.messaging.messages"


class AnnouncementError(DomainError):
    messages = "portal.messaging.messages"


def _one_line(values: dict[str, str]) -> dict[str, str]:
    """A subject is one line in every language (it becomes a mail's Subject header)."""
    return {lang: " ".join(text.split()) for lang, text in values.items()}


def problems(course: Course, subject: dict, body: dict, chosen: Audience
             ) -> dict[str, tuple[str, dict]]:
    """Every problem of an announcement at once, by field."""
    found = audiences.problems(course, chosen)
    if not subject:
        found["subject"] = ("subject_missing", {})
    if not body:
        found["body"] = ("body_missing", {})
    if subject and body and set(subject) != set(body):
        # A reader must never get the subject in their language and the text in another.
        found["body"] = ("languages_differ", {})
    return found


def recipients(course: Course, chosen: Audience, now: datetime | None = None) -> list[User]:
    """Who the announcement would reach now (the preview shows them and their number)."""
    if audiences.problems(course, chosen):
        return []
    return audiences.recipients(course, chosen, now or utcnow())


def token_of(people: list[User]) -> str:
    """Names the exact set of people a preview showed (their number and a hash of their ids),
    so that sending can tell whether it still reaches them."""
    ids = ",".join(str(i) for i in sorted(p.id for p in people))
    return "%d-%s" % (len(people), hashlib.sha256(ids.encode()).hexdigest()[:16])


def send(course: Course, author: User, subject: dict, body: dict, chosen: Audience,
         expected: str | None, now: datetime | None = None) -> Announcement:
    """Record the announcement and the people it reaches now, and put one mail to each in
    the outbox, in their language (delivered after the commit, outside the request).

    ``expected``: the ``token_of`` the people the writer saw in the preview; if they changed
    since (someone enrolled, handed in...), nothing is sent and the error says how many
    it would reach now."""
    now = now or utcnow()
    subject = _one_line(subject)
    found = problems(course, subject, body, chosen)
    if found:
        raise Invalid(found)
    people = audiences.recipients(course, chosen, now)
    if not people:
        raise AnnouncementError("no_recipients", 409)
    if expected != token_of(people):
        raise AnnouncementError("recipients_changed", 409, count=len(people))
    announcement = Announcement(course=course, author=author, subject=subject, body=body,
                                audience=chosen.as_json(), recipients_count=len(people),
                                sent_at=now)
    db.session.add(announcement)
    db.session.flush()
    link = external_url("messaging.announcement", announcement_id=announcement.id)
    with mail.batch(mail_batch(announcement)):
        for person in people:
            _mail_to(announcement, person, link)
    db.session.flush()
    audit.record("announcement.send", announcement, actor=author, course_id=course.id,
                 code=course.code, recipients=len(people), **chosen.as_json())
    mail.deliver_later(mail_batch(announcement))
    return announcement


def mail_batch(announcement: Announcement) -> str:
    """The key of the announcement's mail in the outbox (its progress is on its page)."""
    return "announcement-%d" % announcement.id


def _mail_to(announcement: Announcement, person: User, link: str) -> None:
    lang = interface_language(person.language)
    sent = mail.send_mail(person.email, "announcement", lang, user=person,
                          course=announcement.course, author=announcement.author,
                          subject=localize(announcement.subject, lang),
                          body=localize(announcement.body, lang), link=link)
    db.session.add(AnnouncementRecipient(announcement=announcement, user_id=person.id,
                                         email=person.email, language=lang, mail=sent))


# -- reading -------------------------------------------------------------------------------------
def received(announcement_id: int, user) -> AnnouncementRecipient | None:
    """The user's copy of the announcement, if it was sent to them."""
    return db.session.scalar(select(AnnouncementRecipient).where(
        AnnouncementRecipient.announcement_id == announcement_id,
        AnnouncementRecipient.user_id == user.id))


def mark_read(copy: AnnouncementRecipient, now: datetime | None = None) -> None:
    if copy.read_at is None:
        copy.read_at = now or utcnow()
        db.session.flush()


def dismiss(copy: AnnouncementRecipient, now: datetime | None = None) -> None:
    """Off the dashboard (still on the list of the person's announcements); read, too."""
    now = now or utcnow()
    copy.dismissed_at = copy.dismissed_at or now
    copy.read_at = copy.read_at or now
    db.session.flush()


def received_by(user):
    """Statement: the user's copies of announcements, newest first, each with its
    announcement and course (one query per page)."""
    return (select(AnnouncementRecipient)
            .join(AnnouncementRecipient.announcement)
            .options(contains_eager(AnnouncementRecipient.announcement)
                     .joinedload(Announcement.course))
            .where(AnnouncementRecipient.user_id == user.id)
            .order_by(Announcement.sent_at.desc(), Announcement.id.desc()))


def of_course(course: Course):
    """Statement: the course's announcements, newest first, with their authors."""
    return (select(Announcement).options(joinedload(Announcement.author))
            .where(Announcement.course_id == course.id)
            .order_by(Announcement.sent_at.desc(), Announcement.id.desc()))


def read_counts(ids: list[int]) -> dict[int, int]:
    """How many recipients read each of these announcements on the portal: one query."""
    return dict(db.session.execute(
        select(AnnouncementRecipient.announcement_id, func.count())
        .where(AnnouncementRecipient.announcement_id.in_(ids),
               AnnouncementRecipient.read_at.is_not(None))
        .group_by(AnnouncementRecipient.announcement_id)).all()) if ids else {}


def copies(announcement: Announcement) -> list:
    """Who it was sent to (name, address and language at the time), read or not, and where
    its mail stands in the outbox: one query."""
    return db.session.execute(
        select(AnnouncementRecipient, User.name, OutboxMail.state)
        .join(User, User.id == AnnouncementRecipient.user_id)
        .outerjoin(OutboxMail, OutboxMail.id == AnnouncementRecipient.mail_id)
        .where(AnnouncementRecipient.announcement_id == announcement.id)
        .order_by(User.name, User.id)).all()
