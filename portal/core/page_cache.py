"""A per-user cache of the participant dashboard, kept exact by generation counters.

The dashboard is the page every participant opens first and most often; building it takes a
dozen queries and five templates. Its HTML is kept per worker process, for one user's session,
language and time zone, for at most ``PAGE_CACHE_SECONDS`` (60 s: countdowns and phases follow
the clock), and only while nothing it shows has changed:

* Every committed write names what it touched: ``user:<id>`` for rows that carry a ``user_id``
  (or the user row itself), ``course:<id>`` for rows that carry a ``course_id`` (or the course).
  A row with neither (a submission version, an answer) is traced through its parents in the
  session (a version to its submission, a plan to its enrollment); when a parent is not at hand,
  or a bulk ``UPDATE``/``DELETE`` runs, the write bumps ``*``, which every entry depends on.
* Each of those names has a counter (a generation): in Redis when ``REDIS_URL`` is set, shared
  by every worker and host, else in this process. After the commit the counters are raised.
* An entry records the counters of the user, of each of the user's courses and of ``*`` as they
  were when the page was made; one ``MGET`` tells whether it still holds.

Tables no dashboard reads (the library, uploads, tokens, reminder logs) are left out, so that
watching a video or sending an upload part does not empty every cache. The cache is on when
``REDIS_URL`` is set (several processes share the counters) or ``PAGE_CACHE=1``; in the test
suite it runs with ``PAGE_CACHE_VERIFY``: each hit is checked against a fresh rendering.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context, request, session
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from werkzeug.http import parse_cookie

from ..db_types import utcnow

log = logging.getLogger(__name__)

EVERYTHING = "*"
# Tables whose rows no dashboard shows: their writes never invalidate a cached page.
IRRELEVANT = frozenset({
    "library_materials", "library_material_files", "library_subtitles", "library_views",
    "library_outbox", "uploads", "stored_files", "account_tokens", "assignment_reminders",
    "action_plan_reminders", "enrollment_imports", "catalogue_outlines", "alembic_version",
})
_MAX_DEPTH = 4


# ------------------------------------------------------------------ generations


class CountersUnavailable(RuntimeError):
    """The counters could not be raised before an account's sessions were ended (sign-out
    everywhere, new password, deactivation, deletion): that change is refused (503, "try again
    in a few minutes"), since pages kept for the account could otherwise still be served to a
    session it has just ended. Other changes go through; their pages expire within 60 s."""


class LocalGenerations:
    """Counters in this process: right for one process (``flask run``, the test client)."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}
        self._lock = threading.Lock()

    def bump(self, names: set[str]) -> None:
        with self._lock:
            for name in names:
                self._values[name] = self._values.get(name, 0) + 1

    def read(self, names: list[str]) -> tuple[int, ...]:
        return tuple(self._values.get(name, 0) for name in names)


class RedisGenerations:
    """Counters in Redis, shared by every worker and host."""

    def __init__(self, url: str, prefix: str = "portal:gen:") -> None:
        from redis import Redis
        self.redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = prefix

    def bump(self, names: set[str]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.incr(self.prefix + name)
        pipe.execute()

    def read(self, names: list[str]) -> tuple[int, ...]:
        return tuple(int(v or 0) for v in self.redis.mget([self.prefix + n for n in names]))


# ------------------------------------------------------------------ the cache


@dataclass
class Entry:
    made: float
    names: list[str]
    generations: tuple[int, ...]
    html: str


class PageCache:
    def __init__(self, generations, seconds: float, size: int, verify: bool) -> None:
        self.generations = generations
        self.seconds = seconds
        self.size = size
        self.verify = verify
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry.made > self.seconds:
            self.misses += 1
            return None
        try:
            current = self.generations.read(entry.names)
        except Exception as exc:  # Redis unreachable: no cache, not an error page
            log.warning("page cache: cannot read generations: %s", exc)
            return None
        if current != entry.generations:
            self.misses += 1
            return None
        with self._lock:
            self._entries.move_to_end(key)
        self.hits += 1
        return entry.html

    def generations_of(self, names: list[str]) -> tuple[int, ...] | None:
        """Read *before* the page is made, so a write during the making is not missed."""
        try:
            return self.generations.read(names)
        except Exception as exc:
            log.warning("page cache: cannot read generations: %s", exc)
            return None

    def put(self, key: tuple, names: list[str], generations: tuple[int, ...], html: str) -> None:
        with self._lock:
            self._entries[key] = Entry(time.monotonic(), names, generations, html)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def bump(self, names: set[str]) -> None:
        try:
            self.generations.bump(names)
        except Exception as exc:  # the counters could not be raised: forget this process's
            log.warning("page cache: cannot raise generations (%s): cache emptied", exc)
            self.clear()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    enabled = app.config.get("PAGE_CACHE")
    if enabled is None:
        enabled = bool(redis_url)
    if not enabled:
        return
    generations = RedisGenerations(redis_url) if redis_url else LocalGenerations()
    app.extensions["page_cache"] = PageCache(
        generations, float(app.config.get("PAGE_CACHE_SECONDS", 60)),
        int(app.config.get("PAGE_CACHE_ENTRIES", 5000)), bool(app.config.get("PAGE_CACHE_VERIFY")))
    _listen_once()


def init_request_hooks(app: Flask) -> None:
    """Kept dashboards are answered by a WSGI middleware ahead of Flask (``KeptDashboards``):
    no request context, no session object, no hooks. Install before any proxy middleware, so
    that it sees the client's address and scheme as the portal does."""
    if "page_cache" not in app.extensions:
        return
    app.wsgi_app = KeptDashboards(app.wsgi_app, app)
    if app.extensions["page_cache"].verify:
        app.after_request(check_agreement)


def cache() -> PageCache | None:
    return current_app.extensions.get("page_cache") if has_app_context() else None


# ------------------------------------------------------------------ what a write touched


def names_of(obj, session: Session, depth: int = 0) -> set[str] | None:
    """The generation names a changed row touches; None when that cannot be told."""
    from ..auth.models import User
    from ..courses.models import Course

    if isinstance(obj, User):
        return {"user:%s" % obj.id}
    if isinstance(obj, Course):
        return {"course:%s" % obj.id}
    mapper = inspect(obj).mapper
    if mapper.local_table.name in IRRELEVANT:
        return set()
    names = set()
    columns = mapper.columns
    if "user_id" in columns and getattr(obj, "user_id", None) is not None:
        names.add("user:%s" % obj.user_id)
    if "course_id" in columns and getattr(obj, "course_id", None) is not None:
        names.add("course:%s" % obj.course_id)
    if names:
        return names
    if depth >= _MAX_DEPTH:
        return None
    # Neither column: every parent (many-to-one) must be found in the session and traced.
    for rel in mapper.relationships:
        if rel.direction.name != "MANYTOONE":
            continue
        parent = _parent(obj, rel, session)
        if parent is _MISSING:
            return None
        if parent is None:
            continue
        found = names_of(parent, session, depth + 1)
        if found is None:
            return None
        names |= found
    return names or None


_MISSING = object()


def _parent(obj, rel, session: Session):
    state = inspect(obj)
    loaded = state.attrs[rel.key].loaded_value
    if loaded is not None and loaded is not _NO_VALUE:
        return loaded
    keys = [state.attrs[c.key].loaded_value for c in rel.local_columns
            if c.key in state.attrs]
    if not keys or any(k is None for k in keys):
        return None  # no parent at all
    if any(k is _NO_VALUE for k in keys):
        return _MISSING
    identity = session.identity_map.get(
        rel.mapper.identity_key_from_primary_key(keys))
    return identity if identity is not None else _MISSING


try:
    from sqlalchemy.orm.base import NO_VALUE as _NO_VALUE
except ImportError:  # pragma: no cover
    from sqlalchemy.orm.base import NEVER_SET as _NO_VALUE


def _ends_sessions(user, session: Session) -> bool:
    """Deleted, deactivated, or every session ended (sign-out everywhere, new password)."""
    if user in session.deleted:
        return True
    attrs = inspect(user).attrs
    return attrs.session_version.history.has_changes() or attrs.active.history.has_changes()


def _user_class():
    from ..auth.models import User
    return User


def _touched(session: Session) -> set[str]:
    return session.info.setdefault("page_cache_touched", set())


_listening = False


def _listen_once() -> None:
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(Session, "after_flush")
    def _after_flush(session, context):  # noqa: ARG001
        store = cache()
        if store is None:
            return
        touched = _touched(session)
        accounts = set()
        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            names = names_of(obj, session)
            touched |= {EVERYTHING} if names is None else names
            if isinstance(obj, _user_class()) and _ends_sessions(obj, session):
                accounts.add("user:%s" % obj.id)
        if accounts:
            # An account changed (signed out everywhere, new password, deactivated): its pages
            # stop being served *before* the change is committed, and again after (below).
            try:
                store.generations.bump(accounts)
            except Exception as exc:
                raise CountersUnavailable(str(exc)) from exc

    @event.listens_for(Session, "do_orm_execute")
    def _bulk(state):
        if cache() is None or not (state.is_update or state.is_delete or state.is_insert):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in IRRELEVANT:
            return
        _touched(state.session).add(EVERYTHING)

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        touched = session.info.pop("page_cache_touched", None)
        store = cache()
        if touched and store is not None:
            store.bump(touched)

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session):
        session.info.pop("page_cache_touched", None)


# ------------------------------------------------------------------ serving without the database


EXPECTED = "portal.page_cache_expected"  # environ: the page the cache would have served


def key_of(sess, accept_language: str, has_args: bool) -> tuple | None:
    """The key of a signed-in session's dashboard, from the signed session cookie alone: the
    account and its session version, the CSRF token the page carries, what chooses the
    language when the account has none, and the minute. None: do not keep or serve one."""
    token, account = sess.get("csrf_token"), sess.get("_user_id")
    if not token or not account or "_flashes" in sess or has_args:
        return None
    return (account, token, sess.get("lang"), accept_language,
            int(utcnow().timestamp() // 60))


def session_key() -> tuple | None:
    """``key_of`` for the request at hand (inside Flask)."""
    return key_of(session, request.headers.get("Accept-Language", ""), bool(request.args))


def _identifier(environ) -> str | None:
    """Flask-Login's identifier of the browser (``_create_identifier``: the first address of
    X-Forwarded-For, else the peer, and the User-Agent), from the WSGI environ; None when a
    header is not plain ASCII (the full path decides those)."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    agent = environ.get("HTTP_USER_AGENT")
    if (address is not None and not address.isascii()) or (agent is not None
                                                         and not agent.isascii()):
        return None
    if address is not None:
        address = address.encode().split(b",")[0].strip()
    if agent is not None:
        agent = agent.encode()
    return hashlib.sha512(("%s|%s" % (address, agent)).encode()).hexdigest()


class KeptDashboards:
    """WSGI middleware: ``GET /dashboard`` answered from the page cache when the counters say
    that neither the account (so the session is still valid: signing out everywhere, a new
    password or a deactivation raise them) nor anything on the page has changed. No database
    query, and none of Flask's request machinery: the session cookie is checked with Flask's
    own serializer and lifetime, the request is logged as ``portal.observability`` logs every
    other, and the headers are those the portal sends with a fresh dashboard.

    Whatever it cannot decide alone takes the full path: another browser than the one signed
    in (Flask-Login's "basic" protection), a session past its absolute lifetime or due for its
    once-a-minute new signature, a pending flash message or remember-me cookie, a query string.
    In the test suite (``PAGE_CACHE_VERIFY``) the full path runs every time the cache would
    have answered, and must agree on the status, the page and every header."""

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.store: PageCache = app.extensions["page_cache"]
        self.cookie = app.config["SESSION_COOKIE_NAME"]
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.absolute = app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
        self._made: dict[str, list[tuple[str, str]]] | None = None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/dashboard" or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        found = self.lookup(environ)
        if found is None:
            return self.wsgi_app(environ, start_response)
        html, user_id = found
        if self.store.verify:
            return self.verified(environ, start_response, html)
        body = html.encode()
        request_id = _request_id(environ)
        secure = environ.get("wsgi.url_scheme") == "https"
        headers = [("Content-Type", "text/html; charset=utf-8"),
                   ("Content-Length", str(len(body))), *self.headers(secure),
                   ("X-Request-ID", request_id)]
        start_response("200 OK", headers)
        _log_request(request_id, environ, 200, started, user_id, len(body))
        return [body]

    def lookup(self, environ) -> tuple[str, str] | None:
        """(the kept page, the account's id) or None: take the full path."""
        if environ.get("QUERY_STRING"):
            return None
        raw = environ.get("HTTP_COOKIE")
        if not raw or self.cookie not in raw:
            return None
        value = parse_cookie(raw).get(self.cookie)
        if not value or self.serializer is None:
            return None
        try:
            sess = self.serializer.loads(value, max_age=self.max_age)
        except Exception:  # bad or expired signature: Flask's own path decides
            return None
        if not isinstance(sess, dict) or "_remember" in sess:
            return None
        now = time.time()
        started = sess.get("auth_at")
        if started is None or now - started > self.absolute:
            return None
        if sess.get("_permanent") and now - sess.get("slid_at", 0) >= _slide_every():
            return None  # the full path signs the session again (``_slide_session``)
        if sess.get("_id") != _identifier(environ):
            return None
        key = key_of(sess, environ.get("HTTP_ACCEPT_LANGUAGE", ""), False)
        if key is None:
            return None
        html = self.store.get(key)
        if html is None:
            return None
        return html, str(key[0]).split(":")[0]

    def headers(self, secure: bool) -> list[tuple[str, str]]:
        """The headers of a fresh dashboard (``security.set_security_headers``), but for the
        response's own; made once, as they depend only on the configuration and the scheme."""
        if self._made is None:
            from werkzeug.wrappers import Response

            from ..security import set_security_headers
            made = {}
            for scheme in ("http", "https"):
                with self.app.test_request_context(
                        "/dashboard", base_url="%s://portal" % scheme,
                        headers={"Cookie": "%s=x" % self.cookie}):
                    response = set_security_headers(Response("", mimetype="text/html"))
                    response.vary.add("Cookie")
                    made[scheme] = [(k, v) for k, v in response.headers.items()
                                    if k not in ("Content-Type", "Content-Length")]
            self._made = made
        return self._made["https" if secure else "http"]

    def verified(self, environ, start_response, html: str):
        """Verification mode: the full path answers, and must agree with the kept page."""
        environ[EXPECTED] = html
        secure = environ.get("wsgi.url_scheme") == "https"
        expected = dict(self.headers(secure))
        expected["Content-Type"] = "text/html; charset=utf-8"

        def compare(status, headers, exc_info=None):
            if status.startswith("200"):
                got = {k: v for k, v in headers
                       if k not in ("Content-Length", "X-Request-ID", "Set-Cookie")}
                if got != expected:
                    raise AssertionError("the page cache would have sent other headers: "
                                         "%r against %r" % (expected, got))
            return start_response(status, headers, exc_info)
        return self.wsgi_app(environ, compare)


def _slide_every() -> int:
    from .. import SLIDE_EVERY_S
    return SLIDE_EVERY_S


def _request_id(environ) -> str:
    from ..observability import valid_request_id
    return valid_request_id(environ.get("HTTP_X_REQUEST_ID", ""))


def _log_request(request_id, environ, status, started, user_id, size) -> None:
    from ..observability import log_request
    log_request(request_id, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), status,
                started, user_id, size, environ.get("REMOTE_ADDR"))


def check_agreement(response):
    """``after_request`` in verification mode: a kept page was ready, so the full path must
    have let the session in and made the same page (compared in the view)."""
    status = response.status_code
    if request.environ.get(EXPECTED) is not None and status != 200 and status < 500:
        raise AssertionError("the page cache would have served a session the portal refused "
                             "(%s)" % response.status_code)
    return response


# ------------------------------------------------------------------ verification (tests)

_MASKS = (
    (re.compile(r'name="csrf_token" value="[^"]*"'), 'name="csrf_token" value=""'),
    (re.compile(r'(<[^>]*data-countdown="[^"]*"[^>]*>)[^<]*'), r"\1"),
)


def masked(html: str) -> str:
    for pattern, replacement in _MASKS:
        html = pattern.sub(replacement, html)
    return html


def check_fresh(cached: str, fresh: str) -> None:
    if masked(cached) != masked(fresh):
        import difflib
        diff = "\n".join(difflib.unified_diff(masked(cached).splitlines(),
                                              masked(fresh).splitlines(), "cached", "fresh",
                                              lineterm="", n=1))
        raise AssertionError("stale page in the page cache:\n" + diff[:4000])
