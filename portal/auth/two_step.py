"""Two-step sign-in: a time-based code from an authenticator app (TOTP, RFC 6238) after the
password, or one of ten single-use recovery codes. Required for the roles in ``REQUIRED_ROLES``,
offered to everyone (docs/TWO_STEP.md, docs/SECURITY.md).

Between the password and the code the browser holds a *pending* sign-in in its session: who,
which session version, when (it lapses after ``PENDING_SECONDS``) and how many wrong codes it
sent. Nobody is signed in until the code is right. Services flush; views commit.
"""
from __future__ import annotations

import hmac
import re
import secrets
import time

import pyotp
import segno
from flask import session
from markupsafe import Markup
from sqlalchemy import select

from .. import audit
from ..access import ADMIN, COORDINATOR
from ..db_types import utcnow
from ..extensions import db
from ..security import clear_session
from .models import RecoveryCode, User, hash_matches, hash_password

REQUIRED_ROLES = (COORDINATOR, ADMIN)
STEP_SECONDS = 30            # RFC 6238's time step; every authenticator app uses it
DRIFT_STEPS = 1              # a code of the step before or after is accepted (phone clocks)
PENDING_SECONDS = 5 * 60     # from the password to the code
PENDING_TRIES = 5            # wrong codes before the password must be given again
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i: read from paper
# The name the authenticator app shows beside the account: the portal's, the same in every
# language (the app keeps it after the person changes language).
ISSUER = "Knowledge Co-Creation Portal"


# ---------------------------------------------------------------- who needs it

def required_for(user) -> bool:
    return user.role in REQUIRED_ROLES


def must_enrol(user) -> bool:
    """A signed-in account whose role requires two-step sign-in and that has not set it up."""
    return required_for(user) and not user.two_step_on


# ---------------------------------------------------------------- the secret and its codes

def new_secret() -> str:
    return pyotp.random_base32()   # 160 bits, as RFC 4226 recommends


def grouped(secret: str) -> str:
    """The secret as people type it: groups of four letters."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def setup_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The setup URI as an inline SVG QR code (no script, no image request)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                 title=None)
    return Markup(svg)


def _digits(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _matching_step(secret: str, code: str, last_step: int | None,
                   now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the allowed drift), if none at or before
    ``last_step`` (a code is good once)."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now if now is not None else time.time()) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (
                last_step is None or step > last_step):
            found = step
    return found


# ---------------------------------------------------------------- enrolment

def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-step on with ``secret`` if ``code`` comes from an app holding it; returns the
    new recovery codes (shown once), or None when the code is not right. Turning it on again
    (a new phone) replaces the secret and the recovery codes. Other sessions end."""
    step = _matching_step(secret, _digits(code), None)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    user.end_all_sessions()
    audit.record("account.two_step_on", user, actor=user)
    return new_recovery_codes(user, audited=False)


def new_recovery_codes(user: User, audited: bool = True) -> list[str]:
    """Ten fresh single-use codes; the old ones stop working. Only their hashes are kept."""
    db.session.execute(RecoveryCode.__table__.delete().where(
        RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(raw[:5] + "-" + raw[5:])
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    if audited:
        audit.record("account.recovery_codes", user, actor=user)
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return len(_unused_codes(user))


def turn_off(user: User, *, reset: bool = False, by: User | None = None) -> None:
    """Two-step off: secret and recovery codes forgotten. ``reset``: done for the person
    (phone and codes lost) by ``by``, an admin, or by a command (None): their sessions end too,
    and the reset is audited as the admin's."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(
        RecoveryCode.user_id == user.id))
    if reset:
        user.end_all_sessions()
        audit.record("user.two_step_reset", user, actor=by, email=user.email)
    else:
        audit.record("account.two_step_off", user, actor=user)
    db.session.flush()


# ---------------------------------------------------------------- the second step

def check(user: User, code: str) -> str | None:
    """``"app"`` or ``"recovery"`` when ``code`` lets ``user`` in (and is spent), else None."""
    if not user.two_step_on:
        return None
    code = _digits(code).lower()
    if code.isdigit():
        step = _matching_step(user.totp_secret, code, user.totp_last_step)
        if step is None:
            return None
        user.totp_last_step = step
        return "app"
    for row in _unused_codes(user):
        if _hash_matches(row.code_hash, code):
            row.used_at = utcnow()
            return "recovery"
    return None


def _unused_codes(user: User) -> list[RecoveryCode]:
    return list(db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))))


def _hash_matches(code_hash: str, code: str) -> bool:
    return re.fullmatch(r"[a-z0-9]{10}", code) is not None and hash_matches(code_hash, code)


# ---------------------------------------------------------------- the pending sign-in

def begin(user: User, remember: bool, next_url: str) -> None:
    """The password was right: remember who is half-way in (nobody is signed in yet)."""
    clear_session()
    session["two_step"] = {"uid": user.id, "v": user.session_version, "at": int(time.time()),
                           "remember": bool(remember), "next": next_url or "", "tries": 0}


def pending() -> dict | None:
    state = session.get("two_step")
    if not isinstance(state, dict) or time.time() - state.get("at", 0) > PENDING_SECONDS:
        return None
    return state


def pending_user() -> User | None:
    state = pending()
    if state is None:
        return None
    user = db.session.get(User, state["uid"])
    if user is None or not user.active or user.session_version != state["v"]:
        return None
    return user


def failed_try() -> bool:
    """Count a wrong code; True when the pending sign-in is used up (and dropped)."""
    state = session.get("two_step") or {}
    state["tries"] = state.get("tries", 0) + 1
    if state["tries"] >= PENDING_TRIES:
        forget()
        return True
    session["two_step"] = state
    return False


def forget() -> None:
    session.pop("two_step", None)
