"""Forms where someone writes lose nothing: one mechanism for all of them.

In the browser, ``static/js/protect.js`` keeps a copy of every field of a ``form[data-protect]``
(localStorage, per account and form), autosaves to the form's draft endpoint where it has one,
restores after a reload, a crash or a sign-in, and warns before leaving with unsaved changes.
On the server, a post refused because the session ended keeps its text fields (``services``)
and the sign-in brings the person back to the form with them (``web``). docs/RELIABILITY.md,
"Forms: nothing typed is lost", lists each form and its tests.
"""
from __future__ import annotations


def init_app(app) -> None:
    from flask_login import user_logged_in

    from . import web
    from .models import KeptForm  # noqa: F401  (the table, for migrations and tests)

    user_logged_in.connect(web.claim_on_sign_in, app)
    app.after_request(web.after_request)
    app.jinja_env.globals.update(protect_form=web.protect_form, protect_done=web.protect_done)
