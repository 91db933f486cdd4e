"""Generic error pages in the reader's language; never a traceback."""
from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .i18n import lazy_gettext as _l

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back, check what you "
                                "entered and try again.")),
    401: (_l("Sign-in needed"), _l("Sign in to see this page.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved.")),
    405: (_l("Not allowed"), _l("This address does not take that kind of request.")),
    410: (_l("Link no longer valid"), _l("This link has expired or was already used.")),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts. Large files go "
                              "through the upload button, which sends them in parts.")),
    416: (_l("Nothing more to send"), _l("The file ends before the part asked for: the download "
                                         "is already complete.")),
    429: (_l("Too many attempts"), _l("There were too many attempts in a short time. Wait a few "
                                      "minutes and try again. If you forgot your password, you "
                                      "can reset it.")),
    500: (_l("Something went wrong"), _l("The portal could not complete this request. Nothing "
                                         "was lost; please try again in a moment.")),
    503: (_l("Temporarily unavailable"), _l("A service the portal needs is not answering. "
                                            "Please try again in a few minutes.")),
}
HOST_MESSAGE = _l("The portal does not answer at this address. Check the address, or use the "
                  "link your organisers gave you.")
CSRF_MESSAGE = _l("This form has expired or was sent from elsewhere. Go back, reload the page "
                  "and send it again.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify(error={"status": code, "title": str(title),
                              "message": str(detail or message)}), code
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def unknown_host(exc):
    """An untrusted Host (portal/security.py): a page without the site's layout, whose links
    would need the host."""
    return plain_error(400, HOST_MESSAGE)


def csrf_error(exc):
    """A form whose token no longer matches (mostly: its session ended): what was typed is
    kept when it can be (portal/protect), else the page says to reload and send again."""
    from .protect.web import refused_post
    return refused_post() or render_error(400, str(CSRF_MESSAGE))


def _keep_range(exc: HTTPException, page):
    """416 keeps Werkzeug's "Content-Range: bytes */<size>": a client resuming a finished
    download learns it has the whole file."""
    response = current_app.make_response(page)
    response.headers.extend(h for h in exc.get_headers() if h[0] == "Content-Range")
    return response


def register(app) -> None:
    app.register_error_handler(SecurityError, unknown_host)
    app.register_error_handler(CSRFError, csrf_error)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.response is not None and exc.code not in (413, 429):
            return exc  # an explicit response (e.g. a redirect to sign in) wins
        return _keep_range(exc, render_error(exc.code if exc.code in MESSAGES else 400))

    @app.teardown_appcontext
    def end_session_quietly(exc):
        """Runs before Flask-SQLAlchemy's own teardown (registered earlier): when the database
        went away during the request, rolling back on the dead connection fails, and that
        failure would replace the page already made with the server's bare error."""
        from .extensions import db
        try:
            db.session.remove()
        except Exception as error:
            app.logger.warning("database connection lost: %s", error)
            try:
                db.session.invalidate()
            except Exception as again:
                app.logger.debug("invalidating the session failed too: %s", again)
            db.session.registry.clear()

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code = 503 if database_down(exc) else InternalServerError.code
        _rollback()
        try:
            return render_error(code)
        except Exception:  # the page itself needs what failed (the user, from the database)
            app.logger.exception("error page failed on %s", request.path)
            return plain_error(code)


def database_down(exc: Exception) -> bool:
    """The database cannot be reached (stopped, restarting, connection cut)."""
    return isinstance(exc, (OperationalError, InterfaceError, PendingRollbackError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


def _rollback() -> None:
    from .extensions import db
    try:
        db.session.rollback()
    except Exception as exc:  # a dead connection cannot even roll back; the pool replaces it
        current_app.logger.debug("rollback after an error failed: %s", exc)


def plain_error(code: int, detail=None):
    """The error page without the site's layout, in the reader's language chosen without the
    database (session, then browser): it works while the database is down."""
    from .i18n import DEFAULT_LANGUAGE, LANGUAGES
    lang = session.get("lang") if session.get("lang") in LANGUAGES else (
        request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE)
    title, message = MESSAGES.get(code, MESSAGES[500])
    message = detail or message
    with force_locale(lang):
        title, message = str(title), str(message)
    if _wants_json():
        response = jsonify(error={"status": code, "title": title, "message": message})
    else:
        response = Response(
            '<!doctype html>\n<html lang="%s"><head><meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width, initial-scale=1"><title>%s</title></head><body><main>'
            '<p>%d</p><h1>%s</h1><p>%s</p></main></body></html>\n'
            % (lang, escape(title), code, escape(title), escape(message)), mimetype="text/html")
    response.status_code = code
    if code == 503:
        response.headers["Retry-After"] = "30"
    return response
