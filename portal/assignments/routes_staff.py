"""The course staff's side: assignments of a course, the review queue and review, the zip of
an assignment, extensions, and the participants-by-assignments matrix."""
from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import charts, exports, jobs
from ..access import STAFF, allow
from ..domain_errors import explain, field_errors
from ..extensions import db
from ..i18n import gettext as _, is_country, localize, moment_formatter
from ..protect.web import prefill
from ..storage import StorageUnavailable, get_storage
from ..uploads.checks import UploadRefused
from ..uploads.messages import message as upload_message
from ..urls import url_with_ids
from . import access, deadline_extensions, files, notify, reports, services
from .forms import (
    STATE_LABELS,
    AnswerForm,
    AssignmentForm,
    GrantForm,
    ReviewForm,
    to_utc,
)
from .models import STATES, Assignment, Extension
from .routes import bp
from .services import RuleBroken


@bp.route("/assignments/course/<int:course_id>")
@allow(*STAFF)
def course(course_id: int):
    course = access.course_for_staff(course_id, current_user)
    return render_template("assignments/course.html", course=course,
                           assignments=services.assignments_of_course(course.id))


def _edit(course, assignment, form, status=200, error=None):
    return render_template("assignments/edit.html", course=course, assignment=assignment,
                           form=form, error=error), status


def _save(course, assignment, form):
    if not form.is_submitted():
        return _edit(course, assignment, form)
    valid = form.validate()
    values = form.cleaned(current_user.timezone)
    if not valid:  # the dates' own problems too, every problem at once
        _add_problems(form, services.assignment_problems(course, values))
        return _edit(course, assignment if assignment.id else None, form, 400)
    try:
        services.save_assignment(assignment, values)
        jobs.commit()
    except services.Invalid as invalid:
        db.session.rollback()
        _add_problems(form, invalid.fields)
        return _edit(course, assignment if assignment.id else None, form, invalid.status)
    except RuleBroken as broken:
        db.session.rollback()
        return _edit(course, assignment if assignment.id else None, form, broken.status,
                     explain(broken))
    flash(_("The assignment is saved."), "success")
    return redirect(url_for("assignments.course", course_id=course.id))


def _add_problems(form, problems: dict) -> None:
    """``{field: (code, params)}`` beside their fields (and so in the summary); a field the
    form refused already keeps its own message (what a rule compares was not read)."""
    for name, message in field_errors(services.Invalid(problems)).items():
        if not form[name].errors:
            form[name].errors = [*form[name].errors, message]


@bp.route("/assignments/course/<int:course_id>/new", methods=["GET", "POST"])
@allow(*STAFF)
def create(course_id: int):
    course = access.course_for_staff(course_id, current_user)
    assignment = Assignment(course=course, created_by_id=current_user.id)
    return _save(course, assignment, AssignmentForm(**prefill()))


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(assignment_id: int):
    assignment = access.assignment_for_staff(assignment_id, current_user)
    kept = prefill()  # the text of a post its ended session refused
    form = AssignmentForm(**kept)
    if request.method == "GET" and not kept:
        form.fill_from(assignment, current_user.timezone)
    return _save(assignment.course, assignment, form)


@bp.route("/assignments/<int:assignment_id>/delete", methods=["GET", "POST"])
@allow(*STAFF)
def delete(assignment_id: int):
    """Staff of the course: a page that asks first (or says why it cannot be done), then the
    deletion of an assignment nobody has started."""
    assignment = access.assignment_for_staff(assignment_id, current_user)
    course = assignment.course
    if request.method == "POST":
        try:
            services.delete_assignment(assignment)
            jobs.commit()
        except RuleBroken as refused:
            db.session.rollback()
            return render_template("assignments/delete.html", course=course,
                                   assignment=assignment, started=refused.params["num"],
                                   error=explain(refused)), refused.status
        flash(_("The assignment is deleted."), "success")
        return redirect(url_for("assignments.course", course_id=course.id))
    return render_template("assignments/delete.html", course=course, assignment=assignment,
                           started=services.work_on(assignment), error=None)


# -- review --------------------------------------------------------------------------------------
def _filters(course_id: int) -> dict:
    late = request.args.get("late")
    country = (request.args.get("country") or "").upper()
    assignment_id = request.args.get("assignment", type=int)
    if assignment_id and db.session.get(Assignment, assignment_id) not in \
            services.assignments_of_course(course_id):
        assignment_id = None
    return {"assignment_id": assignment_id,
            "state": request.args.get("state") if request.args.get("state") in STATES else None,
            "country": country if country and is_country(country) else None,
            "late": {"yes": True, "no": False}.get(late)}


@bp.route("/assignments/course/<int:course_id>/queue")
@allow(*STAFF)
def queue(course_id: int):
    course = access.course_for_staff(course_id, current_user)
    filters = _filters(course.id)
    if "state" not in request.args:
        filters["state"] = "submitted"  # what waits for review
    # The rows' links and times: the path built and the reader's zone looked up once a page.
    return render_template("assignments/queue.html", course=course, filters=filters,
                           submissions=reports.queue(course.id, **filters),
                           assignments=services.assignments_of_course(course.id),
                           countries=reports.countries(course.id),
                           review_url=url_with_ids("assignments.review", "submission_id"),
                           submitted=moment_formatter(),
                           STATE_LABELS=STATE_LABELS, STATES=STATES)


def _render_review(submission, form, status=200, error=None, file_problem=None):
    """``file_problem``: why the feedback file was refused, beside its field and in the
    summary with the form's problems."""
    return render_template("assignments/review.html", submission=submission, form=form,
                           version=submission.current, error=error, file_problem=file_problem,
                           deadline=services.deadline_for(submission.assignment,
                                                          submission.user_id),
                           PREVIEW_TYPES=files.PREVIEW_TYPES), status


def _feedback_file():
    """The feedback file posted with the review, or None; and why it is refused, or None."""
    posted = request.files.get("file")
    if not posted or not posted.filename:
        return None, None
    try:
        files.check_feedback_file(current_user, posted)
    except UploadRefused as refused:
        return posted, explain(refused)
    return posted, None


@bp.route("/assignments/submissions/<int:submission_id>/review", methods=["GET", "POST"])
@allow(*STAFF)
def review(submission_id: int):
    submission = access.submission_for_staff(submission_id, current_user)
    form = ReviewForm(**prefill())
    if not form.is_submitted():
        return _render_review(submission, form)
    posted, file_problem = _feedback_file()
    if not form.validate() or file_problem:  # the review's own problems too, all at once
        _add_problems(form, services.review_problems(form.decision.data,
                                                     form.feedback.data or ""))
        return _render_review(submission, form, 400, file_problem=file_problem)
    try:
        version = services.review(submission, current_user, form.decision.data,
                                  form.feedback.data or "")
        if posted is not None:
            files.attach_feedback_file(version, current_user, posted)
        notify.reviewed(version)
        jobs.commit()
    except services.Invalid as invalid:
        db.session.rollback()
        _add_problems(form, invalid.fields)
        return _render_review(submission, form, invalid.status)
    except (RuleBroken, UploadRefused, StorageUnavailable) as exc:
        db.session.rollback()
        return _review_refused(submission, form, exc)
    flash(_("Your review is saved and the participant is told by e-mail."), "success")
    return redirect(url_for("assignments.queue", course_id=submission.assignment.course_id))


def _review_refused(submission, form, exc: Exception):
    """The review page again, saying why the review was not saved: the storage down, the
    feedback file refused (beside its field), or a rule broken."""
    if isinstance(exc, StorageUnavailable):
        return _render_review(submission, form, 400, upload_message("storage_unavailable"))
    if isinstance(exc, UploadRefused):
        return _render_review(submission, form, exc.status, file_problem=explain(exc))
    return _render_review(submission, form, exc.status, explain(exc))


@bp.route("/assignments/<int:assignment_id>/submissions.zip")
@allow(*STAFF)
def download_all(assignment_id: int):
    assignment = access.assignment_for_staff(assignment_id, current_user)
    submissions = reports.queue(assignment.course_id, assignment_id=assignment.id)
    name = "%s-%d-submissions.zip" % (assignment.course.code, assignment.id)
    entries = files.zip_entries(submissions)
    return Response(files.zip_stream(entries, get_storage()), mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="%s"' % name,
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


# -- extensions -----------------------------------------------------------------------------------
def _grant_form(assignment) -> GrantForm:
    # The text of a post its ended session refused (the page holds one form a request too).
    form = GrantForm(**prefill(url_for("assignments.extensions_page",
                                       assignment_id=assignment.id)))
    form.participant.choices = [(p.id, "%s (%s)" % (p.name, p.email))
                                for p in reports.participants(assignment.course_id)]
    return form


def _render_extensions(assignment, form, status=200, error=None, answering=None):
    """``answering``: (request id, its posted AnswerForm) when an answer failed: that request's
    form comes back with what was chosen and typed, its problems beside its fields."""
    answering = answering or (None, None)

    def answer_form(ext):
        if answering[0] == ext.id:
            return answering[1].identify(ext.id)
        kept = prefill(url_for("assignments.answer_extension", extension_id=ext.id))
        return AnswerForm(**kept).identify(ext.id) if kept else \
            AnswerForm(formdata=None).identify(ext.id)

    return render_template("assignments/extensions.html", assignment=assignment, form=form,
                           answering=answering, answer_form=answer_form,
                           requests=deadline_extensions.extensions_of(assignment),
                           error=error), status


def _dates(form) -> tuple:
    zone = current_user.timezone
    return to_utc(form.due_at.data, zone), to_utc(form.cutoff_at.data, zone)


@bp.route("/assignments/<int:assignment_id>/extensions", methods=["GET", "POST"])
@allow(*STAFF)
def extensions_page(assignment_id: int):
    assignment = access.assignment_for_staff(assignment_id, current_user)
    form = _grant_form(assignment)
    if not form.is_submitted():
        return _render_extensions(assignment, form)
    due_at, cutoff_at = _dates(form)
    if not form.validate():  # the dates' own problems too, every problem at once
        _add_problems(form, deadline_extensions.grant_problems(due_at, cutoff_at))
        return _render_extensions(assignment, form, 400)
    try:
        ext = deadline_extensions.grant(assignment, form.participant.data, current_user,
                                        due_at, cutoff_at, form.answer.data or "")
        notify.extension_answered(ext)
        jobs.commit()
    except services.Invalid as invalid:
        db.session.rollback()
        _add_problems(form, invalid.fields)
        return _render_extensions(assignment, form, invalid.status)
    except RuleBroken as broken:
        db.session.rollback()
        return _render_extensions(assignment, form, broken.status, explain(broken))
    flash(_("The extension is granted and the participant is told by e-mail."), "success")
    return redirect(url_for("assignments.extensions_page", assignment_id=assignment.id))


@bp.route("/assignments/extensions/<int:extension_id>", methods=["POST"])
@allow(*STAFF)
def answer_extension(extension_id: int):
    ext = db.session.get(Extension, extension_id)
    if ext is None or not ext.assignment.course.is_staff(current_user):
        abort(404)
    form = AnswerForm()
    assignment = ext.assignment
    due_at, cutoff_at = _dates(form)
    granting = {"grant": True, "refuse": False}.get(form.decision.data)
    if not form.validate():  # the dates' problems beside them too, every problem at once
        _add_problems(form, deadline_extensions.grant_problems(due_at, cutoff_at, granting))
        return _render_extensions(assignment, _grant_form(assignment), 400,
                                  answering=(ext.id, form))
    try:
        ext = deadline_extensions.answer_request(ext, current_user, bool(granting), due_at,
                                                 cutoff_at, form.answer.data or "")
        notify.extension_answered(ext)
        jobs.commit()
    except services.Invalid as invalid:
        db.session.rollback()
        _add_problems(form, invalid.fields)
        return _render_extensions(assignment, _grant_form(assignment), invalid.status,
                                  answering=(ext.id, form))
    except RuleBroken as broken:
        db.session.rollback()
        return _render_extensions(assignment, _grant_form(assignment), broken.status,
                                  explain(broken), answering=(ext.id, form))
    flash(_("Your answer is sent to the participant by e-mail."), "success")
    return redirect(url_for("assignments.extensions_page", assignment_id=assignment.id))


# -- the matrix -----------------------------------------------------------------------------------
def _country_arg() -> str | None:
    country = (request.args.get("country") or "").upper()
    return country if country and is_country(country) else None


@bp.route("/assignments/course/<int:course_id>/matrix")
@allow(*STAFF)
def matrix(course_id: int):
    course = access.course_for_staff(course_id, current_user)
    country = _country_arg()
    m = reports.matrix(course.id, country)
    rows = reports.matrix_rows(m, STATE_LABELS,
                               url_with_ids("assignments.review", "submission_id"))
    completion = reports.completion_by_country(m)
    return render_template("assignments/matrix.html", course=course, m=m, rows=rows,
                           country=country, completion=completion,
                           chart=charts.shares((b.label, b.done, b.total) for b in completion))


@bp.route("/assignments/course/<int:course_id>/matrix.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/assignments/course/<int:course_id>/matrix.csv", defaults={"fmt": "csv"})
@allow(*STAFF)
def matrix_csv(course_id: int, fmt: str):
    course = access.course_for_staff(course_id, current_user)
    m = reports.matrix(course.id, _country_arg())
    table = reports.matrix_sheet(m, [localize(a.title).text for a in m.assignments],
                                 STATE_LABELS, [_("Name"), _("E-mail address"), _("Country")])
    return exports.export([table], course.code + "-matrix", fmt)
