"""Sign-in limits that lock strangers out and not the people whose accounts they try.

After OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a browser that signed in
to an account gets a signed cookie for that account (``remember``). Each sign-in attempt is
counted in one bucket (``limit_key``): the trusted browser's own bucket when it carries a valid
cookie for the account it names, else the account's bucket shared by every untrusted browser.
Only failures count (``failed``), so a stranger's guesses fill the untrusted bucket, never the
owner's, and people who sign in correctly are never held back.

The account is read from the form or the JSON body by one function (``submitted_email``), the
same the form itself reads, so no kind of body gets a bucket of its own.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_PREFIX = "portal_device_"
LIFETIME = timedelta(days=180)
_SALT = "portal.login-device"


def submitted_email() -> str:
    """The account a sign-in attempt names, lower-cased, from a form or a JSON body."""
    if request.is_json:
        data = request.get_json(silent=True)
        value = data.get("email") if isinstance(data, dict) else None
    else:
        value = request.form.get("email")
    return value.strip().lower()[:254] if isinstance(value, str) else ""


def _account(email: str) -> str:
    """A keyed hash of the address: the cookie names the account without showing it."""
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else \
        current_app.secret_key
    return hmac.new(key, b"device:" + email.encode(), hashlib.sha256).hexdigest()[:24]


def _cookie_name(email: str) -> str:
    return COOKIE_PREFIX + _account(email)[:12]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def trusted_device(email: str) -> str | None:
    """The id of this browser's valid device cookie for ``email``, else None."""
    if not email:
        return None
    raw = request.cookies.get(_cookie_name(email))
    if not raw or len(raw) > 500:
        return None
    try:
        data = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("a") != _account(email):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


def remember(response, email: str) -> None:
    """After a sign-in with the right password: this browser is trusted for ``email``
    (the cookie keeps its id, and its lifetime starts again)."""
    email = email.strip().lower()
    device = trusted_device(email) or secrets.token_urlsafe(16)
    response.set_cookie(
        _cookie_name(email), _serializer().dumps({"a": _account(email), "d": device}),
        max_age=int(LIFETIME.total_seconds()), path="/login", httponly=True, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def limit_key() -> str:
    """The bucket of this attempt: a trusted browser's own, else the account's untrusted one."""
    email = submitted_email()
    device = trusted_device(email)
    return "login-device:%s:%s" % (email, device) if device else "login-account:" + email


def trusted() -> bool:
    """The attempt comes from a browser that signed in to the account it names before."""
    return trusted_device(submitted_email()) is not None


def failed(response) -> bool:
    """Only a refused password counts against the limits."""
    return response.status_code == 401
