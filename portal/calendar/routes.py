"""The calendar feed (public: its secret address is the key) and the account's buttons that
make, replace or turn off that address."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from .. import jobs
from ..access import AUTHENTICATED, PUBLIC, allow
from ..auth.services import external_url
from ..i18n import gettext as _
from . import events, ical, services
from .forms import CalendarLinkForm

bp = Blueprint("calendar", __name__)
PRODUCT = "Knowledge Co-Creation Portal"


@bp.route("/calendar/<token>.ics")
@allow(PUBLIC)
def feed(token: str):
    found = services.owner_of(token)
    if found is None:
        abort(404)
    link, user = found
    with force_locale(user.language):
        body = ical.feed(events.events_for(user), user.timezone, user.language,
                         _("Dates and deadlines · %(portal)s",
                           portal=_("Knowledge Co-Creation Portal")), PRODUCT)
    if services.note_read(link):
        jobs.commit()
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="calendar.ics"',
        "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})


@bp.route("/account/calendar", methods=["POST"])
@allow(AUTHENTICATED)
def manage():
    if not CalendarLinkForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    if action == "off":
        if services.turn_off(current_user):
            jobs.commit()
            flash(_("Your calendar link is turned off: calendars that used it no longer "
                    "receive your dates."), "success")
        return redirect(url_for("auth.account") + "#calendar")
    if action not in ("make", "replace"):
        abort(400)
    secret = services.make_link(current_user)
    jobs.commit()
    address = external_url("calendar.feed", token=secret)
    response = Response(render_template(
        "calendar/link.html", address=address, replaced=action == "replace",
        webcal="webcal://" + address.split("://", 1)[1]))
    response.headers["Cache-Control"] = "no-store"  # the secret is shown this once
    return response
