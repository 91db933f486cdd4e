"""The private calendar address: made (shown once), replaced, turned off, and the person it
belongs to. Services only flush."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..auth.models import AccountToken, User, hash_token
from ..db_types import utcnow
from ..extensions import db
from .models import CalendarFeed

# How often reading the feed is written down ("last read by a calendar app"): calendar apps
# poll every few minutes to hours, and a write per poll would buy nothing.
READ_NOTE_EVERY = timedelta(hours=1)


def feed_of(user) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def make_link(user) -> str:
    """A new secret for ``user``'s feed, replacing the former one (whose address stops
    working). Returns the secret: it is not kept, so it is shown this once."""
    secret, digest = AccountToken.new_secret()
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at, feed.last_read_at = digest, utcnow(), None
    db.session.flush()
    return secret


def turn_off(user) -> bool:
    """Forget ``user``'s feed: its address answers 404 from now on."""
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    return True


def owner_of(secret: str) -> tuple[CalendarFeed, User] | None:
    """The feed with this secret and its owner, if the account is active."""
    if not secret or len(secret) > 100:
        return None
    found = db.session.execute(select(CalendarFeed, User).join(
        User, User.id == CalendarFeed.user_id).where(
        CalendarFeed.token_hash == hash_token(secret), User.active.is_(True))).first()
    return (found[0], found[1]) if found else None


def note_read(feed: CalendarFeed, now: datetime | None = None) -> bool:
    """Write down that a calendar app read the feed (at most once per READ_NOTE_EVERY)."""
    now = now or utcnow()
    if feed.last_read_at is not None and now - feed.last_read_at < READ_NOTE_EVERY:
        return False
    feed.last_read_at = now
    db.session.flush()
    return True
