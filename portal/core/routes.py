"""Home, per-role dashboards, the language switcher and the health check."""
from __future__ import annotations

from flask import current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

from .. import jobs
from ..access import AUTHENTICATED, PARTICIPANT, PUBLIC, allow
from ..courses import services as courses
from ..extensions import db
from ..i18n import LANGUAGES
from ..security import safe_next
from . import bp, dashboards, page_cache


@bp.route("/")
@allow(PUBLIC)
def home():
    return render_template("core/home.html")


@bp.route("/dashboard")
@allow(AUTHENTICATED)
def dashboard():
    """Made here when the page cache has no current copy (a kept one is served ahead of
    Flask, by ``page_cache.KeptDashboards``, without the database)."""
    store = page_cache.cache()
    key = page_cache.session_key() if store is not None \
        and current_user.role == PARTICIPANT else None
    expected = request.environ.get(page_cache.EXPECTED)
    if key is None:
        html = _render_dashboard()
    else:
        # Counters are read before the data they stand for, so a write in between is seen.
        names = [page_cache.EVERYTHING, "user:%d" % current_user.id]
        first = store.generations_of(names)
        courses.remember_enrollments()
        names += ["course:%d" % e.course_id for e in courses.enrollments_of(current_user)]
        rest = store.generations_of(names[2:]) if first is not None else None
        html = _render_dashboard()
        if rest is not None and expected is None:
            store.put(key, names, first + rest, html)
    if expected is not None:
        page_cache.check_fresh(expected, html)
    return html


def _render_dashboard() -> str:
    courses.remember_enrollments()
    panels = [Markup(render_template(template, **context))
              for template, context in dashboards.for_user(current_user)]
    return render_template("core/dashboard.html", panels=panels)


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
    limit = current_app.config.get("READY_MAX_INDEX_LAG", 200)
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
