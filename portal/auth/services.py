"""Account rules: sign-in, invitations, password resets, roles. Services flush; views commit."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..access import ROLES
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db
from ..mail import send_mail
from ..text import fold_words
from .models import AccountToken, User, dummy_password_check, hash_token

MIN_PASSWORD = 12
MAX_PASSWORD = 256


def find_user_by_email(email: str) -> User | None:
    email = (email or "").strip()
    if not email:
        return None
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.lower())).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with that e-mail and password, or None (in constant-ish time)."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        dummy_password_check()
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def create_user(email: str, name: str, role: str, *, language: str = "en",
                country: str | None = None, organization: str | None = None,
                position: str | None = None, timezone: str = "UTC",
                password: str | None = None) -> User:
    user = User(email=email.strip(), name=name.strip(), role=role, language=language,
                country=(country or None) and country.upper(), organization=organization,
                position=position, timezone=timezone)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


class AccountRefused(DomainError):
    """An account rule refuses (words in portal/auth/messages.py)."""
    messages = "portal.auth.messages"
    status = 409


def invitable(email: str, role: str) -> User | None:
    """The account to invite again for ``email`` (one that never set a password), or None for
    a new one. Refuses an address that has a password already, belongs to a deactivated account
    (only an administrator's reactivation brings it back, never a link), or to a role above the
    one offered (an invitation never changes a role)."""
    existing = find_user_by_email(email)
    if existing is None:
        return None
    if not existing.active:
        raise AccountRefused("deactivated")
    if existing.password_hash:
        raise AccountRefused("exists")
    if ROLES.index(existing.role) > ROLES.index(role):
        raise AccountRefused("higher_role")
    return existing


def _issue_token(user: User, kind: str, lifetime: timedelta, by: User | None = None) -> str:
    # A new token makes older unused ones of the same kind useless.
    for old in user.tokens:
        if old.kind == kind and old.used_at is None:
            old.used_at = utcnow()
    secret, digest = AccountToken.new_secret()
    now = utcnow()
    db.session.add(AccountToken(user=user, kind=kind, token_hash=digest, created_at=now,
                                expires_at=now + lifetime,
                                created_by_id=by.id if by else None))
    db.session.flush()
    return secret


def invite(user: User, by: User | None = None) -> str:
    """Send ``user`` a single-use invitation link in their language; returns the secret."""
    if not user.active:
        raise AccountRefused("deactivated")
    secret = _issue_token(user, "invitation", current_app.config["INVITATION_LIFETIME"], by)
    audit.record("user.invite", user, actor=by, email=user.email, role=user.role)
    send_mail(user.email, "invitation", user.language, user=user, inviter=by,
              link=external_url("auth.accept_invitation", token=secret),
              days=current_app.config["INVITATION_LIFETIME"].days)
    return secret


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    secret = _issue_token(user, "reset", current_app.config["RESET_LIFETIME"])
    send_mail(user.email, "password_reset", user.language, user=user,
              link=external_url("auth.reset_password", token=secret))


def valid_token(secret: str, kind: str) -> AccountToken | None:
    """The unused, unexpired token of ``kind`` for ``secret``, or None."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.execute(select(AccountToken).where(
        AccountToken.token_hash == hash_token(secret), AccountToken.kind == kind)
    ).scalar_one_or_none()
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active:  # a deactivated account's links are void, whatever their kind
        return None
    return token


def use_token(token: AccountToken, password: str) -> User:
    """Set the password a token's holder chose. It never activates the account: only an
    administrator does (``set_active``)."""
    token.used_at = utcnow()
    user = token.user
    if not user.active:
        raise AccountRefused("deactivated", status=410)
    user.set_password(password)
    user.end_all_sessions()
    return user


def change_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.end_all_sessions()


def set_role(user: User, role: str) -> None:
    if role != user.role:
        audit.record("user.role", user, email=user.email, before=user.role, after=role)
    user.role = role


def set_active(user: User, active: bool) -> None:
    if active != user.active:
        audit.record("user.activate" if active else "user.deactivate", user, email=user.email)
    user.active = active
    if not active:
        user.end_all_sessions()
        for token in user.tokens:  # the links already mailed die with the account's access
            if token.used_at is None:
                token.used_at = utcnow()


def search_users(text: str = "", role: str | None = None, state: str | None = None):
    """Users by name or e-mail, accents and case aside ("nguyen" finds "Nguyễn" and the
    other way round), by role and by state: invited (no password set yet), active,
    deactivated."""
    query = select(User).order_by(User.name, User.id)
    words = fold_words(text[:200]).split()
    for word in words[:10]:
        query = query.where(User.search_key.contains(word, autoescape=True))
    if role:
        query = query.where(User.role == role)
    if state == "invited":
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    elif state == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif state == "deactivated":
        query = query.where(User.active.is_(False))
    return query


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail, made from ``PUBLIC_URL`` only: never from the request's
    ``Host`` header, which whoever sends the request chooses."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        raise RuntimeError("PUBLIC_URL is not set: links in mail cannot be made")
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path
