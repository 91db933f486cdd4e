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

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, current_app, g, has_app_context, request, session
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

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
    """After the request log's start (so served pages are timed and logged too) and before
    the access checks (which would load the account from the database)."""
    if "page_cache" not in app.extensions:
        return
    # Right after the request log's start, ahead of the other extensions' hooks (rate limits,
    # CSRF: neither applies to this GET), so a kept page costs as little as possible.
    hooks = app.before_request_funcs.setdefault(None, [])
    starts = [i for i, f in enumerate(hooks) if getattr(f, "__name__", "") == "_start"]
    if starts:
        hooks.insert(0, hooks.pop(starts[0]))
    hooks.insert(1 if starts else len(hooks), serve_kept_dashboard)
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


def session_key() -> tuple | None:
    """The key of the signed-in session's dashboard, from the signed session cookie alone: the
    account and its session version, the CSRF token the page carries, what chooses the
    language when the account has none, and the minute. None: do not keep or serve one."""
    token, account = session.get("csrf_token"), session.get("_user_id")
    if not token or not account or "_flashes" in session or request.args:
        return None
    return (account, token, session.get("lang"), request.headers.get("Accept-Language", ""),
            int(utcnow().timestamp() // 60))


def _session_current() -> bool:
    """What the portal checks of a session besides its account row: the absolute lifetime
    (``_enforce_absolute_timeout``) and the browser it was opened in (Flask-Login's "basic"
    protection marks a session from elsewhere as not fresh: that one takes the full path)."""
    from flask_login.utils import _create_identifier
    started = session.get("auth_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    return started is not None and time.time() - started <= limit \
        and session.get("_id") == _create_identifier()


def serve_kept_dashboard():
    """``before_request``: the participant's dashboard from memory, when the counters say
    that neither the account (so the session is still valid: signing out everywhere, a new
    password or a deactivation raise them) nor anything on the page has changed. No database
    query at all. In the test suite (``PAGE_CACHE_VERIFY``) the full path runs as well and must
    agree, both on the page and on letting the session in."""
    if request.method != "GET" or request.endpoint != "core.dashboard":
        return None
    store = cache()
    if store is None:
        return None
    key = session_key()
    if key is None or not _session_current():
        return None
    html = store.get(key)
    if html is None:
        return None
    g.page_cache_user = str(key[0]).split(":")[0]
    if store.verify:
        g.page_cache_expected = html
        return None
    return html


def check_agreement(response):
    """``after_request`` in verification mode: a kept page was ready, so the full path must
    have let the session in and made the same page (compared in the view)."""
    status = response.status_code
    if g.get("page_cache_expected") is not None and status != 200 and status < 500:
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
