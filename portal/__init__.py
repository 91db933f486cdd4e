"""The portal: a learning portal and distance-learning library."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app, session
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment gives."""
    from . import access, domain_errors, errors, i18n, security
    from .config import load_config
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    settings = load_config(overrides=config)
    app = Flask(__name__, instance_path=str(Path(settings["INSTANCE_PATH"]).resolve()),
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
    if app.config.get("PASSWORD_HASHING") == "cheapest" and app.config["PORTAL_ENV"] != "production":
        from .auth.models import use_cheapest_hashing
        use_cheapest_hashing()
    _init_login(app, login_manager)
    _init_components(app)
    # The origin browsers reach directly (presigned S3 URLs), allowed by the CSP.
    app.config["STORAGE_BROWSER_ORIGIN"] = app.extensions["storage"].browser_origin

    from .action_plans import bp as action_plans_bp
    from .admin import bp as admin_bp
    from .assignments import bp as assignments_bp
    from .auth import bp as auth_bp
    from .catalogue import bp as catalogue_bp
    from .courses import bp as courses_bp
    from .evaluation import bp as evaluation_bp
    from .health import bp as health_bp
    from .home.routes import bp as home_bp
    from .library import api_bp as library_api_bp, bp as library_bp
    from .uploads import bp as uploads_bp
    for blueprint in (home_bp, health_bp, auth_bp, admin_bp, uploads_bp, courses_bp,
                      library_bp, library_api_bp, assignments_bp, action_plans_bp, catalogue_bp,
                      evaluation_bp):
        app.register_blueprint(blueprint)

    from . import observability
    observability.init_app(app)  # first, so it times and logs every request
    if app.config["TRUSTED_PROXIES"]:  # outermost: every layer sees the client as it is
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.before_request(access.enforce_declared_policy)
    app.before_request(_enforce_absolute_timeout)
    app.after_request(_slide_session)
    app.after_request(security.set_security_headers)
    errors.register(app)
    domain_errors.register(app)
    _template_helpers(app)

    from . import cli
    from .storage import cli as storage_cli
    cli.register(app)
    storage_cli.register(app)
    return app


def _init_login(app: Flask, login_manager) -> None:
    from .auth.models import User
    from .extensions import db

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None  # logged out, password changed or deactivated since
        return user


def _init_components(app: Flask) -> None:
    """Storage and search register themselves in ``app.extensions`` for the health check."""
    from . import components
    components.init_app(app)


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
        logout_user()
        session.clear()


def _template_helpers(app: Flask) -> None:
    from flask_babel import format_date, get_locale

    from . import i18n
    from .access import ROLES
    from .admin.forms import ROLE_LABELS
    from .courses.vocabulary import ENROLLMENT_STATES, PHASES, SUBJECTS
    from .navigation import links_for_current_user

    app.jinja_env.globals.update(
        LANGUAGES=i18n.LANGUAGES, LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, get_locale=get_locale,
        localize=i18n.localize, content=i18n.content, format_moment=i18n.format_moment, format_date=format_date,
        country_name=i18n.country_name, ROLE_LABELS=ROLE_LABELS, ROLES=ROLES,
        SUBJECTS=SUBJECTS, PHASES=PHASES, ENROLLMENT_STATES=ENROLLMENT_STATES,
        nav_links=links_for_current_user)
