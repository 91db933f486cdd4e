"""What a form held when its session ended, kept until its author signs in again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class KeptForm(db.Model):
    """The text fields of one form post refused because its session had ended.

    Found by the SHA-256 of a random token that only the browser which posted holds (a cookie,
    and the sign-in form carries it too); claimed by the first account that signs in with it
    (the account of the ended session, when that was known); gone after a day."""
    __tablename__ = "kept_forms"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    page: Mapped[str] = mapped_column(String(1000))    # where the form is shown (a local path)
    action: Mapped[str] = mapped_column(String(1000))  # where it posts
    fields: Mapped[list] = mapped_column(JSON)         # [[name, value], ...] as posted
    size: Mapped[int] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(16), index=True)  # hash of the address: limits
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"))  # the ended session's account, if known
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)  # who claimed it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
