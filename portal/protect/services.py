"""Keeping a form's text when its session ended, and giving it back to its author.

Rules, all here: which posted fields are kept (never a password, a CSRF token or a file), how
much (``MAX_BYTES``, ``MAX_FIELDS``), how often per client address (``PER_HOUR``), for how long
(``LIFETIME``), and who may get it back (the account that signs in with the token, and only the
ended session's account when that was known). Only the token's SHA-256 is stored.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from ..db_types import utcnow
from ..extensions import db
from .models import KeptForm

LIFETIME = timedelta(days=1)
MAX_BYTES = 256 * 1024     # names and values, in UTF-8
MAX_FIELDS = 400
PER_HOUR = 20              # kept forms per client address and hour
SECRET_NAME = re.compile(r"password|passwd|csrf|secret|token|(^|[-_])pw([-_]|$)", re.I)
NOT_KEPT = frozenset(("_protect",))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_key(address: str | None) -> str:
    return hashlib.sha256((address or "").encode()).hexdigest()[:16]


def keepable(pairs) -> list[list[str]]:
    """The posted fields worth keeping, in order: text the person wrote or chose; never a
    secret (a password, a CSRF token, anything named like one)."""
    return [[name, value] for name, value in pairs
            if isinstance(value, str) and name not in NOT_KEPT
            and not SECRET_NAME.search(name)]


def keep(fields: list[list[str]], page: str, action: str, client: str,
         owner_id: int | None = None) -> str | None:
    """Keep ``fields``; the token to claim them, or None when they cannot be kept (nothing
    typed, too large, too many for this address)."""
    if not any(value.strip() for _, value in fields):
        return None
    size = sum(len(name.encode()) + len(value.encode()) for name, value in fields)
    if size > MAX_BYTES or len(fields) > MAX_FIELDS:
        return None
    now = utcnow()
    purge()
    recent = db.session.scalar(select(func.count()).select_from(KeptForm).where(
        KeptForm.client == client, KeptForm.created_at > now - timedelta(hours=1)))
    if recent >= PER_HOUR:
        return None
    token = secrets.token_urlsafe(24)
    db.session.add(KeptForm(token_hash=_hash(token), page=page[:1000], action=action[:1000],
                            fields=fields, size=size, client=client, owner_id=owner_id,
                            created_at=now))
    return token


def claim(token: str, user_id: int) -> KeptForm | None:
    """Give the kept form to the account that signed in with its token: once, within the
    lifetime, and only to the ended session's account when that was known."""
    if not token or len(token) > 64:
        return None
    kept = db.session.get(KeptForm, _hash(token))
    if kept is None or kept.created_at < utcnow() - LIFETIME:
        return None
    if kept.user_id is not None:
        return kept if kept.user_id == user_id else None
    if kept.owner_id is not None and kept.owner_id != user_id:
        return None
    kept.user_id, kept.claimed_at = user_id, utcnow()
    return kept


def claimed(token: str, user_id: int) -> KeptForm | None:
    """The kept form this account claimed with ``token``, while it lasts."""
    kept = db.session.get(KeptForm, _hash(token)) if token and len(token) <= 64 else None
    if kept is None or kept.user_id != user_id or kept.created_at < utcnow() - LIFETIME:
        return None
    return kept


def forget(token: str) -> None:
    db.session.execute(delete(KeptForm).where(KeptForm.token_hash == _hash(token)))


def purge() -> int:
    """Remove what has expired (done at each keep)."""
    return db.session.execute(
        delete(KeptForm).where(KeptForm.created_at < utcnow() - LIFETIME)).rowcount
