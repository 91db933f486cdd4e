"""Home, the per-role dashboard and the language switcher."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import jobs
from ..access import AUTHENTICATED, PUBLIC, allow
from ..i18n import LANGUAGES, lazy_gettext as _l
from ..navigation import nav_link
from ..security import safe_next
from . import panels

bp = Blueprint("home", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)
    nav_link("home.dashboard", _l("Dashboard"), order=0)  # first, for anyone signed in


@bp.route("/")
@allow(PUBLIC)
def home():
    return render_template("home/home.html")


@bp.route("/dashboard")
@allow(AUTHENTICATED)
def dashboard():
    return render_template("home/dashboard.html", panels=panels.for_user(current_user))


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
    return redirect(safe_next(request.form.get("next"), url_for("home.home")))
