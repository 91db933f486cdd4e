"""Settings from the environment, with embedded defaults (see README's configuration table)."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENV_KEYS = ("DATABASE_URL", "STORAGE_URL", "SEARCH_INDEX_DIR", "REDIS_URL", "MAIL_URL",
            "SECRET_KEY", "PORTAL_ENV", "MAIL_FROM", "PUBLIC_URL", "MAX_CONTENT_LENGTH",
            "TRUSTED_PROXIES", "MEDIA_PROCESSING")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _secret_key(instance: Path, env: str) -> str:
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if env != "development":
        raise ConfigError("SECRET_KEY must be set outside development (PORTAL_ENV=%s)." % env)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance: Path, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config from ``environ`` (default: ``os.environ``)."""
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("PORTAL_ENV", "development")
    if env not in ("development", "production", "testing"):
        raise ConfigError("PORTAL_ENV must be development, production or testing, not %r." % env)
    instance.mkdir(parents=True, exist_ok=True)
    secret = environ.get("SECRET_KEY") or _secret_key(instance, env)
    secure = env == "production"
    hashing = environ.get("PASSWORD_HASHING", "default")
    if hashing not in ("default", "cheapest") or (hashing == "cheapest" and secure):
        raise ConfigError("PASSWORD_HASHING=cheapest is for test suites, never production.")
    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": environ.get(
            "DATABASE_URL", "sqlite:///" + str(instance / "portal.sqlite3")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_URL": environ.get("STORAGE_URL", "file://" + str(instance / "storage")),
        "SEARCH_INDEX_DIR": environ.get("SEARCH_INDEX_DIR", str(instance / "search-index")),
        "REDIS_URL": environ.get("REDIS_URL") or None,
        "MAIL_URL": environ.get("MAIL_URL") or None,
        "MAIL_FROM": environ.get("MAIL_FROM", "Portal <no-reply@portal.invalid>"),
        "PUBLIC_URL": environ.get("PUBLIC_URL", "").rstrip("/"),
        # Large files go through the resumable upload protocol in parts; this bounds any one request.
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "portal_session",
        # Idle timeout: the signed cookie expires after this much inactivity (checked server-side).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        # It slides on use, re-signed at most once a minute (``_slide_session``), not on every
        # response: a Set-Cookie of ~250 bytes and its signing saved on most requests.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; slow users are not punished
        "RATELIMIT_STORAGE_URI": environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "LOGIN_LIMIT_PER_ACCOUNT": environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes"),
        "INVITATION_LIFETIME": timedelta(days=14),
        "RESET_LIFETIME": timedelta(hours=1),
        "TRUSTED_PROXIES": int(environ.get("TRUSTED_PROXIES", 0)),
        "PASSWORD_HASHING": hashing,
    }
