"""Admins' security pages: the audit log of staff actions (read, filter, export; there is no
route that edits or deletes an entry) and resetting someone's two-step sign-in."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit, jobs
from ..access import ADMIN, allow
from ..auth import two_step
from ..auth.models import User
from ..exports import Sheet, export
from ..extensions import db
from ..i18n import as_utc, gettext as _
from ..pager import paginate
from .forms import AuditFilterForm
from .routes import bp

PER_PAGE = 50
EXPORT_MAX = 100_000   # rows in one export; narrow the dates for more


def _filters() -> tuple[AuditFilterForm, object]:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any action"))] + [
        (code, str(label)) for code, label in audit.ACTIONS.items()]
    valid = form.validate()
    query = audit.search(form.person.data or "", form.action.data or None,
                         form.start.data if valid else None, form.end.data if valid else None)
    return form, query


@bp.route("/admin/audit")
@allow(ADMIN)
def audit_log():
    form, query = _filters()
    page = paginate(query, PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, page=page, args=args), \
        400 if form.errors else 200


@bp.route("/admin/audit.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/admin/audit.csv", defaults={"fmt": "csv"})
@allow(ADMIN)
def audit_export(fmt: str):
    form, query = _filters()
    if form.errors:
        return audit_log()
    rows = [[entry.id, as_utc(entry.at), entry.actor_id, entry.actor_email, entry.action,
             entry.label, entry.target_type, entry.target_id, _details_text(entry.details),
             entry.ip, entry.user_agent] for entry in db.session.scalars(query.limit(EXPORT_MAX))]
    header = ["id", "at_utc", "actor_id", "actor_email", "action", "action_label",
              "target_type", "target_id", "details", "ip", "user_agent"]
    return export([Sheet("audit", header, rows)], "audit-log", fmt)


def _details_text(details: dict | None) -> str:
    import json
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True)


@bp.route("/admin/users/<int:user_id>/two-step/reset", methods=["POST"])
@allow(ADMIN)
def reset_two_step(user_id: int):
    """Someone lost their phone and their recovery codes: forget their two-step setup. They
    are signed out everywhere and, if their role requires it, set it up again at sign-in."""
    person = db.get_or_404(User, user_id)
    if person.two_step_on:
        two_step.turn_off(person, reset=True, by=current_user._get_current_object())
        jobs.commit()
        flash(_("Two-step sign-in of %(name)s is reset. They set it up again at their next "
                "sign-in.", name=person.name), "success")
    return redirect(url_for("admin.user", user_id=person.id))
