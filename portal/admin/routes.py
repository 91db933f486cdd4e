"""Administration: users and roles (admin), invitations (coordinators and admins)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import jobs
from ..access import ADMIN, COORDINATOR, allow
from ..auth import services as accounts
from ..auth.models import User
from ..domain_errors import explain
from ..extensions import db
from ..i18n import gettext as _
from ..mail import MailState, OutboxMail, delivery as mail_delivery
from ..pager import paginate
from . import services
from .forms import (
    BULK_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    BulkUsersForm,
    InviteForm,
    RoleForm,
    role_choices,
)
from .messages import bulk_result_message

bp = Blueprint("admin", __name__)

PER_PAGE = 50
# Coordinators invite the people of their courses; only admins create staff accounts.
INVITABLE = {COORDINATOR: ("participant", "instructor"), ADMIN: tuple(ROLE_LABELS)}


@bp.route("/admin/users")
@allow(ADMIN)
def users():
    return _users_page(BulkUsersForm(formdata=None), _list_filters(request.args),
                       request.args.get("page", 1, type=int))


def _list_filters(source) -> dict:
    role, state = source.get("role"), source.get("state")
    return {"q": (source.get("q") or "")[:200], "role": role if role in ROLE_LABELS else None,
            "state": state if state in STATE_LABELS else None}


def _users_page(form: BulkUsersForm, filters: dict, page_number: int, status: int = 200):
    page = paginate(accounts.search_users(filters["q"], filters["role"], filters["state"]),
                    PER_PAGE, page_number)
    return render_template("admin/users.html", page=page, form=form, roles=ROLE_LABELS,
                           states=STATE_LABELS, actions=BULK_LABELS, **filters), status


@bp.route("/admin/users/bulk", methods=["POST"])
@allow(ADMIN)
def bulk_users():
    """Resend invitations to, or deactivate, the accounts ticked in the list (deactivation
    asks to confirm first); the answer returns to the same filtered list."""
    form = BulkUsersForm()
    filters = _list_filters(request.form)
    page_number = request.form.get("page", 1, type=int)
    if not form.validate_on_submit():
        return _users_page(form, filters, page_number, 400)
    chosen = services.chosen_users(form.users.data)
    if form.action.data == "deactivate" and not form.confirmed.data:
        return render_template("admin/bulk_confirm.html", form=form, chosen=chosen,
                               filters=filters, page_number=page_number)
    if form.action.data == "resend":
        result = services.resend_invitations(chosen, current_user)
    else:
        result = services.deactivate(chosen, current_user)
    jobs.commit()
    flash(bulk_result_message(form.action.data, result), "success" if result.done else "error")
    return redirect(url_for("admin.users", page=page_number if page_number > 1 else None,
                            **{k: v for k, v in filters.items() if v}), 303)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@allow(ADMIN)
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    form = RoleForm(obj=person)
    if form.validate_on_submit():
        if person.id == current_user.id and form.role.data != ADMIN:
            flash(_("You cannot remove your own administrator role."), "error")
            return render_template("admin/user.html", person=person, form=form), 400
        behind = services.left_behind(person, form.role.data)
        if behind and form.confirmed.data != "1":
            # Said before anything changes; the admin may go on (the enrollments stay).
            return render_template("admin/user.html", person=person, form=form, behind=behind)
        accounts.set_role(person, form.role.data)
        jobs.commit()
        flash(_("The role of %(name)s is now %(role)s.", name=person.name,
                role=ROLE_LABELS[person.role]), "success")
        return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/user.html", person=person, form=form), \
        400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@allow(ADMIN)
def set_active(user_id: int):
    person = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if person.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    accounts.set_active(person, active)
    jobs.commit()
    flash(_("%(name)s can sign in again.", name=person.name) if active else
          _("%(name)s is deactivated and signed out everywhere.", name=person.name), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/invite", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def invite():
    form = InviteForm()
    form.role.choices = role_choices(INVITABLE[current_user.role])
    valid = form.is_submitted() and form.validate()
    try:
        existing = _invited_account(form)
    except accounts.AccountRefused as refused:
        form.email.errors = [*form.email.errors, explain(refused)]
        return render_template("admin/invite.html", form=form), refused.status
    if valid:
        person = existing or _new_account(form)
        accounts.invite(person, by=current_user)
        jobs.commit()
        flash(*_invitation_news(person.email))
        return redirect(url_for("admin.invite"))
    return render_template("admin/invite.html", form=form), 400 if form.errors else 200


def _invited_account(form: InviteForm) -> User | None:
    """The account to invite again, or None for a new one; ``AccountRefused`` when the address
    may not be invited (``accounts.invitable``). Asked even when another field is wrong: every
    problem at once; not before a post, nor when the address or the role could not be read."""
    if not form.is_submitted() or form.email.errors or form.role.errors:
        return None
    return accounts.invitable(form.email.data, form.role.data)


def _new_account(form: InviteForm) -> User:
    return accounts.create_user(
        form.email.data, form.name.data, form.role.data, language=form.language.data,
        country=form.country.data or None, organization=form.organization.data or None)


def _invitation_news(email: str) -> tuple[str, str]:
    """What became of the invitation just committed: sent only if the SMTP server took it."""
    sent = mail_delivery.latest(email, "invitation")
    if sent is None or sent.state == MailState.SENT:
        return _("The invitation was sent to %(email)s.", email=email), "success"
    if sent.state == MailState.FAILED:
        return _("The invitation to %(email)s could not be sent: the mail server refused it "
                 "(%(error)s).", email=email, error=sent.last_error), "error"
    if sent.attempts:
        return _("The invitation to %(email)s is saved but could not be sent yet: the mail "
                 "server did not take it (%(error)s). It will be retried automatically, and "
                 "the status page lists it until it is sent.", email=email,
                 error=sent.last_error), "error"
    return _("The invitation to %(email)s is queued and will be sent in a moment.",
             email=email), "success"


@bp.route("/admin/status")
@allow(ADMIN)
def status():
    """Operations at a glance: health, index lag, job queue depth, mail waiting or failed,
    server errors per hour."""
    from .. import observability
    from . import operations
    return render_template("admin/status.html", health=operations.health(),
                           queue=operations.job_queue(),
                           errors=observability.errors_last_hours(24),
                           mail_counts=mail_delivery.counts(), unsent=mail_delivery.unsent())


@bp.route("/admin/mail/<int:mail_id>/resend", methods=["POST"])
@allow(ADMIN)
def resend_mail(mail_id: int):
    """Try a waiting or failed mail again now (CSRF-checked form on the status page)."""
    mail = db.get_or_404(OutboxMail, mail_id)
    if mail.state == MailState.SENT:
        flash(_("This mail was sent already."), "error")
        return redirect(url_for("admin.status") + "#mail", 303)
    mail_delivery.resend(mail)
    jobs.commit()
    db.session.refresh(mail)
    if mail.state == MailState.SENT:
        flash(_("The mail to %(email)s was sent.", email=mail.recipient), "success")
    elif not mail.attempts:  # the job worker sends it
        flash(_("The mail to %(email)s is queued again.", email=mail.recipient), "success")
    else:
        flash(_("The mail to %(email)s could not be sent (%(error)s); it will be retried.",
                email=mail.recipient, error=mail.last_error or "-"), "error")
    return redirect(url_for("admin.status") + "#mail", 303)
