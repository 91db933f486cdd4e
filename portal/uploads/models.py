"""Rows for stored files and for uploads in progress."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class UploadState(StrEnum):
    """open (parts coming) -> completing -> complete | refused; open -> aborted | expired.
    Stored as its value."""
    OPEN = "open"
    COMPLETING = "completing"
    COMPLETE = "complete"
    REFUSED = "refused"
    ABORTED = "aborted"
    EXPIRED = "expired"


# Short names of the members, for the modules that use them often.
OPEN, COMPLETING, COMPLETE, REFUSED, ABORTED, EXPIRED = UploadState


class StoredFile(db.Model):
    """One object in the store. Domains point at it; the purpose says who may download it."""
    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("backend", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(255))  # cleaned original name, for display only
    size: Mapped[int] = mapped_column(BigInteger)
    # None until a job has read a large remote object back (see uploads.services.complete)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(127))  # detected from the bytes
    purpose: Mapped[str] = mapped_column(String(40), index=True)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploader: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return "<StoredFile %s %s>" % (self.id, self.key)


class Upload(db.Model):
    """A resumable upload: declared up front, filled part by part, then completed."""
    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_state_updated_at", "state", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # unguessable
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(255))  # cleaned
    size: Mapped[int] = mapped_column(BigInteger)
    declared_type: Mapped[str | None] = mapped_column(String(127))
    sha256: Mapped[str | None] = mapped_column(String(64))  # declared by the client, optional
    part_size: Mapped[int] = mapped_column(BigInteger)
    backend: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(512))
    token: Mapped[str] = mapped_column(String(1024))  # the backend's multipart id
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    error: Mapped[str | None] = mapped_column(String(40))  # refusal code
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id",
                                                           ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    file: Mapped[StoredFile | None] = relationship()

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def expected_part_size(self, number: int) -> int:
        """The exact size part ``number`` must have (the last one takes the remainder)."""
        if number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)

    def __repr__(self) -> str:
        return "<Upload %s %s>" % (self.id, self.state)
