"""Accounts and single-use account tokens (invitations, password resets)."""
from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..text import fold_words

# Argon2id with one of OWASP's equivalent recommended sets (Password Storage Cheat Sheet):
# 19 MiB, two passes, one lane. The first set (46 MiB, one pass), used until December 2026, is
# as strong by OWASP's reckoning but cost 2.5 times the CPU here (~64 against ~25 ms): a
# buffer over glibc's 32 MiB mmap ceiling is mapped and zeroed afresh at every sign-in, where a
# 19 MiB one is reused; and a burst of sign-ins holds 19 MiB each, not 46. The library's
# default (64 MiB, 3 passes, 4 lanes) took ~140 ms of *both* cores of a 2-core host, stalling
# every other request (docs/PERFORMANCE.md). Hashes made with other parameters still verify
# and are re-made with these at the next sign-in.
PASSWORD_PARAMETERS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_hasher = PasswordHasher(**PASSWORD_PARAMETERS)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_matches(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` is what ``stored`` (an Argon2 hash made by ``hash_password``, with
    any parameters) was made from: passwords and recovery codes alike."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def use_cheapest_hashing() -> None:
    """For test suites only (``PASSWORD_HASHING=cheapest``, refused in production): Argon2id
    with the smallest parameters, so thousands of test accounts do not cost a CPU-second each."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower("email"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="participant", index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    organization: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped on logout, password change and deactivation: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (portal/auth/two_step.py): the authenticator app's shared secret (base32),
    # when it was confirmed (None: two-step off) and the last time step a code was accepted for,
    # so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # fold_words(name + email), kept by _keep_search_key on every insert and update: the
    # admin's user search matches it, accents and case aside, on SQLite and PostgreSQL alike.
    search_key: Mapped[str] = mapped_column(String(1000), default="", server_default="")

    tokens: Mapped[list[AccountToken]] = relationship(back_populates="user",
                                                        foreign_keys="AccountToken.user_id",
                                                        cascade="all, delete-orphan")

    # Flask-Login: the id in the session carries the version, so old cookies no longer match.
    def get_id(self) -> str:
        return "%d:%d" % (self.id, self.session_version)

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        if not hash_matches(self.password_hash, password):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)
        return True

    def end_all_sessions(self) -> None:
        self.session_version += 1

    @property
    def two_step_on(self) -> bool:
        return self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return "<User %s %s>" % (self.id, self.role)


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_search_key(mapper, connection, user: User) -> None:
    """The one writer of ``search_key``, whoever changes the name or the address."""
    user.search_key = fold_words("%s %s" % (user.name or "", user.email or ""))


def dummy_password_check() -> None:
    """Spend the time of a real check, so timing does not tell whether an account exists."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, "not the password")


_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")


class AccountToken(db.Model):
    """A single-use secret sent by e-mail. Only its SHA-256 is stored."""
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "invitation" | "reset"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="tokens", foreign_keys=[user_id])

    @staticmethod
    def new_secret() -> tuple[str, str]:
        secret = secrets.token_urlsafe(32)
        return secret, hash_token(secret)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (two-step sign-in). Only its
    Argon2id hash is kept; ``used_at`` marks it spent."""
    __tablename__ = "two_step_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
