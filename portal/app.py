"""The application factory: ``create_app`` builds the app and registers every domain.

Nothing below the factory imports it (tests/test_architecture.py keeps the import graph without
cycles): a domain package's ``init_app(app)`` registers its blueprints, header links, dashboard
panels and commands when the factory calls it, never as a side effect of an import.
"""
from __future__ import annotations

import gc
import logging
import time
from pathlib import Path

from flask import Flask, current_app, session
from flask.templating import Environment
from flask_babel import format_date, get_locale
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    access,
    action_plans,
    admin,
    assignments,
    auth,
    calendar,
    catalogue,
    cli,
    components,
    courses,
    domain_errors,
    errors,
    evaluation,
    health,
    i18n,
    jobs,
    library,
    messaging,
    observability,
    protect,
    security,
    uploads,
)
from .access import ROLES, may_open
from .admin.forms import ROLE_LABELS
from .auth.models import User, use_cheapest_hashing
from .config import ROOT, load_config
from .courses.vocabulary import ENROLLMENT_STATES, PHASES, SUBJECTS
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .home import routes as home
from .markdown import render_markdown
from .navigation import links_for_current_user
from .storage import cli as storage_cli

# In the order their blueprints were always registered (a URL two could match goes to the first).
DOMAINS = (auth, admin, uploads, courses, library, assignments, action_plans, catalogue,
           evaluation, messaging, calendar)


class TemplateEnvironment(Environment):
    """Flask's Jinja environment, with each loaded template holding its globals as one plain
    dict. Jinja chains a template's own globals to the environment's (a ``ChainMap``) and
    flattens that chain into a new dict for every render: 35 us for our 56 globals, paid by
    every ``render_template`` (a dashboard makes five). A copy made when the template loads
    keeps what the chain is for (a template's own globals never change the environment's);
    globals are all registered by ``create_app``, before any template loads (Flask refuses
    ``add_template_global`` once the app has served)."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}

    def getattr(self, obj, attribute):
        """``row.name`` on a plain dict (the rows views make for templates: a transcript's
        cues, a result's moments) read as Jinja reads it, attribute first then key, without
        the ``AttributeError`` Jinja raises and catches on the way: 250 cues of a transcript
        cost twice as much to render with it. A plain dict has no attribute but ``dict``'s
        own, so a key named like one of them (``items``) still gives the method."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Portal(Flask):
    jinja_environment = TemplateEnvironment


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment gives."""
    settings = load_config(overrides=config)
    app = Portal(__name__, instance_path=str(Path(settings["INSTANCE_PATH"]).resolve()),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(settings)
    if app.config.get("PORTAL_ENV") == "production":
        app.debug = False  # a stray FLASK_DEBUG=1 must not propagate errors or reload templates
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   timezone_selector=i18n.select_timezone,
                   default_translation_directories=str(ROOT / "translations"))
    i18n.install_template_gettext(app.jinja_env)
    if (app.config.get("PASSWORD_HASHING") == "cheapest"
            and app.config["PORTAL_ENV"] != "production"):
        use_cheapest_hashing()
    _init_login(app, login_manager)
    components.init_app(app)  # storage and search in app.extensions, for the health check
    # The origin browsers reach directly (presigned S3 URLs), allowed by the CSP.
    app.config["STORAGE_BROWSER_ORIGIN"] = app.extensions["storage"].browser_origin

    home.init_app(app)
    app.register_blueprint(health.bp)
    for domain in DOMAINS:
        domain.init_app(app)  # its blueprints, header links, dashboard panels and commands
    protect.init_app(app)  # forms lose nothing: the kept text, the sign-in that claims it

    observability.init_app(app)  # first, so it times and logs every request
    if app.config["TRUSTED_PROXIES"]:  # outermost: every layer sees the client as it is
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.before_request(access.enforce_declared_policy)
    app.before_request(_enforce_absolute_timeout)
    app.after_request(_slide_session)
    app.after_request(security.set_security_headers)
    errors.register(app)
    security.refuse_unknown_hosts(app)  # first of the before_request functions
    domain_errors.register(app)
    _template_helpers(app)

    jobs.init_app(app)  # the embedded background runner sweeps when the app starts serving
    cli.register(app)
    storage_cli.register(app)
    return app


# New objects (allocations less deallocations) before the collector looks at the youngest ones.
YOUNG_COLLECTION = 10_000


def prepare_worker(app: Flask) -> None:
    """Ready a serving process once it has loaded the app (gunicorn's ``post_worker_init``):
    open the search index now rather than in its first search, then move every object alive
    so far (code, templates, catalogs, the index's state: ~180,000) out of the garbage
    collector's sight with ``gc.freeze()``. They live as long as the process; a full
    collection otherwise walks them all again, stopping every thread of the worker for
    ~200 ms on a slow machine. Objects made later are collected, the youngest after
    `YOUNG_COLLECTION` new objects rather than Python's 700. At 700 the collector ran in the
    middle of every other request and carried what that request still held (its rows, its
    templates' state) into the older generations, whose collections walk everything kept
    since the freeze: a full one stops every thread of the worker for ~50 ms at program
    scale (docs/PERFORMANCE.md, "Tenth pass", "Fourteenth pass")."""
    index = getattr(app, "extensions", {}).get("search_index")
    if index is not None:
        index.searcher.state()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


# Built once: every signed-in request runs it, and Session.get builds its statement each time.
_USER_BY_ID = select(User).where(User.id == bindparam("id"))


def _init_login(app: Flask, login_manager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.scalars(_USER_BY_ID, {"id": int(user_id)}).first()
        if user is None or not user.active or user.session_version != int(version):
            return None  # logged out, password changed or deactivated since
        return user


SLIDE_EVERY_S = 60


def _slide_session(response):
    """The idle limit slides with use: a permanent session's cookie is signed again (and so
    gets a new timestamp and expiry) when it was last signed a minute ago or more."""
    if session.permanent:
        now = int(time.time())
        if now - session.get("slid_at", 0) >= SLIDE_EVERY_S:
            session["slid_at"] = now
    return response


def _enforce_absolute_timeout() -> None:
    if not current_user.is_authenticated:
        return
    started = session.get("auth_at")
    if started is None:
        # Only a remember-me cookie restores a session without auth_at: a new period starts.
        session["auth_at"] = int(time.time())
    elif time.time() - started > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        language = current_user.language
        logout_user()
        security.clear_session(language)


def _template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        LANGUAGES=i18n.LANGUAGES, LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, get_locale=get_locale,
        localize=i18n.localize, content=i18n.content, format_moment=i18n.format_moment,
        format_date=format_date, format_month=i18n.format_month,
        country_name=i18n.country_name, language_name=i18n.language_name,
        zone_name=i18n.zone_name, render_markdown=render_markdown, format_day=i18n.format_day,
        format_size=i18n.format_size,
        format_number=i18n.format_number, format_share=i18n.format_share,
        ROLE_LABELS=ROLE_LABELS, ROLES=ROLES,
        SUBJECTS=SUBJECTS, PHASES=PHASES, ENROLLMENT_STATES=ENROLLMENT_STATES,
        nav_links=links_for_current_user, may_open=may_open)
