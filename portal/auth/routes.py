"""Sign-in, sign-out, invitations, password reset and the account page."""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from .. import i18n, jobs
from ..access import AUTHENTICATED, PUBLIC, allow
from ..calendar import services as calendar
from ..extensions import limiter
from ..i18n import gettext as _
from ..security import clear_session, safe_next
from . import devices, services, two_step
from .forms import (
    InvitationForm,
    LoginForm,
    PasswordChangeForm,
    PreferencesForm,
    ResetForm,
    ResetRequestForm,
)

bp = Blueprint("auth", __name__)


def _just_reset() -> bool:
    """The browser that has just reset this account's password (it proved it holds the
    mailbox) is not held back by the attempts others make on the account; the per-address
    limit still applies to it."""
    email = devices.submitted_email()
    return bool(email) and session.get("reset_for") == email


def _start_session(user, remember: bool = False) -> None:
    """A fresh session at sign-in: nothing from the anonymous session carries over."""
    clear_session()
    session.permanent = True
    session["auth_at"] = int(time.time())
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
# Failed sign-ins only, per client address and per account; a browser that signed in to the
# account before has a bucket of its own (auth/devices.py).
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=devices.failed, exempt_when=devices.trusted)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=devices.limit_key, deduct_when=devices.failed, exempt_when=_just_reset)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("home.dashboard")))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            jobs.commit()
            if user.two_step_on:   # the code comes next (two_step_routes.challenge)
                two_step.begin(user, form.remember.data, form.next.data)
                response = redirect(url_for("two_step.challenge"))
            else:
                _start_session(user, remember=form.remember.data)
                response = redirect(safe_next(form.next.data, url_for("home.dashboard")))
            devices.remember(response, user.email)  # the password was right from here
            return response
        jobs.commit()
        flash(_("That e-mail address and password do not match an active account."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@allow(AUTHENTICATED)
def logout():
    current_user.end_all_sessions()
    jobs.commit()
    language = current_user.language
    logout_user()
    clear_session(language)
    flash(_("You are signed out."), "info")
    return redirect(url_for("home.home"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def accept_invitation(token: str):
    invitation = services.valid_token(token, "invitation")
    if invitation is None:
        return render_template("auth/token_invalid.html", kind="invitation"), 410
    user = invitation.user
    form = InvitationForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.language.data = user.language
        form.timezone.data = i18n.suggested_timezone(user.timezone, user.country)
    if form.validate_on_submit():
        user.name = form.name.data.strip()
        user.language = form.language.data
        user.timezone = form.timezone.data
        services.use_token(invitation, form.password.data)
        jobs.commit()
        _start_session(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("home.dashboard"))
    return render_template("auth/invitation.html", form=form, user=user), \
        400 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("20 per hour", methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        jobs.commit()
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def reset_password(token: str):
    reset = services.valid_token(token, "reset")
    if reset is None:
        return render_template("auth/token_invalid.html", kind="reset"), 410
    form = ResetForm()
    if form.validate_on_submit():
        services.use_token(reset, form.password.data)
        jobs.commit()
        logout_user()
        clear_session(reset.user.language)
        session["reset_for"] = reset.user.email.lower()
        flash(_("Your password is changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def account():
    prefs = PreferencesForm(obj=current_user, prefix="prefs")
    if request.method == "GET" and current_user.timezone not in i18n.current_timezones():
        # an obsolete zone (Africa/Asmera) is not in the picker: offer today's name for it
        prefs.timezone.data = i18n.suggested_timezone(current_user.timezone,
                                                      current_user.country)
    password = PasswordChangeForm(prefix="pw")
    if request.method != "POST":
        return _account_page(prefs, password)
    if "prefs-submit" in request.form:
        return _save_preferences(prefs, password)
    if "pw-submit" in request.form:
        return _change_password(prefs, password)
    return _account_page(prefs, password, 400)


def _account_page(prefs: PreferencesForm, password: PasswordChangeForm, status: int = 200):
    return render_template("auth/account.html", prefs=prefs, password=password,
                           calendar_link=calendar.feed_of(current_user)), status


def _save_preferences(prefs: PreferencesForm, password: PasswordChangeForm):
    if not prefs.validate():
        return _account_page(prefs, password, 400)
    current_user.name = prefs.name.data.strip()
    current_user.language = prefs.language.data
    current_user.timezone = prefs.timezone.data
    jobs.commit()
    flash(_("Your preferences are saved."), "success")
    return redirect(url_for("auth.account"))


def _change_password(prefs: PreferencesForm, password: PasswordChangeForm):
    valid = password.validate()
    # The current password is checked even when the new one is refused: every problem at
    # once, not one round trip for each.
    if password.current.data and not current_user.check_password(password.current.data):
        password.current.errors = [*password.current.errors,
                                   _("The current password is not right.")]
        return _account_page(prefs, password, 400)
    if not valid:
        return _account_page(prefs, password, 400)
    services.change_password(current_user, password.password.data)
    jobs.commit()
    # Every other session has ended; this one starts again with the new version.
    _start_session(current_user._get_current_object())
    flash(_("Your password is changed. Other devices are signed out."), "success")
    return redirect(url_for("auth.account"))
