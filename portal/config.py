"""Settings: one table maps each environment variable to a Flask config key, with its type, its
default, its check, a one-line description and whether it is a secret (after pypi/warehouse's
``maybe_set``). Nothing else in the code reads the environment. The README's configuration table
is printed from this one (``flask config table``) and a test keeps the two equal.

``load_config`` reads the table, adds the fixed Flask settings that follow from it, and refuses
with one :class:`ConfigError` listing every problem at once: a value that does not parse or pass
its check, and in production a configuration that is unsafe or incomplete.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .config_types import (
    KINDS,
    MASK,
    at_least,
    human_size,
    one_of,
    rate_limit,
    schemes,
    without_password,
)

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
MIN_SECRET_KEY = 32  # characters; secrets.token_hex(32) gives 64
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DEVELOPMENT_URL = "http://127.0.0.1:5000"  # `make run`'s address


class ConfigError(RuntimeError):
    """Settings are missing or wrong; the message lists each problem and how to fix it."""


# -- defaults computed from the instance folder ---------------------------------------------------
def _instance(conf: Mapping[str, Any]) -> Path:
    folder = Path(conf["INSTANCE_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _development_secret_key(conf: Mapping[str, Any]) -> str | None:
    """Made once into ``instance/secret_key`` in development; elsewhere it must be given."""
    if conf["PORTAL_ENV"] != "development":
        return None
    key_file = _instance(conf) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _trusted_hosts(public_url: str | None) -> tuple[str, ...]:
    """The public address's host, and the local names a host's own probes use."""
    host = urlsplit(public_url).hostname if public_url else None
    return tuple(dict.fromkeys([*([host] if host else []), "localhost", "127.0.0.1"]))


@dataclass(frozen=True)
class Setting:
    env: str
    kind: str
    default: Any  # a value, or a function of the settings read before this one
    doc: str
    key: str = ""  # the Flask config key; the variable's name when empty
    check: Callable[[Any], str | None] | None = None
    secret: bool = False
    shown_default: str = ""  # how the README states a computed or unset default

    @property
    def name(self) -> str:
        return self.key or self.env


S = Setting
SETTINGS: tuple[Setting, ...] = (
    S("PORTAL_ENV", "str", "development", "`production`: Secure cookies, HSTS, start-up refuses "
      "an unsafe or incomplete configuration",
      check=one_of("development", "testing", "production")),
    S("PORTAL_INSTANCE_DIR", "path", str(ROOT / "instance"), "the instance folder, home of the "
      "embedded defaults below", key="INSTANCE_PATH", shown_default="`instance/` beside the code"),
    S("SECRET_KEY", "str", _development_secret_key, "signs sessions and links; required outside "
      "development, %d+ characters in production" % MIN_SECRET_KEY, secret=True,
      shown_default="development: made once into `instance/secret_key`"),
    S("PUBLIC_URL", "url", lambda c: None if _production(c) else DEVELOPMENT_URL, "the portal's "
      "address: every link in mail is made from it (never from the request), and CORS; "
      "required in production, https", check=schemes("https", "http"),
      shown_default="`%s` outside production" % DEVELOPMENT_URL),
    S("TRUSTED_HOSTS", "list", lambda c: _trusted_hosts(c["PUBLIC_URL"]), "host names the "
      "portal answers to; any other `Host` header gets 400 (`.example.org` allows its "
      "subdomains)", shown_default="`PUBLIC_URL`'s host, `localhost`, `127.0.0.1`"),
    S("DATABASE_URL", "url", lambda c: "sqlite:///%s" % (_instance(c) / "portal.sqlite3"),
      "SQLAlchemy URL, e.g. `postgresql+psycopg://portal@db/portal`",
      key="SQLALCHEMY_DATABASE_URI", shown_default="SQLite file `instance/portal.sqlite3`"),
    S("STORAGE_URL", "url", lambda c: "file://%s" % (_instance(c) / "storage"), "`file:///folder` "
      "or `s3://bucket/prefix` with the `S3_*` settings", check=schemes("file", "s3"),
      shown_default="`file://` + `instance/storage`"),
    S("SEARCH_INDEX_DIR", "path", lambda c: str(_instance(c) / "search-index"), "this host's "
      "search index, on its local disk", shown_default="`instance/search-index`"),
    S("REDIS_URL", "url", None, "jobs and shared rate limits, e.g. `redis://cache:6379/0`",
      check=schemes("redis", "rediss", "unix"),
      shown_default="unset: in-process jobs, rate-limit counters in memory"),
    S("JOBS_QUEUE", "str", "portal", "name of the Redis job queue"),
    S("JOBS_SWEEP_INTERVAL", "duration", lambda c: 0.0 if c["PORTAL_ENV"] == "testing" else 60.0,
      "embedded default: seconds between two looks for background work a stopped process left "
      "(video processing); `0`: never", check=at_least(0),
      shown_default="60 (testing: 0, tests sweep when they mean to)"),
    S("MAIL_URL", "url", None, "`smtp://user:pass@mail:587?starttls=1`, `smtps://...:465`, or "
      "`log://` to write mail to the log on purpose", check=schemes("smtp", "smtps", "log"),
      shown_default="unset: mail is written to the log (refused in production)"),
    S("MAIL_FROM", "str", "Portal <no-reply@portal.invalid>", "sender of the portal's mail"),
    S("MAIL_TIMEOUT", "duration", 15.0, "longest wait for the SMTP server to connect or answer",
      check=at_least(0.1)),
    S("MAIL_RETRY_FIRST", "duration", 60.0, "wait before a failed mail's first retry; each "
      "retry waits twice as long as the one before", check=at_least(1)),
    S("MAIL_RETRY_MAX", "duration", 3600.0, "longest wait between two tries of one mail",
      check=at_least(1)),
    S("MAIL_MAX_ATTEMPTS", "int", 40, "tries of one mail before it is marked failed (listed "
      "on /admin/status with a Resend button); the defaults give up after about 1.5 days",
      check=at_least(1)),
    S("MAX_CONTENT_LENGTH", "size", 64 * MiB, "largest request; large files go through the "
      "resumable upload protocol in parts", check=at_least(1)),
    S("UPLOAD_PART_SIZE", "size", 5 * MiB, "part size of resumable uploads (larger when a file "
      "needs it to stay within 10,000 parts)", check=at_least(5 * MiB, "5 MiB, the S3 minimum")),
    S("UPLOAD_FORM_MAX", "size", 32 * MiB, "largest file sent with a plain form (no JavaScript)",
      check=at_least(1)),
    S("READY_MAX_INDEX_LAG", "int", 200, "outbox rows this host's index may lag before `/readyz` "
      "says not ready", check=at_least(0)),
    S("TRUSTED_PROXIES", "int", 0, "reverse proxies in front (`1` behind nginx), so rate limits "
      "see the client's address", check=at_least(0)),
    S("LOGIN_LIMIT_PER_ACCOUNT", "str", "10 per 15 minutes", "sign-in attempts per account",
      check=rate_limit),
    S("LOGIN_LIMIT_PER_ADDRESS", "str", "50 per 15 minutes", "sign-in attempts per client "
      "address", check=rate_limit),
    S("PASSWORD_HASHING", "str", "default", "`cheapest`: Argon2id's smallest parameters, for test "
      "suites (refused in production)", check=one_of("default", "cheapest")),
    S("S3_ENDPOINT_URL", "url", None, "the S3-compatible store, e.g. `https://minio:9000`",
      check=schemes("https", "http"), shown_default="unset: AWS"),
    S("S3_PUBLIC_ENDPOINT_URL", "url", None, "the store's address as browsers reach it, when "
      "servers use another", check=schemes("https", "http"), shown_default="the endpoint"),
    S("S3_REGION", "str", None, "e.g. `us-east-1`; `garage` for Garage",
      shown_default="unset: boto3's own"),
    S("S3_ADDRESSING_STYLE", "str", None, "`path` for MinIO, Ceph RGW and Garage",
      check=one_of("path", "virtual", "auto"),
      shown_default="`path` with an endpoint, else `virtual`"),
    S("AWS_ACCESS_KEY_ID", "str", None, "the store's access key",
      shown_default="unset: boto3's own chain"),
    S("AWS_SECRET_ACCESS_KEY", "str", None, "the store's secret key", secret=True,
      shown_default="unset: boto3's own chain"),
    S("S3_CONNECT_TIMEOUT", "duration", 2.0, "with the two below, a store that is down is a clear "
      "error within seconds", check=at_least(0.1)),
    S("S3_READ_TIMEOUT", "duration", 4.0, "longest wait for the store's next byte",
      check=at_least(0.1)),
    S("S3_MAX_ATTEMPTS", "int", 2, "attempts in all for one call to the store",
      check=at_least(1)),
    S("S3_COMPLETE_TIMEOUT", "duration", 600.0, "wait for the store to join the parts of a "
      "multi-GB upload", check=at_least(1)),
    S("ASR_MODEL", "str", lambda c: "small" if _production(c) else "off", "automatic "
      "transcription (the `asr` extra, faster-whisper): a model name (`small`, `large-v3-turbo`, "
      "`distil-large-v3` (English only), `base`, `tiny`; fetched once into `ASR_MODEL_DIR`) or "
      "the folder of a CTranslate2 Whisper model; `off`: none (docs/TRANSCRIPTION.md)",
      shown_default="`small` in production, else `off`"),
    S("ASR_MODEL_DIR", "path", lambda c: str(_instance(c) / "asr-models"), "where named "
      "models are kept once fetched", shown_default="`instance/asr-models`"),
    S("ASR_COMPUTE_TYPE", "str", "int8", "CTranslate2 compute type; `int8` is the fastest on "
      "a CPU", check=one_of("int8", "int8_float32", "float32", "int8_float16", "float16",
                            "bfloat16", "default", "auto")),
    S("ASR_THREADS", "int", lambda c: max(1, (os.cpu_count() or 2) // 2), "CPU threads of one "
      "transcription (it runs beside the web workers)", check=at_least(1),
      shown_default="half the machine's cores"),
    S("ASR_BEAM_SIZE", "int", 1, "`1`: greedy decoding (fastest); `5`: Whisper's beam "
      "search, slightly fewer mistakes for about twice the time", check=at_least(1)),
    S("PDF_FONT", "path", None, "a TrueType font for action-plan PDFs",
      shown_default="unset: DejaVu or Liberation, found on the system"),
    S("TRAINING_CENTERS", "list", None, "training centres offered in course forms, "
      "comma-separated", shown_default="unset: the program's twelve centres"),
    S("DEMO_PASSWORD", "str", None, "password of the demo accounts (`flask seed-demo`)",
      secret=True, shown_default="unset: `portal-demo-2026`"),
)


# -- rules across settings: the configuration -> None, or a problem ------------------------------
def _secret_key_rule(conf) -> str | None:
    if not conf["SECRET_KEY"]:
        return ("SECRET_KEY: required outside development (PORTAL_ENV=%s); generate one with "
                "python -c 'import secrets; print(secrets.token_hex(32))'" % conf["PORTAL_ENV"])
    if _production(conf) and len(conf["SECRET_KEY"]) < MIN_SECRET_KEY:
        return "SECRET_KEY: too short for production, at least %d characters" % MIN_SECRET_KEY
    return None


def _public_url_rule(conf) -> str | None:
    url = conf["PUBLIC_URL"]
    if not _production(conf):
        return None
    if not url:
        return "PUBLIC_URL: required in production, e.g. https://portal.example.org"
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        return "PUBLIC_URL=%s: must be https:// in production (http only for localhost)" % url
    return None


def _mail_rule(conf) -> str | None:
    if _production(conf) and not conf["MAIL_URL"]:
        return ("MAIL_URL: required in production: smtp://... or smtps://..., or MAIL_URL=log:// "
                "to write mail to the log on purpose")
    return None


def _hashing_rule(conf) -> str | None:
    hashing = conf["PASSWORD_HASHING"]
    if _production(conf) and hashing == "cheapest":
        return "PASSWORD_HASHING=cheapest is for test suites, never production"
    return None


def _part_rule(conf) -> str | None:
    if conf["UPLOAD_PART_SIZE"] > conf["MAX_CONTENT_LENGTH"]:
        return ("UPLOAD_PART_SIZE (%s) must fit in MAX_CONTENT_LENGTH (%s): a part is one request"
                % (human_size(conf["UPLOAD_PART_SIZE"]), human_size(conf["MAX_CONTENT_LENGTH"])))
    return None


RULES = (_secret_key_rule, _public_url_rule, _mail_rule, _hashing_rule, _part_rule)


def _production(conf) -> bool:
    return conf["PORTAL_ENV"] == "production"


# -- reading ---------------------------------------------------------------------------------------
def load_config(instance: Path | str | None = None, environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> dict:
    """The Flask config from ``environ`` (default: ``os.environ``). ``overrides`` (Flask keys,
    e.g. from ``create_app(config)``) win over the environment; ``instance`` is the instance
    folder's override. ``CONFIG_SOURCES`` says where each setting came from."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {}, **({"INSTANCE_PATH": str(instance)} if instance else {}))
    conf, sources, problems = {}, {}, []
    for setting in SETTINGS:
        try:
            conf[setting.name], sources[setting.env] = _read(setting, environ, overrides, conf)
        except ValueError as exc:
            problems.append(str(exc))
            conf[setting.name], sources[setting.env] = _default(setting, conf), "default"
    problems += _checked(conf)
    if problems:
        raise ConfigError("The configuration is refused (PORTAL_ENV=%s), %d problem(s):\n  - %s"
                          % (conf["PORTAL_ENV"], len(problems), "\n  - ".join(problems)))
    return {**_flask_settings(conf), **conf, **overrides, "CONFIG_SOURCES": sources}


def _read(setting: Setting, environ, overrides, conf) -> tuple[Any, str]:
    if setting.name in overrides:
        return overrides[setting.name], "create_app"
    text = environ.get(setting.env, "").strip()
    if not text:  # set but empty counts as unset
        return _default(setting, conf), "default"
    try:
        return KINDS[setting.kind](text), "environment"
    except ValueError as exc:
        raise ValueError("%s=%s: expected %s" % (setting.env, shown(setting, text), exc)) from None


def _default(setting: Setting, conf) -> Any:
    return setting.default(conf) if callable(setting.default) else setting.default


def _checked(conf) -> list[str]:
    problems = []
    for setting in SETTINGS:
        value = conf[setting.name]
        wrong = setting.check(value) if setting.check and value is not None else None
        if wrong:
            problems.append("%s=%s: must be %s" % (setting.env, shown(setting, value), wrong))
    return problems + [problem for rule in RULES if (problem := rule(conf))]


def _flask_settings(conf) -> dict:
    """Fixed settings, and those that follow from the table's."""
    secure = _production(conf)
    return {
        # A database server's connection can drop (a restart, a failover): each is checked
        # before use. A SQLite file's cannot: no check, one statement less a request.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": not conf["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")},
        "MAX_FORM_MEMORY_SIZE": 2 * MiB,
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
        "RATELIMIT_STORAGE_URI": conf["REDIS_URL"] or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "INVITATION_LIFETIME": timedelta(days=14),
        "RESET_LIFETIME": timedelta(hours=1),
    }


# -- showing ---------------------------------------------------------------------------------------
def shown(setting: Setting, value: Any) -> str:
    """A value as ``config show`` and the README print it, secrets masked."""
    if value in (None, "", ()):
        return "(unset)"
    if setting.secret:
        return MASK
    if setting.kind == "url":
        return without_password(str(value))
    if setting.kind == "size" and isinstance(value, int):
        return human_size(value)
    if setting.kind == "duration" and isinstance(value, (int, float)):
        return "%g s" % value
    return ", ".join(value) if setting.kind == "list" else str(value)


def markdown_table() -> str:
    """The README's configuration table, made from ``SETTINGS``."""
    rows = ["| variable | type | default | what |", "|---|---|---|---|"]
    for setting in SETTINGS:
        default = setting.shown_default or "`%s`" % shown(setting, setting.default)
        rows.append("| `%s` | %s | %s | %s |" % (setting.env, setting.kind, default, setting.doc))
    return "\n".join(rows)
