"""Announcements: staff write to a course (preview, then send) and read what was sent;
recipients read theirs and dismiss them from the dashboard. The notification choice of staff."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from .. import jobs
from ..access import AUTHENTICATED, COORDINATOR, INSTRUCTOR, STAFF, allow
from ..assignments.models import Assignment
from ..assignments.services import assignments_of_course
from ..courses.services import course_for
from ..courses.vocabulary import ENROLLMENT_STATES
from ..domain_errors import DomainError, explain
from ..extensions import db
from ..i18n import countries, country_name, gettext as _, localize, ngettext
from ..mail import delivery as mail_delivery
from ..pager import paginate
from ..protect.web import prefill
from ..security import safe_next
from . import notices, services
from .forms import DELIVERY_LABELS, PROGRESS_LABELS, AnnouncementForm, NoticePreferenceForm
from .messages import MESSAGES
from .models import Announcement

bp = Blueprint("messaging", __name__, cli_group=None)

PER_PAGE = 50
PREVIEW_NAMES = 200  # names listed under the preview's count


# -- staff: a course's announcements ---------------------------------------------------------------
@bp.route("/courses/<int:course_id>/announcements")
@allow(*STAFF)
def course_announcements(course_id: int):
    course = course_for(current_user, course_id, teach=True)
    page = paginate(services.of_course(course), PER_PAGE)
    return render_template("messaging/course.html", course=course, page=page,
                           reads=services.read_counts([a.id for a in page.items]))


@bp.route("/courses/<int:course_id>/announcements/new", methods=["GET", "POST"])
@allow(*STAFF)
def compose(course_id: int):
    course = course_for(current_user, course_id, teach=True)
    form = _form(course, prefill())
    if not form.is_submitted():
        return _compose_page(course, form)
    valid = form.validate()
    chosen = form.audience()
    _add_problems(form, services.problems(course, form.subject.data, form.body.data, chosen))
    if not valid or form.errors:
        return _compose_page(course, form, status=400)
    if request.form.get("action") != "send":
        return _compose_page(course, form, recipients=services.recipients(course, chosen))
    try:
        announcement = services.send(course, current_user, form.subject.data, form.body.data,
                                     chosen, form.expected_token())
        jobs.commit()
    except DomainError as refused:
        db.session.rollback()
        return _compose_page(course, form, recipients=services.recipients(course, chosen),
                             refused=explain(refused), status=refused.status)
    flash(ngettext("The announcement is sent to %(num)s person.",
                   "The announcement is sent to %(num)s people.",
                   announcement.recipients_count), "success")
    return redirect(url_for("messaging.announcement", announcement_id=announcement.id))


def _form(course, kept: dict) -> AnnouncementForm:
    form = AnnouncementForm(**kept)
    form.assignment.choices = [("", _("Any assignment"))] + [
        (str(a.id), localize(a.title).text) for a in assignments_of_course(course.id)]
    names = dict(countries(str(get_locale())))
    form.countries.choices = [(code, names.get(code, code))
                              for code in services.audiences.countries_of(course)]
    return form


def _add_problems(form: AnnouncementForm, found: dict) -> None:
    """The services' problems beside their fields, unless the form said the same already."""
    for name, (code, params) in found.items():
        field = form[name]
        if field.errors:
            continue
        message = MESSAGES(code, params)
        field.errors = [*field.errors, message]
        if hasattr(field, "group_errors"):
            field.group_errors = [*field.group_errors, message]


def _compose_page(course, form, recipients=None, refused=None, status=200):
    if recipients is not None:
        form.expected.data = services.token_of(recipients)
    return render_template("messaging/compose.html", course=course, form=form,
                           recipients=recipients, shown=PREVIEW_NAMES, refused=refused,
                           progress_labels=PROGRESS_LABELS), status


# -- one announcement: its recipient reads it, its course's staff see who got it ------------------
# (The page changes nothing: its script posts that it was read; Dismiss marks it read too.)
@bp.route("/announcements/<int:announcement_id>")
@allow(AUTHENTICATED)
def announcement(announcement_id: int):
    found = db.session.get(Announcement, announcement_id)
    if found is None:
        abort(404)
    copy = services.received(found.id, current_user)
    staff = found.course.is_staff(current_user)
    if copy is None and not staff:
        abort(404)
    return render_template(
        "messaging/announcement.html", announcement=found, copy=copy, staff=staff,
        copies=services.copies(found) if staff else [],
        mail_progress=mail_delivery.progress(services.mail_batch(found)) if staff else None,
        audience=_described(found) if staff else [])


def _described(found: Announcement) -> list[tuple[str, str]]:
    """The filters it was sent with, in the reader's words."""
    chosen = services.Audience.from_json(found.audience or {})
    rows = [(_("Enrollment state"), ", ".join(str(ENROLLMENT_STATES.get(s, s))
                                              for s in chosen.states))]
    if chosen.assignment_id is not None:
        assignment = db.session.get(Assignment, chosen.assignment_id)
        title = localize(assignment.title).text if assignment else "?"
        rows.append((_("Assignment"), title))
        if chosen.progress:
            rows.append((_("Progress on that assignment"),
                         str(PROGRESS_LABELS.get(chosen.progress, chosen.progress))))
    rows.append((_("Countries"), ", ".join(country_name(c) for c in chosen.countries)
                 if chosen.countries else _("All")))
    return rows


def _received_or_404(announcement_id: int):
    """The signed-in person's copy of the announcement; anyone else's or none: 404."""
    copy = services.received(announcement_id, current_user)
    if copy is None:
        abort(404)
    return copy


@bp.route("/announcements/<int:announcement_id>/read", methods=["POST"])
@allow(AUTHENTICATED)
def mark_read(announcement_id: int):
    """Posted by the announcement's page when its recipient opens it (announcements.js)."""
    services.mark_read(_received_or_404(announcement_id))
    jobs.commit()
    return "", 204


@bp.route("/announcements/<int:announcement_id>/dismiss", methods=["POST"])
@allow(AUTHENTICATED)
def dismiss(announcement_id: int):
    services.dismiss(_received_or_404(announcement_id))
    jobs.commit()
    return redirect(safe_next(request.form.get("next"), url_for("home.dashboard")), 303)


@bp.route("/announcements")
@allow(AUTHENTICATED)
def mine():
    page = paginate(services.received_by(current_user), PER_PAGE)
    return render_template("messaging/mine.html", page=page)


# -- staff: how they hear of new work ------------------------------------------------------------
@bp.route("/account/notifications", methods=["POST"])
@allow(INSTRUCTOR, COORDINATOR)
def notice_preference():
    form = NoticePreferenceForm()
    if not form.validate_on_submit():
        abort(400)  # one of the offered choices is always checked: only a forged post lands here
    notices.set_preference(current_user, form.delivery.data)
    jobs.commit()
    flash(_("Your choice is saved: %(choice)s", choice=DELIVERY_LABELS[form.delivery.data]),
          "success")
    return redirect(url_for("auth.account") + "#notifications", 303)


def preference_form(user) -> NoticePreferenceForm | None:
    """The account page's form (a template global), for the roles that are told."""
    choice = notices.preference_of(user)
    if choice is None:
        return None
    form = NoticePreferenceForm(formdata=None)
    form.delivery.data = choice
    return form
