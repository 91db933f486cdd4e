"""Column types shared by every domain."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator

from .i18n import clean_translations


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(
            UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class TranslatedText(TypeDecorator):
    """Per-language content, ``{"en": "...", "fr": "..."}``, stored as JSON. What is written is
    cleaned: known content languages only, texts stripped, blank languages dropped, so that
    "is there a French title" is ``"fr" in course.title`` everywhere."""
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict | None, dialect):
        return None if value is None else clean_translations(value)
