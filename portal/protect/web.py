"""The request side of form protection: what a refused post becomes when its session ended,
the sign-in that claims the kept text, the form page that shows it again, and the marks
``static/js/protect.js`` reads (``protect_form`` on a form tag)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    after_this_request,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from .. import jobs
from ..i18n import lazy_gettext as _l
from ..security import safe_next
from . import services

COOKIE = "portal_kept"
SESSION_ENDED = _l("Your session ended: sign in again; what you wrote is kept.")
SESSION_ENDED_TITLE = _l("Your session ended")
BACK_IN_FORM = _l("What you wrote before your session ended is back in the form. Check it, "
                  "then save or send it.")
FORM_EXPIRED = _l("This form had expired. What you wrote is back in it: check it, then send "
                  "it again.")


# -- a post refused because the session ended ------------------------------------------------------
def _origin() -> str:
    return request.host_url.rstrip("/")


def same_origin() -> bool:
    """The post came from one of the portal's own pages (Origin, else Referer): text posted
    from elsewhere is never kept, so no one can plant text in somebody else's form."""
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.rstrip("/") == _origin()
    parts = urlsplit(request.headers.get("Referer", ""))
    return bool(parts.netloc) and "%s://%s" % (parts.scheme, parts.netloc) == _origin()


def _page() -> str:
    """The page the form was on (the Referer, same origin), else the address it posted to."""
    parts = urlsplit(request.headers.get("Referer", ""))
    path = parts.path + ("?" + parts.query if parts.query else "")
    return safe_next(path if parts.netloc and same_origin() else None, request.path)


def _ended_session_account() -> int | None:
    user_id = str(session.get("_user_id") or "").partition(":")[0]
    return int(user_id) if user_id.isdigit() else None


def _keep(owner_id: int | None) -> tuple[str | None, str]:
    page = _page()
    token = services.keep(services.keepable(request.form.items(multi=True)), page,
                          request.path, services.client_key(request.remote_addr), owner_id)
    if token is not None:
        jobs.commit()
    return token, page


def _remember_claim(token: str, kept) -> None:
    session["kept"] = {"t": token, "page": kept.page, "action": kept.action}


def refused_post():
    """A post refused for its session (ended, or a form token that no longer matches): the
    answer that keeps what was typed, or None to answer as before.

    Signed out: the text is kept under a new token (a cookie in this browser, and the sign-in
    page's address and form), and the sign-in page says so; signing in brings the person back to the
    form with the text. Still signed in: the text is kept for this account and the form opens
    again with it. A script's request (JSON) is told the session ended; its page keeps the text
    in the browser."""
    if request.method != "POST":
        return None
    signed_in = current_user.is_authenticated
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        if signed_in:
            return None
        response = jsonify(error={"status": 401, "title": str(SESSION_ENDED_TITLE),
                                  "message": str(SESSION_ENDED)}, session_ended=True)
        response.status_code = 401
        return response
    if not request.form or not same_origin():
        return None
    g.protect_kept_now = True  # this very post must not end the copy (after_request)
    if signed_in:
        token, page = _keep(current_user.id)
        if token is None:
            return None
        kept = services.claim(token, current_user.id)
        jobs.commit()
        _remember_claim(token, kept)
        flash(str(FORM_EXPIRED), "info")
        return redirect(page, 303)
    token, page = _keep(_ended_session_account())
    if token is None:
        return None
    # The sign-in page (auth.login) says the session ended and carries the token in its form.
    response = redirect(url_for("auth.login", next=page, kept=token), 303)
    response.set_cookie(COOKIE, token, max_age=int(services.LIFETIME.total_seconds()),
                        httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


# -- signing in claims it --------------------------------------------------------------------------
def claim_on_sign_in(sender, user, **extra) -> None:
    """``user_logged_in``: the account signing in in this browser claims the text kept here
    (the browser's cookie; the sign-in form's field, when sent, must name the same token)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return
    posted = request.form.get("kept")
    if posted and posted != token:
        return

    @after_this_request
    def _drop_cookie(response):
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax")
        return response

    kept = services.claim(token, user.id)
    if kept is None:
        return
    jobs.commit()
    _remember_claim(token, kept)


# -- the form page shows it again ------------------------------------------------------------------
def kept_formdata(action: str | None = None) -> MultiDict | None:
    """On the form's page, for the account that claimed it: what was kept, as form data.
    ``action``: the address the form posts to, on a page that holds more than one form (each
    gets only what was posted to it)."""
    info = session.get("kept")
    if not info or request.method != "GET" or not current_user.is_authenticated:
        return None
    if info.get("page") not in (request.path, request.full_path.rstrip("?")):
        return None
    if action is not None and info.get("action") != action:
        return None
    kept = services.claimed(info.get("t", ""), current_user.id)
    if kept is None:
        session.pop("kept", None)
        return None
    g.protect_unsaved = True  # the form shows text the server has not saved (protect_form)
    if not info.get("shown"):
        flash(str(BACK_IN_FORM), "info")
        session["kept"] = {**info, "shown": True}
    return MultiDict([tuple(pair) for pair in kept.fields])


def prefill(action: str | None = None) -> dict:
    """``Form(**prefill())``: the kept text as the form's data on its page, else nothing;
    ``prefill(action)`` on a page of several forms: only what was posted to ``action``."""
    data = kept_formdata(action)
    return {"formdata": data} if data is not None else {}


def after_request(response):
    """A post to the form's address from the account that got its text back ends the kept
    copy (the text is in that post); a successful post of a protected form (a redirect) tells
    the next page's script to forget this browser's copy."""
    if request.method != "POST":
        return response
    info = session.get("kept")
    if info and request.path == info.get("action") and response.status_code < 500 \
            and current_user.is_authenticated and not g.get("protect_kept_now"):
        services.forget(info["t"])
        jobs.commit()
        session.pop("kept", None)
    if not 300 <= response.status_code < 400:
        return response  # (and a refused body, 413, is never read here)
    key = request.form.get("_protect") if request.form else None
    if key:
        session["protect_done"] = key[:200]
    return response


# -- marks for the script --------------------------------------------------------------------------
def protect_form(key: str, autosave: str | None = None, action: str | None = None,
                 version=None, version_field: str | None = None, status: str | None = None,
                 legacy: str | None = None) -> Markup:
    """Attributes for a ``<form>`` that static/js/protect.js protects: a copy in the browser
    (per account and ``key``), a warning before leaving, and autosave to ``autosave`` (posting
    ``action=<action>`` with the fields) when the form has a draft endpoint. ``version``: what
    the copy is compared with (or the field holding it); ``status``: the id of the element
    that tells; ``legacy``: the localStorage key of the copy kept before this mechanism."""
    g.protect_forms = True
    attrs = {"data-protect": key, "data-autosave-url": autosave, "data-autosave-action": action,
             "data-protect-version": None if version is None else str(version),
             "data-protect-version-field": version_field, "data-protect-status": status,
             "data-protect-legacy": legacy,
             "data-protect-unsaved": "" if g.get("protect_unsaved") else None}
    return Markup("".join(' %s="%s"' % (name, escape(value))
                          for name, value in attrs.items() if value is not None))


def protect_done() -> str:
    """The key of the protected form a successful post has just saved ('' if none)."""
    return session.pop("protect_done", "") if "protect_done" in session else ""
