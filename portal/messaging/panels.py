"""The dashboard panel of announcements: those not dismissed, newest first, in one query
(statement built once, the user's id bound when it runs); nothing at all when there are none."""
from __future__ import annotations

from functools import cache

from flask_babel import get_locale, get_timezone
from sqlalchemy import bindparam, select

from ..access import PARTICIPANT
from ..courses.models import Course
from ..extensions import read_rows
from ..home.panels import panel
from ..i18n import as_utc, content, date_formatter
from ..urls import url_with_ids
from .models import Announcement, AnnouncementRecipient

PANEL_SIZE = 5


@cache
def _shown_query():
    return (select(Announcement.id, Announcement.subject, Announcement.sent_at, Course.code,
                   AnnouncementRecipient.read_at)
            .join(AnnouncementRecipient,
                  AnnouncementRecipient.announcement_id == Announcement.id)
            .join(Course, Course.id == Announcement.course_id)
            .where(AnnouncementRecipient.user_id == bindparam("user_id"),
                   AnnouncementRecipient.dismissed_at.is_(None))
            .order_by(Announcement.sent_at.desc(), Announcement.id.desc())
            .limit(PANEL_SIZE + 1))


@panel(order=5, roles=(PARTICIPANT,))
def announcements(user):
    rows = read_rows(_shown_query(), {"user_id": user.id})
    if not rows:
        return None
    # The day in the reader's zone (the date pattern looked up once); the page has the time.
    lang, day, zone = str(get_locale()), date_formatter(), get_timezone()
    show = url_with_ids("messaging.announcement", "announcement_id")
    dismiss = url_with_ids("messaging.dismiss", "announcement_id")
    return "messaging/_panel_announcements.html", {
        "rows": [(show(r.id), dismiss(r.id), content(r.subject, lang=lang), r.code,
                  day(as_utc(r.sent_at).astimezone(zone).date()), r.read_at is None)
                 for r in rows[:PANEL_SIZE]],
        "more": len(rows) > PANEL_SIZE}
