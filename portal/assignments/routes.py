"""The participant's side: their assignments, the work page (draft, files, submit), receipts,
versions, files and extension requests."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..access import AUTHENTICATED, PARTICIPANT, allow
from ..domain_errors import explain, field_errors
from ..extensions import db
from ..i18n import format_moment, gettext as _
from ..protect.web import prefill
from ..storage import StorageUnavailable
from ..uploads.checks import UploadRefused
from ..uploads.messages import message as upload_message
from . import access, deadline_extensions, files, notify, services
from .forms import ExtensionRequestForm, WorkForm, to_utc
from .models import DRAFT, RETURNED, SUBMITTED, SubmissionFile
from .page_data import my_assignments, work_context
from .services import RuleBroken
from .timing import moments_for

bp = Blueprint("assignments", __name__, cli_group=None)


@bp.route("/assignments")
@allow(PARTICIPANT)
def mine():
    return render_template("assignments/mine.html", rows=my_assignments(current_user))


def _render_work(assignment, form=None, error=None, status=200, ext_form=None,
                 file_problem=None, draft_saved=False, **known):
    """``error``: one message for the page (a rule, the storage down); field problems are on
    the forms' fields, and ``file_problem`` beside the file field: all in the summary.
    ``known``: what the caller read already (``submission``)."""
    context = work_context(assignment, current_user, form or WorkForm(), ext_form, **known)
    return render_template("assignments/work.html", error=error, file_problem=file_problem,
                           draft_saved=draft_saved, **context), status


@bp.route("/assignments/<int:assignment_id>")
@allow(PARTICIPANT)
def work(assignment_id: int):
    assignment = access.assignment_for_participant(assignment_id, current_user)
    # The text of a post its ended session refused: each of the page's forms takes its own.
    kept = prefill(url_for("assignments.save_work", assignment_id=assignment.id))
    form = WorkForm(**kept)
    ext_form = ExtensionRequestForm(**prefill(url_for("assignments.request_extension",
                                                      assignment_id=assignment.id)))
    submission = services.find_submission(assignment, current_user.id)
    if submission and submission.current and not kept:
        form.text.data = submission.current.text
    return _render_work(assignment, form, ext_form=ext_form, submission=submission)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _attach(assignment, version) -> None:
    if request.form.get("file_id"):
        files.attach_uploaded_file(assignment, version, current_user, request.form["file_id"])
    elif request.files.get("file") and request.files["file"].filename:
        files.attach_posted_file(assignment, version, current_user, request.files["file"])


@bp.route("/assignments/<int:assignment_id>", methods=["POST"])
@allow(PARTICIPANT)
def save_work(assignment_id: int):
    """Save the draft (the autosave posts here too), add a file, or submit. The text is
    committed first, so a refused or failed upload never loses it."""
    assignment = access.assignment_for_participant(assignment_id, current_user)
    form = WorkForm()
    submitting = request.form.get("action") == "submit"
    if not form.validate_on_submit():
        return _work_refused(assignment, form, submitting)
    text = form.text.data or ""
    again = _handed_in_already(assignment, text)
    if again is not None:
        return again
    try:
        version = _save_draft(assignment, text)
    except RuleBroken as broken:
        db.session.rollback()
        return _draft_refused(assignment, form, broken)
    if _wants_json():  # the autosave
        return jsonify(saved_at=version.draft_saved_at.isoformat(),
                       message=_("Draft saved at %(time)s.",
                                 time=format_moment(version.draft_saved_at)))
    refused = _attach_file(assignment, version, form, submitting)
    if refused is not None:
        return refused
    if submitting:
        return _submit(assignment, form, text)
    flash(_("Your draft is saved."), "success")
    return redirect(url_for("assignments.work", assignment_id=assignment.id))


def _work_refused(assignment, form, submitting: bool):
    """The form refused the post: the autosave hears why; a hand-in whose text was refused
    learns what else it lacks; else the page again."""
    if _wants_json():
        return jsonify(error=" ".join(e for errs in form.errors.values() for e in errs)), 400
    if submitting and not form.csrf_token.errors:  # the text refused: what else is wrong
        return _refused_hand_in(assignment, form)
    return _render_work(assignment, form, status=400)


def _draft_refused(assignment, form, broken: RuleBroken):
    """A rule of ``services.save_draft`` refused the draft: said to the autosave, or on the
    page."""
    if _wants_json():
        return jsonify(error=explain(broken)), broken.status
    return _render_work(assignment, form, explain(broken), broken.status)


def _attach_file(assignment, version, form, submitting: bool):
    """Add the file sent with the post; the page again if it was refused (beside the file
    field, with the hand-in's other problems when submitting), else None."""
    try:
        _attach(assignment, version)
        jobs.commit()
    except StorageUnavailable as exc:
        db.session.rollback()
        return _render_work(assignment, form, _upload_error(exc), 400)
    except (UploadRefused, RuleBroken) as exc:
        db.session.rollback()
        if submitting:
            return _refused_hand_in(assignment, form, _upload_error(exc))
        return _render_work(assignment, form, status=400, file_problem=_upload_error(exc))
    return None


def _handed_in_already(assignment, text: str):
    """The same hand-in sent again (its acknowledgement was lost: a dropped connection, a
    server restarted at that moment): the receipt of what is already handed in, not an error."""
    new_file = request.form.get("file_id") or (request.files.get("file") and
                                               request.files["file"].filename)
    if request.form.get("action") != "submit" or new_file or _wants_json():
        return None
    submission = services.find_submission(assignment, current_user.id)
    current = submission.current if submission else None
    if current is None or current.state != SUBMITTED or current.text != text:
        return None
    flash(_("This work was already handed in: here is its receipt."), "info")
    return redirect(url_for("assignments.receipt", submission_id=current.submission_id,
                            number=current.number))


def _save_draft(assignment, text: str):
    """Save and commit the text. An autosave and a click may race to create the first draft:
    the loser of the unique key tries once more, and finds the winner's row."""
    for attempt in (1, 2):
        try:
            version = services.save_draft(assignment, current_user, text)
            jobs.commit()
            return version
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    return None  # not reached: the second attempt returns or raises


def _upload_error(exc) -> str:
    if isinstance(exc, UploadRefused):
        return _("The file was not added: %(reason)s Your text is saved.", reason=explain(exc))
    reason = upload_message("storage_unavailable") if isinstance(exc, StorageUnavailable) \
        else explain(exc)
    return reason + " " + _("Your text is saved.")


def _submit(assignment, form, text):
    try:
        version = services.submit(assignment, current_user, text, bool(form.statement.data))
        notify.receipt(version)
        jobs.commit()
    except services.Invalid as invalid:
        db.session.rollback()
        return _hand_in_page(assignment, form, field_errors(invalid), draft_saved=True)
    except RuleBroken as broken:
        db.session.rollback()
        return _render_work(assignment, form, explain(broken) + " " +
                            _("Your text is saved as a draft."), broken.status)
    return redirect(url_for("assignments.receipt", submission_id=version.submission_id,
                            number=version.number))


def _refused_hand_in(assignment, form, file_problem: str | None = None):
    """A hand-in whose text or file was refused first: the page says also what else it lacks
    (the rest of ``services.hand_in_problems``), every problem at once."""
    submission = services.find_submission(assignment, current_user.id)
    current = submission.current if submission else None
    problems = field_errors(services.Invalid(services.hand_in_problems(
        assignment, current.attachments if current else [], form.text.data or "",
        bool(form.statement.data))))
    if file_problem:  # what was wrong with the file sent, rather than "no file"
        problems["file"] = file_problem
    return _hand_in_page(assignment, form, problems, draft_saved=False)


def _hand_in_page(assignment, form, problems: dict[str, str], draft_saved: bool):
    for name in ("text", "statement"):  # beside their fields, and in the summary
        if name in problems:
            form[name].errors = [*form[name].errors, problems[name]]
    return _render_work(assignment, form, status=400, file_problem=problems.get("file"),
                        draft_saved=draft_saved)


@bp.route("/assignments/<int:assignment_id>/files/<int:link_id>/remove", methods=["POST"])
@allow(PARTICIPANT)
def remove_file(assignment_id: int, link_id: int):
    """Remove a file from the draft; after a return, from the files the new version carries
    over (that starts the new draft). Also the upload widget's Remove button."""
    assignment = access.assignment_for_participant(assignment_id, current_user)
    if not WorkForm().validate_on_submit():
        abort(400)
    try:
        files.remove_from_work(assignment, current_user, link_id)
    except RuleBroken:
        abort(404)
    jobs.commit()
    if _wants_json():
        return jsonify(removed=link_id)
    flash(_("The file is removed from your draft."), "success")
    return redirect(url_for("assignments.work", assignment_id=assignment.id))


@bp.route("/assignments/<int:assignment_id>/extension", methods=["POST"])
@allow(PARTICIPANT)
def request_extension(assignment_id: int):
    assignment = access.assignment_for_participant(assignment_id, current_user)
    ext_form = ExtensionRequestForm()
    if not ext_form.validate_on_submit():
        return _render_work(assignment, ext_form=ext_form, status=400)
    try:
        deadline_extensions.request_extension(assignment, current_user, ext_form.reason.data,
                                     to_utc(ext_form.wanted.data, current_user.timezone))
        jobs.commit()
    except RuleBroken as broken:
        db.session.rollback()
        return _render_work(assignment, ext_form=ext_form, status=broken.status,
                            error=explain(broken))
    flash(_("Your request is sent. You will receive the answer by e-mail."), "success")
    return redirect(url_for("assignments.work", assignment_id=assignment.id))


# -- shared by the participant and the course's staff ---------------------------------------------
def _version(submission_id: int, number: int):
    submission = access.submission_for_viewer(submission_id, current_user)
    version = services.version_of(submission, number)
    if version is None:
        abort(404)
    return submission, version


@bp.route("/assignments/submissions/<int:submission_id>/v<int:number>/receipt")
@allow(AUTHENTICATED)
def receipt(submission_id: int, number: int):
    submission, version = _version(submission_id, number)
    if version.submitted_at is None:
        abort(404)
    when = moments_for(version.submitted_at, current_user.timezone, str(get_locale()))
    return render_template("assignments/receipt.html", submission=submission, version=version,
                           when=when)


@bp.route("/assignments/submissions/<int:submission_id>/v<int:number>")
@allow(AUTHENTICATED)
def version(submission_id: int, number: int):
    submission, version = _version(submission_id, number)
    if version.state == DRAFT and submission.user_id != current_user.id:
        abort(404)  # a draft is the participant's own until handed in
    return render_template("assignments/version.html", submission=submission, version=version,
                           is_owner=submission.user_id == current_user.id, RETURNED=RETURNED)


@bp.route("/assignments/files/<int:link_id>")
@allow(AUTHENTICATED)
def file(link_id: int):
    """A submitted or feedback file, for whoever may see its submission (else 404)."""
    link = db.session.get(SubmissionFile, link_id)
    if link is None or not access.may_read_file(current_user, link):
        abort(404)
    return files.download(link, preview=request.args.get("preview") == "1")
