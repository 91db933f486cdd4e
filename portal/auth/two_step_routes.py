"""Two-step sign-in pages: the code after the password, setting it up, recovery codes, turning
it off. The rules are in ``two_step.py``; the password step stays in ``routes.py``."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .. import jobs
from ..access import AUTHENTICATED, PUBLIC, allow
from ..extensions import limiter
from ..i18n import gettext as _, ngettext
from ..security import safe_next
from . import two_step
from .forms import PasswordCheckForm, TwoStepCodeForm
from .routes import _start_session

bp = Blueprint("two_step", __name__)

# Wrong codes per account, whichever browser sends them (the pending state lives in the
# browser's cookie, so its own count could be replayed; this one is kept by the server).
WRONG_CODES_LIMIT = "10 per 15 minutes"
# What an account that must set two-step up may still reach before it has.
OPEN_DURING_ENROLMENT = frozenset(("two_step.manage", "auth.logout", "home.set_language",
                                   "static", "health.healthz", "health.readyz"))


def _pending_key() -> str:
    state = two_step.pending()
    return "two-step:%s" % state["uid"] if state else "two-step-ip:" + get_remote_address()


def _was_wrong(response) -> bool:
    return bool(g.get("two_step_wrong"))


@bp.route("/login/two-step", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(WRONG_CODES_LIMIT, methods=["POST"], key_func=_pending_key,
               deduct_when=_was_wrong)
def challenge():
    user = two_step.pending_user()
    if user is None:   # none begun, lapsed, or the account changed since the password
        return _no_pending_sign_in()
    recovery = request.values.get("recovery") == "1"
    form = TwoStepCodeForm()
    if form.validate_on_submit():
        state = two_step.pending()
        how = two_step.check(user, form.code.data)
        if how is not None:
            return _signed_in(user, how, state)
        g.two_step_wrong = True
        if two_step.failed_try():
            flash(_("Too many wrong codes. Sign in again."), "error")
            return redirect(url_for("auth.login"))
        form.code.errors.append(_wrong_code_message(recovery))
    return render_template("auth/two_step_challenge.html", form=form, recovery=recovery), \
        400 if form.errors else 200


def _no_pending_sign_in():
    """No sign-in waits for its code: the dashboard for someone signed in already, else the
    page without a form (it says to sign in again)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    two_step.forget()
    return render_template("auth/two_step_challenge.html", form=None), \
        400 if request.method == "POST" else 200


def _signed_in(user, how: str, state: dict):
    """The code was right: the session starts, and goes where the sign-in was headed. Signing
    in with a recovery code says how many are left."""
    jobs.commit()
    _start_session(user, remember=state["remember"])
    if how == "recovery":
        left = two_step.recovery_codes_left(user)
        flash(ngettext("You used a recovery code; %(num)s is left. If your phone is "
                       "lost, set two-step sign-in up again on a new one.",
                       "You used a recovery code; %(num)s are left. If your phone is "
                       "lost, set two-step sign-in up again on a new one.", left),
              "info")
    return redirect(safe_next(state["next"], url_for("home.dashboard")))


def _wrong_code_message(recovery: bool) -> str:
    if recovery:
        return _("That recovery code is not right or was used already.")
    return _("That code is not right. Codes change every 30 seconds: type the one your app "
             "shows now.")


@bp.route("/account/two-step", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def manage():
    """Set two-step up (or again, on a new phone: ``?new=1``), or see where it stands."""
    user = current_user._get_current_object()
    if user.two_step_on and request.values.get("new") != "1":
        return render_template("auth/two_step.html", codes_form=PasswordCheckForm(prefix="codes"),
                               off_form=PasswordCheckForm(prefix="off"),
                               left=two_step.recovery_codes_left(user),
                               required=two_step.required_for(user))
    secret = session.get("two_step_setup") or two_step.new_secret()
    session["two_step_setup"] = secret
    form = TwoStepCodeForm()
    if form.validate_on_submit():
        codes = two_step.enrol(user, secret, form.code.data)
        if codes is not None:
            jobs.commit()
            _start_session(user)   # the other sessions have ended; this one goes on
            g.pop("csrf_token", None)   # the page's forms need the new session's token
            return render_template("auth/two_step_codes.html", codes=codes, first=True)
        form.code.errors.append(_("That code is not right. Check that the app shows this "
                                  "portal and type the code it shows now."))
    uri = two_step.setup_uri(user, secret)
    return render_template("auth/two_step_setup.html", form=form, qr=two_step.qr_svg(uri),
                           uri=uri, secret=two_step.grouped(secret),
                           required=two_step.must_enrol(user)), 400 if form.errors else 200


def _password_checked(form) -> bool:
    if not form.validate_on_submit():
        return False
    if not current_user.check_password(form.password.data):
        form.password.errors.append(_("The password is not right."))
        return False
    return True


def _manage_again(codes_form, off_form):
    return render_template("auth/two_step.html", codes_form=codes_form, off_form=off_form,
                           left=two_step.recovery_codes_left(current_user),
                           required=two_step.required_for(current_user)), 400


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@allow(AUTHENTICATED)
def recovery_codes():
    if not current_user.two_step_on:
        return redirect(url_for("two_step.manage"))
    form = PasswordCheckForm(prefix="codes")
    if not _password_checked(form):
        return _manage_again(form, PasswordCheckForm(prefix="off", formdata=None))
    codes = two_step.new_recovery_codes(current_user._get_current_object())
    jobs.commit()
    return render_template("auth/two_step_codes.html", codes=codes, first=False)


@bp.route("/account/two-step/off", methods=["POST"])
@allow(AUTHENTICATED)
def turn_off():
    if not current_user.two_step_on:
        return redirect(url_for("two_step.manage"))
    if two_step.required_for(current_user):
        abort(403)   # the page offers no such button to these roles
    form = PasswordCheckForm(prefix="off")
    if not _password_checked(form):
        return _manage_again(PasswordCheckForm(prefix="codes", formdata=None), form)
    two_step.turn_off(current_user._get_current_object())
    jobs.commit()
    flash(_("Two-step sign-in is off. Your password alone now signs you in."), "info")
    return redirect(url_for("auth.account"))


def enforce_enrolment():
    """``before_request``: an account whose role requires two-step sign-in and that has not
    set it up reaches nothing but the setup page (and signing out) until it has."""
    if not current_user.is_authenticated or not two_step.must_enrol(current_user):
        return None
    if request.endpoint in OPEN_DURING_ENROLMENT or request.endpoint is None:
        return None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        abort(403)
    return redirect(url_for("two_step.manage"))
