"""Health and readiness for load balancers and monitors (``/healthz``, ``/readyz``), and the
component checks the admins' status page shows too (portal/admin/operations.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .access import PUBLIC, allow
from .extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    checks = {"database": check_database(), "storage": check_extension("storage"),
              "search_index": check_extension("search_index")}
    healthy = all(c["ok"] for c in checks.values())
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503


@bp.route("/readyz")
@allow(PUBLIC)
def readyz():
    """Readiness for a load balancer: database, storage, and the local index not lagging."""
    checks = {"database": check_database(), "storage": check_extension("storage"),
              "search_index": check_index_lag()}
    ready = all(c["ok"] for c in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), \
        200 if ready else 503


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
