"""Health and readiness for load balancers and monitors (``/healthz``, ``/readyz``), and the
component checks the admins' status page shows too (portal/admin/operations.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_login import current_user
from sqlalchemy import text

from .access import ADMIN, PUBLIC, allow
from .extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """Up or down, for anyone (load balancers, monitors); each component's details (paths,
    index generation, errors) only for a signed-in admin, and on /admin/status."""
    checks = {"database": check_database(), "storage": check_extension("storage"),
              "search_index": check_extension("search_index")}
    return _answer(checks, "ok", "degraded")


def _answer(checks: dict, good: str, bad: str):
    """The one rule of both routes: the status word and code for anyone; each component's
    details (paths, index generation and lag, errors) only for a signed-in admin."""
    healthy = all(c["ok"] for c in checks.values())
    body = {"status": good if healthy else bad}
    if _admin_asks():
        body["checks"] = checks
    return jsonify(body), 200 if healthy else 503


def _admin_asks() -> bool:
    try:   # the session's account is read from the database, which may be what is down
        return bool(current_user.is_authenticated and current_user.role == ADMIN)
    except Exception:
        return False


@bp.route("/readyz")
@allow(PUBLIC)
def readyz():
    """Readiness for a load balancer: database, storage, and the local index not lagging
    (details for admins only, as ``/healthz``)."""
    return _answer({"database": check_database(), "storage": check_extension("storage"),
                    "search_index": check_index_lag()}, "ready", "not ready")


def check_index_lag() -> dict:
    try:
        from .library.indexing import lag
        pending = lag().pending
    except Exception as exc:
        current_app.logger.warning("ready: index: %s", exc)
        return {"ok": False, "error": type(exc).__name__}
    limit = current_app.config["READY_MAX_INDEX_LAG"]
    return {"ok": pending <= limit, "pending": pending, "limit": limit}


def check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # reported, never raised: health must answer
        current_app.logger.warning("health: database: %s", exc)
        return {"ok": False, "error": type(exc).__name__}


def check_extension(name: str) -> dict:
    component = current_app.extensions.get(name)
    if component is None:
        return {"ok": False, "error": "not configured"}
    try:
        return {"ok": True, **(component.check() or {})}
    except Exception as exc:
        current_app.logger.warning("health: %s: %s", name, exc)
        return {"ok": False, "error": type(exc).__name__}
