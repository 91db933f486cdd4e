"""Structured request logs: one JSON line per request with its id, user and duration."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request, session
from flask_login import AnonymousUserMixin

log = logging.getLogger("portal.requests")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.request_id = valid_request_id(request.headers.get("X-Request-ID", ""))
    g.request_started = time.perf_counter()


def valid_request_id(incoming: str) -> str:
    """A proxy's id is kept so logs join up across hosts; anything odd is replaced."""
    return incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


def log_request(request_id: str, method: str, path: str, status: int, started: float,
                user_id: str, size: int | None, remote: str | None) -> None:
    """One JSON line per request."""
    log.info(json.dumps({
        "request_id": request_id, "method": method, "path": path, "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": int(user_id) if user_id.isdigit() else None,
        "bytes": size, "remote": remote}, separators=(",", ":")))


def _finish(response):
    started = g.get("request_started")
    if started is None:
        return response
    if response.status_code >= 500:
        count_error()
    response.headers["X-Request-ID"] = g.request_id
    # the user this request loaded, by the id in the session: never a database query here
    # (the database may be what just failed, and this runs for the error page too)
    user = g.get("_login_user")
    signed_in = user is not None and not isinstance(user, AnonymousUserMixin)
    user_id = str(session.get("_user_id") or "").split(":")[0] if signed_in else ""
    log_request(g.request_id, request.method, request.path, response.status_code, started,
                user_id, response.content_length, request.remote_addr)
    return response


# Server errors per hour, for the admins' status page: in Redis when it is configured (shared by
# every worker and host), else in this process.
_local_errors: dict[str, int] = {}
ERROR_KEY = "portal:errors:%s"


def _hour(moment: float | None = None) -> str:
    return time.strftime("%Y%m%d%H", time.gmtime(moment or time.time()))


def count_error() -> None:
    from flask import current_app
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis
            r = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            key = ERROR_KEY % _hour()
            r.incr(key)
            r.expire(key, 3 * 24 * 3600)
            return
        except Exception:  # counting must never fail a request
            log.warning("could not count an error in Redis")
    _local_errors[_hour()] = _local_errors.get(_hour(), 0) + 1


def errors_last_hours(hours: int = 24) -> list[tuple[str, int]]:
    """[(hour "YYYYMMDDHH" in UTC, count)] for the last ``hours`` hours, oldest first."""
    from flask import current_app
    now = time.time()
    keys = [_hour(now - 3600 * n) for n in range(hours - 1, -1, -1)]
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis
            r = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            values = r.mget([ERROR_KEY % k for k in keys])
            return [(k, int(v or 0)) for k, v in zip(keys, values, strict=True)]
        except Exception:
            log.warning("could not read error counts from Redis")
    return [(k, _local_errors.get(k, 0)) for k in keys]
