"""Telling participants that a change of the course's dates, or of an assignment's, moved their
due dates, each in their own language. The mail is queued on the unit of work: it leaves only if
the change is committed."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from .. import mail
from ..auth.models import User
from ..auth.services import external_url
from ..dates import Moved
from ..extensions import db
from ..i18n import interface_language
from .models import Enrollment


def dates_moved(course, moved: list[Moved], because: str = "course") -> int:
    """One mail to each participant whose due dates moved, listing each with its old and new
    date; ``because`` the ``course``'s dates or an ``assignment``'s own changed. Returns how
    many participants are told. Bulk mail: delivered after the answer."""
    told = 0
    with mail.batch("dates-moved-%s" % uuid.uuid4().hex) as key:
        for user in _participants(course) if moved else ():
            items = [item for item in moved if user.id not in item.unchanged_for]
            if items:
                _send(user, course, items, because)
                told += 1
    if told:
        mail.deliver_later(key)
    return told


def _participants(course) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id, Enrollment.is_active, User.active.is_(True))
        .order_by(User.id)))


def _send(user: User, course, items: list[Moved], because: str) -> None:
    lang = interface_language(user.language)
    mail.send_mail(user.email, "course_dates_moved", lang, user=user, course=course, items=items,
                   because=because,
                   assignments=any(item.month is None for item in items),
                   link=external_url("courses.show", course_id=course.id))
