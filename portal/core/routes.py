"""Home, per-role dashboards, the language switcher and the health check."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from .. import jobs
from ..access import AUTHENTICATED, PUBLIC, allow
from ..extensions import db
from ..i18n import LANGUAGES
from ..security import safe_next
from . import bp, dashboards


@bp.route("/")
@allow(PUBLIC)
def home():
    return render_template("core/home.html")


@bp.route("/dashboard")
@allow(AUTHENTICATED)
def dashboard():
    return render_template("core/dashboard.html", panels=dashboards.for_user(current_user))


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def set_language():
    """The switcher on every page: a form post, so it works without JavaScript."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.language = lang
            jobs.commit()
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    checks = {"database": _check_database(), "storage": _check_extension("storage"),
              "search_index": _check_extension("search_index")}
    healthy = all(c["ok"] for c in checks.values())
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503


@bp.route("/readyz")
@allow(PUBLIC)
def readyz():
    """Readiness for a load balancer: database, storage, and the local index not lagging."""
    checks = {"database": _check_database(), "storage": _check_extension("storage"),
              "search_index": _check_index_lag()}
    ready = all(c["ok"] for c in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), \
        200 if ready else 503


def _check_index_lag() -> dict:
    try:
        from ..library.indexing import lag
        pending = lag().pending
    except Exception as exc:
        current_app.logger.warning("ready: index: %s", exc)
        return {"ok": False, "error": type(exc).__name__}
    limit = current_app.config["READY_MAX_INDEX_LAG"]
    return {"ok": pending <= limit, "pending": pending, "limit": limit}


def _check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # reported, never raised: health must answer
        current_app.logger.warning("health: database: %s", exc)
        return {"ok": False, "error": type(exc).__name__}


def _check_extension(name: str) -> dict:
    component = current_app.extensions.get(name)
    if component is None:
        return {"ok": False, "error": "not configured"}
    try:
        return {"ok": True, **(component.check() or {})}
    except Exception as exc:
        current_app.logger.warning("health: %s: %s", name, exc)
        return {"ok": False, "error": type(exc).__name__}
