"""Security headers, safe redirects, a session cleared and other request-wide defenses. (User
files' own headers, the sandbox included, are ``portal/storage/http.py``'s.)"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request, session
from werkzeug.exceptions import SecurityError

from .i18n import LANGUAGES

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def content_security_policy() -> str:
    """The CSP, opened to the object store's origin when browsers reach it directly (parts
    sent to presigned S3 URLs, media played from presigned GETs)."""
    extra = current_app.config.get("STORAGE_BROWSER_ORIGIN")
    if not extra:
        return CSP
    return (CSP.replace("connect-src 'self'", "connect-src 'self' " + extra)
            .replace("media-src 'self' blob:", "media-src 'self' blob: " + extra)
            .replace("img-src 'self' data:", "img-src 'self' data: " + extra))


_DEFAULT_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "strict-origin-when-cross-origin"),
                    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
                    ("Cross-Origin-Opener-Policy", "same-origin"))


def set_security_headers(response: Response) -> Response:
    """Each header added unless the view set its own. The names present are read once:
    werkzeug answers each "is it there?" about a missing header by raising and catching an
    HTTP exception, about 10 µs apiece on every response."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    wanted = [("Content-Security-Policy", content_security_policy()), *_DEFAULT_HEADERS]
    if request.is_secure:
        wanted.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if "cache-control" not in present and response.mimetype == "text/html":
        wanted.append(("Cache-Control", "no-store" if _has_session_cookie() else "no-cache"))
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def _has_session_cookie() -> bool:
    return any(name in request.cookies for name in ("portal_session", "remember_token"))


def refuse_unknown_hosts(app: Flask) -> None:
    """A request whose ``Host`` (or, behind a trusted proxy, ``X-Forwarded-Host``) is not in
    ``TRUSTED_HOSTS`` gets 400 before anything else runs: Flask's own check only marks the
    request, and the page would then be built with the stranger's host."""
    def check_host():
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception
    app.before_request_funcs.setdefault(None, []).insert(0, check_host)


def clear_session(language: str | None = None) -> None:
    """Forget all that the session holds (at a sign-in, a sign-out, a password reset, a session
    past its absolute limit: nothing of the old identity carries over) but the language the
    reader reads the portal in: ``language`` (the account's own, given while the account is
    known), else the one chosen with the switcher."""
    lang = language or session.get("lang")
    session.clear()
    if lang in LANGUAGES:
        session["lang"] = lang


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths are followed: no scheme, no host, no ``//`` or ``/\\`` tricks."""
    if not target:
        return default
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
