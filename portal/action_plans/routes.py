"""Action plans and progress reports: thin views over services.py and reports.py.

Someone else's plan, report or file answers 404, whoever asks.
"""
from __future__ import annotations

from flask import (Response, abort, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import jobs
from ..access import ADMIN, AUTHENTICATED, COORDINATOR, INSTRUCTOR, PARTICIPANT, allow
from ..auth.models import User
from ..courses.models import Course, Enrollment
from ..courses.vocabulary import SUBJECTS
from ..extensions import db
from ..i18n import country_name, format_moment
from . import bp, overview, reports, services
from .diff import diff_versions
from .models import ACCEPTED, SECTIONS, SUBMITTED, ActionPlan
from .services import Invalid, PlanError

STAFF = (INSTRUCTOR, COORDINATOR, ADMIN)


def _labels() -> dict:
    return {"sections": services.section_labels(), "fields": services.activity_labels(),
            "states": services.state_labels(), "statuses": reports.status_labels()}


# -- the author's plans --------------------------------------------------------------------------
@bp.route("/action-plans")
@allow(PARTICIPANT)
def my_plans():
    rows = services.plans_of(current_user)
    return render_template("action_plans/my_plans.html", rows=rows,
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


def _render_editor(plan, content, language, status=200, errors=None, warnings=None,
                   message=None, reason=None):
    return render_template(
        "action_plans/edit.html", plan=plan, content=content, language=language,
        errors=errors or {}, warnings=warnings or {}, message=message,
        by_section=services.comments_by_section(plan),
        reason=plan.revision_reason if reason is None else reason, **_labels()), status


@bp.route("/action-plans/<int:plan_id>/edit", methods=["GET", "POST"])
@allow(PARTICIPANT)
def edit(plan_id):
    plan = _own_plan(plan_id)
    if request.method == "GET":
        if plan.state not in ("draft", "returned", "revising"):
            return redirect(url_for(".view", plan_id=plan.id))
        return _render_editor(plan, plan.content, plan.language,
                              warnings=services.check_activities(plan.content))
    content, language = services.content_from_form(request.form)
    action = request.form.get("action", "save")
    reason = request.form.get("reason")
    rev = request.form.get("rev")
    try:
        if action == "submit":
            version = services.submit(plan, content, language, current_user, rev, reason)
            jobs.commit()
            flash(_("Version %(number)d of your plan is saved.", number=version.number)
                  if version.status == ACCEPTED else
                  _("Your plan was submitted for review (version %(number)d).",
                    number=version.number), "success")
            return redirect(url_for(".view", plan_id=plan.id))
        if action.startswith("remove-") and action[7:].isdigit():
            index = int(action[7:])
            content["activities"] = [a for i, a in enumerate(content["activities"])
                                     if i != index]
        if reason is not None and plan.state == "revising":
            plan.revision_reason = reason.strip()[:services.MAX_TEXT] or plan.revision_reason
        services.save_draft(plan, content, language, rev)
        jobs.commit()
    except Invalid as invalid:
        db.session.rollback()
        return _render_editor(plan, content, language, 400, errors=invalid.errors,
                              reason=reason)
    except PlanError as refused:
        db.session.rollback()
        return _render_editor(plan, content, language, refused.status, message=refused.message,
                              reason=reason)
    shown = dict(plan.content)
    if action == "add":
        shown["activities"] = list(shown["activities"]) + [services.empty_activity()]
    warnings = services.check_activities(shown)
    flash(_("Draft saved."), "success")
    return _render_editor(plan, shown, plan.language, warnings=warnings)


@bp.route("/action-plans/<int:plan_id>/autosave", methods=["POST"])
@allow(PARTICIPANT)
def autosave(plan_id):
    """The editor's script saves the draft here as the author types (JSON answer)."""
    plan = _own_plan(plan_id)
    content, language = services.content_from_form(request.form)
    try:
        services.save_draft(plan, content, language, request.form.get("rev"))
        if plan.state == "revising" and request.form.get("reason"):
            plan.revision_reason = request.form["reason"].strip()[:services.MAX_TEXT]
        jobs.commit()
    except PlanError as refused:
        db.session.rollback()
        return jsonify(error=refused.message), refused.status
    return jsonify(rev=plan.edit_count, saved=_("Draft saved at %(time)s.",
                                                time=format_moment(plan.updated_at)),
                   warnings=services.check_activities(plan.content))


@bp.route("/action-plans/<int:plan_id>/revise", methods=["POST"])
@allow(PARTICIPANT)
def revise(plan_id):
    plan = _own_plan(plan_id)
    try:
        services.start_revision(plan, request.form.get("reason", ""))
        jobs.commit()
    except (Invalid, PlanError) as refused:
        db.session.rollback()
        message = refused.message if isinstance(refused, PlanError) else \
            refused.errors["reason"]
        return _render_view(plan, "author", status=400 if isinstance(refused, Invalid)
                            else refused.status, revise_error=message,
                            reason=request.form.get("reason", ""))
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.route("/action-plans/<int:plan_id>/revise/cancel", methods=["POST"])
@allow(PARTICIPANT)
def cancel_revision(plan_id):
    plan = _own_plan(plan_id)
    try:
        services.cancel_revision(plan)
        jobs.commit()
        flash(_("The revision was discarded."), "success")
    except PlanError as refused:
        db.session.rollback()
        flash(refused.message, "error")
    return redirect(url_for(".view", plan_id=plan.id))


@bp.route("/action-plans/<int:plan_id>/sharing", methods=["POST"])
@allow(PARTICIPANT)
def sharing(plan_id):
    plan = _own_plan(plan_id)
    services.set_sharing(plan, request.form.get("shared") == "1")
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
    if how == "shared":
        shown = plan.accepted_version
    else:
        shown = plan.latest_version
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
    return _render_view(plan, how)


@bp.route("/action-plans/<int:plan_id>/review", methods=["POST"])
@allow(*STAFF)
def review(plan_id):
    plan = services.plan_for_reviewer(current_user, plan_id)
    if plan is None:
        abort(404)
    typed = {s: request.form.get("comment-%s" % s, "") for s in SECTIONS + ("general",)}
    decision = request.form.get("decision", "comment")
    try:
        services.review(plan, current_user, typed, decision)
        jobs.commit()
    except Invalid as invalid:
        db.session.rollback()
        return _render_view(plan, "reviewer", 400, review_errors=invalid.errors,
                            typed_comments=typed)
    except PlanError as refused:
        db.session.rollback()
        return _render_view(plan, "reviewer", refused.status, review_message=refused.message,
                            typed_comments=typed)
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
    return reports.due_date(plan.course, month)


def _render_report(plan, report, due, typed=None, errors=None, message=None, status=200,
                   readonly=False):
    typed = typed or reports.read_form(report, {})
    return render_template("action_plans/report.html", plan=plan, report=report, due=due,
                           typed=typed, errors=errors or {}, message=message,
                           readonly=readonly, upload_widget=_upload_widget(), **_labels()), status


def _upload_widget():
    """The resumable upload widget, when the upload routes are part of this app."""
    from flask import current_app
    if "uploads.create" not in current_app.view_functions:
        return None
    from ..uploads.purposes import get_purpose
    from ..uploads.services import form_limit
    from ..uploads.messages import format_size
    purpose = get_purpose("plan-evidence")
    return {"purpose": purpose, "form_limit": form_limit(purpose), "format_size": format_size}


@bp.route("/action-plans/<int:plan_id>/reports/<int:month>", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def report(plan_id, month):
    plan, how = _readable(plan_id)
    if how == "shared":
        abort(404)  # reports stay between the author and the course staff
    due = _report_context(plan, month)
    existing = reports.report_of(plan, month)
    if how == "reviewer" or (existing is not None and existing.state == SUBMITTED):
        if existing is None or (how == "reviewer" and existing.state != SUBMITTED):
            return render_template("action_plans/report_missing.html", plan=plan, month=month,
                                   due=due, **_labels())
        if request.method == "POST":
            if how == "reviewer":
                abort(404)
            return _render_report(plan, existing, due, readonly=True, status=409, message=_(
                "This report has been submitted: it can no longer be changed."))
        return _render_report(plan, existing, due, readonly=True)
    try:
        reports.require_open(plan, month)
    except PlanError as refused:
        return render_template("action_plans/report_missing.html", plan=plan, month=month,
                               due=due, message=refused.message, **_labels()), refused.status
    report = existing or reports.new_report(plan, month)
    if request.method == "GET":
        return _render_report(plan, report, due)
    return _save_report(plan, report, due)


def _save_report(plan, report, due):
    from ..storage import StorageUnavailable
    from ..storage.checks import UploadRefused
    from ..uploads import services as uploads
    from ..uploads.messages import message as upload_message

    typed = reports.read_form(report, request.form)
    action = request.form.get("action", "save")
    try:
        if action.startswith("remove-file-") and action[12:].isdigit():
            reports.detach(report, int(action[12:]))
        reports.save(report, typed, submitting=action == "submit")
        files = [f for f in request.files.getlist("evidence") if f and f.filename]
        for f in files:
            reports.attach(report, uploads.store_form_file(current_user, "plan-evidence", f))
        if request.form.get("evidence_id"):
            stored = uploads.claim_file(request.form["evidence_id"], current_user,
                                        "plan-evidence")
            if stored is None:
                raise Invalid({"evidence": upload_message("no_file")})
            reports.attach(report, stored)
        jobs.commit()
    except Invalid as invalid:
        db.session.rollback()
        return _render_report(plan, report, due, typed, invalid.errors, status=400)
    except UploadRefused as refused:
        db.session.rollback()
        return _render_report(plan, report, due, typed,
                              {"evidence": upload_message(refused.code, refused.params)},
                              status=413 if refused.code.startswith("too_large") else 400)
    except StorageUnavailable:
        db.session.rollback()
        return _render_report(plan, report, due, typed,
                              {"evidence": upload_message("storage_unavailable")}, status=503)
    except PlanError as refused:
        db.session.rollback()
        return _render_report(plan, report, due, typed, message=refused.message,
                              status=refused.status)
    if action == "submit":
        flash(_("Your progress report was submitted. Thank you."), "success")
        return redirect(url_for(".view", plan_id=plan.id))
    flash(_("Report saved."), "success")
    return redirect(url_for(".report", plan_id=plan.id, month=report.month))


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
    if course is None or not services.may_review(current_user, course):
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
    chart = overview.chart_svg([(_("All"), total)] + bars, labels,
                               _("Progress of alumni action plans")) if groups else None
    countries = sorted({c for (c,) in db.session.execute(
        select(User.country).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.status == "completed", User.country.is_not(None)))},
        key=lambda c: country_name(c))
    return render_template("action_plans/progress.html", groups=groups, total=total,
                           chart=chart, country=country, subject=subject, countries=countries,
                           statuses=overview.CHART_STATUSES, status_labels=labels)


@bp.route("/action-plans/progress.csv")
@allow(COORDINATOR, ADMIN)
def progress_csv():
    country, subject = _progress_filters()
    groups = overview.progress(current_user, country, subject)
    text = overview.csv_text(groups, lambda c: country_name(c) or c,
                             lambda s: str(SUBJECTS.get(s, s)), reports.status_labels())
    return Response("\ufeff" + text, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="action-plan-progress.csv"'})


# -- the shared collection -------------------------------------------------------------------------
@bp.route("/practice")
@allow(AUTHENTICATED)
def practice():
    allowed = services.is_alumnus(current_user) or current_user.role in STAFF
    q = (request.args.get("q") or "").strip()[:200]
    subject = request.args.get("subject") or None
    found = []
    if allowed:
        query = (select(ActionPlan).join(Enrollment).join(Course).join(User)
                 .where(ActionPlan.shared.is_(True),
                        ActionPlan.versions.any(status=ACCEPTED)))
        for word in q.lower().split()[:8]:
            like = "%" + word.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
            query = query.where(or_(ActionPlan.search_text.like(like, escape="\\"),
                                    Course.code.ilike(like, escape="\\")))
        if subject in SUBJECTS:
            query = query.where(Course.subject == subject)
        found = db.session.scalars(query.order_by(ActionPlan.updated_at.desc()).limit(100)).all()
    return render_template("action_plans/practice.html", allowed=allowed, plans=found, q=q,
                           subject=subject)
