"""Action plans and progress reports: thin views over services.py and reports.py.

Someone else's plan, report or file answers 404, whoever asks.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_, select

from .. import charts, dates, exports, jobs
from ..access import ADMIN, AUTHENTICATED, COORDINATOR, PARTICIPANT, STAFF, allow
from ..auth.models import User
from ..courses.models import Course, Enrollment
from ..courses.vocabulary import SUBJECTS
from ..domain_errors import DomainError, describe, explain, flash_error
from ..extensions import db
from ..i18n import country_name, format_moment, gettext as _
from ..protect.web import prefill
from ..storage import StorageUnavailable
from ..uploads.checks import UploadRefused
from . import overview, reports, services
from .diff import diff_versions
from .forms import PlanForm, ReviewForm, RevisionForm, SharingForm, report_form
from .messages import words
from .models import ACCEPTED, EDITABLE, SUBMITTED, ActionPlan
from .services import PlanError

bp = Blueprint("action_plans", __name__, cli_group=None)



def _labels() -> dict:
    return {"sections": services.section_labels(), "fields": services.activity_labels(),
            "states": services.state_labels(), "statuses": reports.status_labels()}


# -- the author's plans --------------------------------------------------------------------------
@bp.route("/action-plans")
@allow(PARTICIPANT)
def my_plans():
    rows = services.plans_of(current_user)
    work = reports.work_for([plan for _e, plan in rows if plan and plan.accepted_version])
    return render_template("action_plans/my_plans.html", rows=rows, work=work,
                           schedule=reports.schedule, **_labels())


@bp.route("/action-plans/start/<int:enrollment_id>", methods=["POST"])
@allow(PARTICIPANT)
def start(enrollment_id):
    enrollment = services.own_enrollment(current_user, enrollment_id)
    if enrollment is None:
        abort(404)
    plan = services.start_plan(enrollment, current_user.language)
    jobs.commit()
    return redirect(url_for(".edit", plan_id=plan.id))


def _own_plan(plan_id: int) -> ActionPlan:
    plan = services.plan_for_author(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


def _render_editor(plan, content, language, refused: DomainError | None = None, reason=None):
    """The editor showing ``content`` as typed, with every problem at once: the refusal's
    (field errors or one message), and the date warnings a draft is kept with."""
    errors, message = describe(refused) if refused is not None else ({}, None)
    return render_template(
        "action_plans/edit.html", plan=plan, content=content, language=language,
        errors=errors, warnings=words(services.check_activities(content)), message=message,
        by_section=services.comments_by_section(plan),
        reason=plan.revision_reason if reason is None else reason,
        **_labels()), refused.status if refused is not None else 200


@bp.route("/action-plans/<int:plan_id>/edit", methods=["GET", "POST"])
@allow(PARTICIPANT)
def edit(plan_id):
    plan = _own_plan(plan_id)
    if request.method == "GET":
        if plan.state not in EDITABLE:
            return redirect(url_for(".view", plan_id=plan.id))
        kept = prefill()  # the text of a post its ended session refused
        if kept:
            form = PlanForm(**kept)
            return _render_editor(plan, form.content(), form.language.data or plan.language,
                                  reason=form.reason.data)
        return _render_editor(plan, plan.content, plan.language)
    form = PlanForm()
    content, language, reason = form.content(), form.language.data, form.reason.data
    try:
        if form.action.data == "submit":
            return _submit(plan, form, content)
        services.save_draft(plan, content, language, form.rev.data, reason)
        jobs.commit()
    except DomainError as refused:
        db.session.rollback()
        return _render_editor(plan, content, language, refused, reason=reason)
    shown = dict(plan.content)
    if form.action.data == "add":
        shown["activities"] = list(shown["activities"]) + [services.empty_activity()]
    flash(_("Draft saved."), "success")
    return _render_editor(plan, shown, plan.language)


def _submit(plan, form: PlanForm, content: dict):
    version = services.submit(plan, content, form.language.data, current_user, form.rev.data,
                              form.reason.data)
    jobs.commit()
    flash(_("Version %(number)d of your plan is saved.", number=version.number)
          if version.status == ACCEPTED else
          _("Your plan was submitted for review (version %(number)d).", number=version.number),
          "success")
    return redirect(url_for(".view", plan_id=plan.id))


@bp.route("/action-plans/<int:plan_id>/autosave", methods=["POST"])
@allow(PARTICIPANT)
def autosave(plan_id):
    """The editor's script saves the draft here as the author types (JSON answer)."""
    plan = _own_plan(plan_id)
    form = PlanForm()
    try:
        services.save_draft(plan, form.content(), form.language.data, form.rev.data,
                            form.reason.data)
        jobs.commit()
    except DomainError as refused:
        db.session.rollback()
        return jsonify(error=explain(refused)), refused.status
    return jsonify(rev=plan.edit_count, saved=_("Draft saved at %(time)s.",
                                                time=format_moment(plan.updated_at)),
                   warnings=words(services.check_activities(plan.content)))


@bp.route("/action-plans/<int:plan_id>/revise", methods=["POST"])
@allow(PARTICIPANT)
def revise(plan_id):
    plan = _own_plan(plan_id)
    form = RevisionForm()
    try:
        services.start_revision(plan, form.reason.data)
        jobs.commit()
    except DomainError as refused:
        db.session.rollback()
        errors, message = describe(refused)
        return _render_view(plan, "author", refused.status, reason=form.reason.data,
                            revise_error=errors.get("reason", message))
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.route("/action-plans/<int:plan_id>/revise/cancel", methods=["POST"])
@allow(PARTICIPANT)
def cancel_revision(plan_id):
    plan = _own_plan(plan_id)
    try:
        services.cancel_revision(plan)
        jobs.commit()
        flash(_("The revision was discarded."), "success")
    except DomainError as refused:
        db.session.rollback()
        flash_error(refused)
    return redirect(url_for(".view", plan_id=plan.id))


@bp.route("/action-plans/<int:plan_id>/sharing", methods=["POST"])
@allow(PARTICIPANT)
def sharing(plan_id):
    plan = _own_plan(plan_id)
    services.set_sharing(plan, SharingForm().shared.data == "1")
    jobs.commit()
    flash(_("Your plan is now shared with other alumni.") if plan.shared else
          _("Your plan is now private to you and the course staff."), "success")
    return redirect(url_for(".view", plan_id=plan.id))


# -- reading ------------------------------------------------------------------------------------
def _readable(plan_id: int) -> tuple[ActionPlan, str]:
    plan, how = services.plan_for_reader(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan, how


def _render_view(plan, how, status=200, **extra):
    versions = services.readable_versions(plan, how)
    shown = plan.accepted_version if how == "shared" else plan.latest_version
    context = dict(plan=plan, how=how, versions=versions, shown=shown,
                   comments=services.comments_by_section(plan) if how != "shared" else {},
                   schedule=reports.schedule(plan) if how != "shared" else [],
                   review_errors={}, typed_comments={}, **_labels())
    context.update(extra)
    return render_template("action_plans/view.html", **context), status


@bp.route("/action-plans/<int:plan_id>")
@allow(AUTHENTICATED)
def view(plan_id):
    plan, how = _readable(plan_id)
    kept = prefill() if how == "reviewer" else {}  # comments refused as the session ended
    return _render_view(plan, how, **({"typed_comments": ReviewForm(**kept).comments()}
                                      if kept else {}))


@bp.route("/action-plans/<int:plan_id>/review", methods=["POST"])
@allow(*STAFF)
def review(plan_id):
    plan = services.plan_for_reviewer(current_user, plan_id)
    if plan is None:
        abort(404)
    form = ReviewForm()
    typed, decision = form.comments(), form.decision.data
    try:
        services.review(plan, current_user, typed, decision)
        jobs.commit()
    except DomainError as refused:
        db.session.rollback()
        errors, message = describe(refused)
        return _render_view(plan, "reviewer", refused.status, review_errors=errors,
                            review_message=message, typed_comments=typed)
    flash({"accept": _("The plan is accepted."), "return": _("The plan was returned to its "
                                                             "author."),
           "comment": _("Your comments were saved.")}[decision], "success")
    return redirect(url_for(".view", plan_id=plan.id))


def _version(plan_id: int, number: int):
    plan, how = _readable(plan_id)
    version = services.version_of(plan, number)
    if version is None or version not in services.readable_versions(plan, how):
        abort(404)
    return plan, how, version


@bp.route("/action-plans/<int:plan_id>/versions/<int:number>")
@allow(AUTHENTICATED)
def version(plan_id, number):
    plan, how, version = _version(plan_id, number)
    return render_template("action_plans/version.html", plan=plan, how=how, version=version,
                           **_labels())


@bp.route("/action-plans/<int:plan_id>/versions/<int:number>/pdf")
@allow(AUTHENTICATED)
def version_pdf(plan_id, number):
    from . import pdf
    plan, _how, version = _version(plan_id, number)
    data = pdf.render(version)
    name = "action-plan-%s-v%d.pdf" % (plan.course.code.lower(), version.number)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="%s"' % name,
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@bp.route("/action-plans/<int:plan_id>/diff")
@allow(AUTHENTICATED)
def diff(plan_id):
    plan, how = _readable(plan_id)
    versions = services.readable_versions(plan, how)
    if len(versions) < 2:
        return render_template("action_plans/diff.html", plan=plan, versions=versions,
                               changes=None, old=None, new=None)
    numbers = [v.number for v in versions]
    old_n = request.args.get("from", type=int, default=numbers[-2])
    new_n = request.args.get("to", type=int, default=numbers[-1])
    if old_n not in numbers or new_n not in numbers:
        abort(404)
    old, new = services.version_of(plan, old_n), services.version_of(plan, new_n)
    return render_template("action_plans/diff.html", plan=plan, versions=versions, old=old,
                           new=new, changes=diff_versions(old.content, new.content))


# -- progress reports ------------------------------------------------------------------------------
def _report_context(plan, month):
    if month not in (plan.course.report_months or []):
        abort(404)
    return dates.report_due(plan.course, month)


def _render_report(plan, report, due, typed=None, refused=None, status=200, readonly=False,
                   message=None):
    errors = {}
    if refused is not None:
        (errors, message), status = _report_problems(refused), _refused_status(refused)
    # The report month, with the assignments that are this same report (Due.assignments).
    month = next(d for d in reports.schedule(plan) if d.month == report.month)
    return render_template("action_plans/report.html", plan=plan, report=report, due=due,
                           typed=typed, errors=errors, message=message, month=month,
                           author=services.is_author(current_user, plan),
                           readonly=readonly, upload_widget=_upload_widget(), **_labels()), status


def _refused_status(refused) -> int:
    return 503 if isinstance(refused, StorageUnavailable) else refused.status


def _report_problems(refused) -> tuple[dict, str | None]:
    """A refused file is told next to the file field; the rest as the rules word it."""
    from ..uploads.messages import message as upload_message
    if isinstance(refused, StorageUnavailable):
        return {"evidence": upload_message("storage_unavailable")}, None
    if isinstance(refused, UploadRefused):
        return {"evidence": explain(refused)}, None
    return describe(refused)


def _upload_widget():
    """The resumable upload widget, when the upload routes are part of this app."""
    from flask import current_app
    if "uploads.create" not in current_app.view_functions:
        return None
    from ..uploads.purposes import get_purpose
    from ..uploads.services import form_limit
    purpose = get_purpose("plan-evidence")
    return {"purpose": purpose, "form_limit": form_limit(purpose)}


@bp.route("/action-plans/<int:plan_id>/reports/<int:month>", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def report(plan_id, month):
    plan, how = _readable(plan_id)
    if how == "shared":
        abort(404)  # reports stay between the author and the course staff
    due = _report_context(plan, month)
    existing = reports.report_of(plan, month)
    if how == "reviewer" or (existing is not None and existing.state == SUBMITTED):
        return _submitted_report(plan, how, existing, month, due)
    try:
        reports.require_open(plan, month)
    except PlanError as refused:
        return render_template("action_plans/report_missing.html", plan=plan, month=month,
                               due=due, message=explain(refused), **_labels()), refused.status
    report = existing or reports.new_report(plan, month)
    form = report_form(report, **prefill())
    if request.method == "GET":
        return _render_report(plan, report, due, form.typed(report))
    return _save_report(plan, report, due, form)


def _submitted_report(plan, how, report, month, due):
    """A submitted report, read only; staff see nothing of a report not yet submitted."""
    if report is None or (how == "reviewer" and report.state != SUBMITTED):
        return render_template("action_plans/report_missing.html", plan=plan, month=month,
                               due=due, **_labels())
    if request.method == "POST":
        if how == "reviewer":
            abort(404)
        return _render_report(plan, report, due, readonly=True, status=409,
                              message=explain(PlanError("report_submitted")))
    return _render_report(plan, report, due, readonly=True)


def _save_report(plan, report, due, form):
    typed = form.typed(report)
    try:
        _record_report(report, form, typed)
        jobs.commit()
    except (DomainError, StorageUnavailable) as refused:
        db.session.rollback()
        if _autosaving(form):
            errors, message = _report_problems(refused)
            return jsonify(error=message or " ".join(errors.values())), \
                _refused_status(refused)
        return _render_report(plan, report, due, typed, refused)
    if _autosaving(form):  # the page's script saves the draft as the author types
        return jsonify(saved=_("Draft saved at %(time)s.", time=format_moment(report.updated_at)))
    if form.action.data == "submit":
        flash(_("Your progress report was submitted. Thank you."), "success")
        return redirect(url_for(".view", plan_id=plan.id))
    flash(_("Report saved."), "success")
    return redirect(url_for(".report", plan_id=plan.id, month=report.month))


def _autosaving(form) -> bool:
    return form.action.data == "save" and request.accept_mimetypes.best == "application/json"


def _record_report(report, form, typed) -> None:
    """Remove a file if asked, save what was typed, then attach the files sent."""
    from ..uploads import services as uploads
    removed = None
    if form.removed_file() is not None:
        removed = next((f.file_id for f in report.files if f.id == form.removed_file()), None)
        reports.detach(report, form.removed_file())
    reports.save(report, typed, submitting=form.action.data == "submit")
    for posted in request.files.getlist("evidence"):
        if posted and posted.filename:
            reports.attach(report, uploads.store_form_file(current_user, "plan-evidence",
                                                           posted))
    if form.evidence_id.data and form.evidence_id.data != str(removed):  # not put back
        stored = uploads.claim_file(form.evidence_id.data, current_user, "plan-evidence")
        if stored is None:
            raise UploadRefused("no_file")
        reports.attach(report, stored)


@bp.route("/action-plans/<int:plan_id>/reports/<int:month>/files/<int:file_id>/remove",
          methods=["POST"])
@allow(PARTICIPANT)
def remove_evidence(plan_id, month, file_id):
    """Take a file off the report draft (the upload widget's Remove button; also without
    JavaScript). The text of the report is not touched."""
    try:
        report = reports.draft_for(current_user, plan_id, month)
        reports.detach_file(report, file_id)
        jobs.commit()
    except PlanError as refused:
        db.session.rollback()
        if refused.status == 404:
            abort(404)
        flash_error(refused)
        return redirect(url_for(".report", plan_id=plan_id, month=month))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(removed=file_id)
    flash(_("The file is removed from your report."), "success")
    return redirect(url_for(".report", plan_id=plan_id, month=month))


@bp.route("/action-plans/<int:plan_id>/reports/<int:month>/files/<int:file_id>")
@allow(AUTHENTICATED)
def evidence(plan_id, month, file_id):
    from ..uploads.services import download_response
    plan, how = _readable(plan_id)
    report = reports.report_of(plan, month) if how != "shared" else None
    row = next((f for f in report.files if f.file_id == file_id), None) if report else None
    if row is None or (how == "reviewer" and report.state != SUBMITTED):
        abort(404)
    return download_response(row.file, force_attachment=True)


# -- staff ---------------------------------------------------------------------------------------
@bp.route("/action-plans/courses")
@allow(*STAFF)
def courses():
    return render_template("action_plans/courses.html",
                           courses=overview.reviewable_courses(current_user))


@bp.route("/action-plans/courses/<int:course_id>")
@allow(*STAFF)
def course_plans(course_id):
    course = db.session.get(Course, course_id)
    if course is None or not course.is_staff(current_user):
        abort(404)
    return render_template("action_plans/course.html", course=course,
                           rows=overview.course_table(course), **_labels())


def _progress_filters():
    country = (request.args.get("country") or "").upper()[:2] or None
    subject = request.args.get("subject") or None
    if subject and subject not in SUBJECTS:
        subject = None
    return country, subject


@bp.route("/action-plans/progress")
@allow(COORDINATOR, ADMIN)
def progress():
    country, subject = _progress_filters()
    groups = overview.progress(current_user, country, subject)
    labels = reports.status_labels()
    bars = [("%s · %s" % (country_name(g.country) or "—", SUBJECTS.get(g.subject, g.subject)), g)
            for g in groups]
    total = overview.totals(groups)
    chart = charts.stacked(
        ((name, [g.counts[s] for s in overview.CHART_STATUSES])
         for name, g in [(_("All"), total), *bars]),
        [labels[s] for s in overview.CHART_STATUSES], _("no report yet"))
    countries = sorted({c for (c,) in db.session.execute(
        select(User.country).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.is_alumnus, User.country.is_not(None)))},
        key=country_name)
    return render_template("action_plans/progress.html", groups=groups, total=total,
                           chart=chart, country=country, subject=subject, countries=countries,
                           statuses=overview.CHART_STATUSES, status_labels=labels)


@bp.route("/action-plans/progress.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/action-plans/progress.csv", defaults={"fmt": "csv"})
@allow(COORDINATOR, ADMIN)
def progress_csv(fmt: str):
    country, subject = _progress_filters()
    groups = overview.progress(current_user, country, subject)
    table = overview.sheet(groups, lambda c: country_name(c) or c,
                           lambda s: str(SUBJECTS.get(s, s)), reports.status_labels())
    return exports.export([table], "action-plan-progress", fmt)


# -- the shared collection -------------------------------------------------------------------------
@bp.route("/practice")
@allow(AUTHENTICATED)
def practice():
    allowed = services.may_browse_shared(current_user)
    q = (request.args.get("q") or "").strip()[:200]
    subject = request.args.get("subject") or None
    found = []
    if allowed:
        query = (select(ActionPlan).join(Enrollment).join(Course).join(User)
                 .where(ActionPlan.shared.is_(True),
                        ActionPlan.versions.any(status=ACCEPTED)))
        for word in q.lower().split()[:8]:
            query = query.where(or_(ActionPlan.search_text.contains(word, autoescape=True),
                                    Course.code.icontains(word, autoescape=True)))
        if subject in SUBJECTS:
            query = query.where(Course.subject == subject)
        found = db.session.scalars(query.order_by(ActionPlan.updated_at.desc()).limit(100)).all()
    return render_template("action_plans/practice.html", allowed=allowed, plans=found, q=q,
                           subject=subject)
