"""Course pages: list, create and edit, staff, enrollment states, imports, CSV export."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..access import ADMIN, AUTHENTICATED, COORDINATOR, INSTRUCTOR, PARTICIPANT, allow
from ..assignments import services as assignments
from ..auth.services import find_user_by_email
from ..domain_errors import explain
from ..extensions import db
from ..i18n import gettext as _, localize, ngettext
from ..mail import delivery as mail_delivery
from ..pager import paginate
from ..protect.web import prefill
from . import exports, imports, rollover as copying, services, years
from .forms import (
    CONTENT_FIELDS,
    CourseForm,
    ImportForm,
    RolloverForm,
    StaffForm,
    StatesForm,
    parse_months,
)
from .links import course_links
from .messages import import_result_message
from .models import Course, EnrollmentImport
from .vocabulary import ENROLLMENT_STATES, PHASES, SUBJECTS

bp = Blueprint("courses", __name__)

PER_PAGE = 50


@bp.route("/courses")
@allow(AUTHENTICATED)
def index():
    if current_user.role == PARTICIPANT:
        items = [(e, services.timeline(e.course)) for e in services.enrollments_of(current_user)]
        return render_template("courses/mine.html", items=items)
    filters = _list_filters()
    page = paginate(services.course_list(current_user, **filters), PER_PAGE)
    return render_template("courses/index.html", page=page, filters=filters,
                           years=services.fiscal_years(current_user),
                           counts=services.enrollment_counts([c.id for c in page.items]))


def _list_filters() -> dict:
    year = request.args.get("fiscal_year", "")
    phase = request.args.get("phase", "")
    subject = request.args.get("subject", "")
    return {"fiscal_year": int(year) if year.isdigit() and len(year) == 4 else None,
            "phase": phase if phase in PHASES else None,
            "subject": subject if subject in SUBJECTS else None,
            "text": request.args.get("q", "")[:100]}


@bp.route("/courses/new", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def create():
    kept = prefill()  # the text of a post its ended session refused
    form = CourseForm(**kept)
    if request.method == "GET" and not kept:
        form.languages.data = ["en"]
        form.report_months.data = "3, 6"
    if _checked(form):
        course = services.save_course(None, _values(form), current_user)
        jobs.commit()
        flash(_("The course %(code)s is created.", code=course.code), "success")
        return redirect(url_for("courses.show", course_id=course.id))
    return _form_page(form, None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def edit(course_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    kept = prefill()
    form = CourseForm(obj=course, **kept)
    if request.method == "GET" and not kept:
        _fill(form, course)
    if _checked(form, course.id):
        services.save_course(course, _values(form), current_user)
        jobs.commit()
        flash(_("The course is saved."), "success")
        return redirect(url_for("courses.show", course_id=course.id))
    return _form_page(form, course)


def _form_page(form: CourseForm, course):
    status = 409 if getattr(form, "conflict", False) else (400 if form.errors else 200)
    return render_template("courses/form.html", form=form, course=course,
                           content_fields=CONTENT_FIELDS), status


def _checked(form: CourseForm, course_id: int | None = None) -> bool:
    """Every problem at once: the fields' own checks, then the dates' order and the code's
    uniqueness, even when a field is wrong (one round trip on a slow link, not three)."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    return _dates_and_code_ok(form, course_id) and valid


def _dates_and_code_ok(form: CourseForm, course_id: int | None = None) -> bool:
    problems = services.date_problems(form.pre_arrival_opens.data, form.arrival.data,
                                      form.departure.data)
    for name, message in problems.items():
        form[name].errors = list(form[name].errors) + [message]
    if course_id is not None:
        _no_report_month_twice(form, course_id)
    code = (form.code.data or "").strip()
    if code and services.code_taken(code, course_id):
        form.code.errors = list(form.code.errors) + [
            _("Another course already has this code.")]
        form.conflict = True
    return not form.errors


def _no_report_month_twice(form: CourseForm, course_id: int) -> None:
    """A report month added where an assignment of the course already falls (a post-return
    assignment counted the same months after the departure) is refused, as the assignment form
    refuses the other way round: alumni would be asked for one report twice. Months the course
    had already are left as they are (older courses may have such pairs: shown once)."""
    try:
        months = parse_months(form.report_months.data or "")
    except ValueError:
        return  # the field's own check says so
    had = db.session.get(Course, course_id).report_months or []
    added = [m for m in months if m not in had]
    lang = str(get_locale())
    for month, found in sorted(assignments.due_at_report_months(course_id, added).items()):
        titles = ", ".join("“%s”" % localize(a.title, lang).text for a in found)
        form.report_months.errors = list(form.report_months.errors) + [_(
            "Month %(month)d already has an assignment due then (%(titles)s): the action "
            "plan's report would ask for the same. Delete or change that assignment first, "
            "or leave this month out.", month=month, titles=titles)]


def _values(form: CourseForm) -> dict:
    values = {name: form[name].data for name in CONTENT_FIELDS}
    values.update(code=form.code.data.strip(), subject=form.subject.data,
                  program_type=form.program_type.data, training_center=form.training_center.data,
                  region=form.region.data or None, languages=list(form.languages.data),
                  pre_arrival_opens=form.pre_arrival_opens.data, arrival=form.arrival.data,
                  departure=form.departure.data,
                  report_months=parse_months(form.report_months.data or ""),
                  fiscal_year=form.fiscal_year.data)  # save_course counts it when empty
    return values


def _fill(form: CourseForm, course) -> None:
    for name in CONTENT_FIELDS:
        form[name].data = getattr(course, name)
    form.region.data = course.region or ""
    form.report_months.data = ", ".join(str(m) for m in course.report_months or [])


@bp.route("/courses/<int:course_id>")
@allow(AUTHENTICATED)
def show(course_id: int):
    course = services.course_for(current_user, course_id)
    return _show_page(course, StaffForm())


def _show_page(course, staff_form: StaffForm, status: int = 200):
    teach = course.is_staff(current_user)
    state = request.args.get("state")
    state = state if state in ENROLLMENT_STATES else None
    previous = course.previous if teach and course.previous_id else None
    return render_template(
        "courses/show.html", course=course, teach=teach,
        manage=course.can_manage(current_user), timeline=services.timeline(course),
        enrollments=services.participants(course, state) if teach else [],
        mine=services.enrollment_of(current_user, course), state=state,
        links=course_links(course, teach), states_form=StatesForm(),
        staff_form=staff_form, years=years.years_of(course, current_user) if teach else [],
        may_remove=partial(services.may_remove_staff, current_user),
        previous=previous if previous and services.can_see(current_user, previous) else None
        ), status


@bp.route("/courses/<int:course_id>/staff", methods=["POST"])
@allow(COORDINATOR, ADMIN)
def add_staff(course_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    form = StaffForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)
        if person is None or person.role != form.kind.data:
            form.email.errors.append(
                _("No instructor account has this e-mail address.") if form.kind.data ==
                "instructor" else _("No coordinator account has this e-mail address."))
        else:
            services.add_staff(course, person, form.kind.data)
            jobs.commit()
            flash(_("%(name)s is now assigned to this course.", name=person.name), "success")
            return redirect(url_for("courses.show", course_id=course.id) + "#staff")
    return _show_page(course, form, 400)


@bp.route("/courses/<int:course_id>/staff/<int:user_id>/remove", methods=["POST"])
@allow(COORDINATOR, ADMIN)
def remove_staff(course_id: int, user_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    kind = request.form.get("kind")
    if kind not in ("instructor", "coordinator"):
        abort(400)
    if not services.may_remove_staff(current_user, kind, user_id):
        flash(_("You cannot remove yourself: ask another coordinator of the course."), "error")
    elif services.remove_staff(course, user_id, kind):
        jobs.commit()
        flash(_("The assignment is removed."), "success")
    return redirect(url_for("courses.show", course_id=course.id) + "#staff")


@bp.route("/courses/<int:course_id>/states", methods=["POST"])
@allow(COORDINATOR, ADMIN)
def change_states(course_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    if request.form.get("action") == "complete":
        changed = services.complete_course(course)
    else:
        form = StatesForm()
        if not form.validate_on_submit():
            abort(400)
        ids = [int(i) for i in request.form.getlist("enrollment") if i.isdigit()]
        if not ids:
            flash(_("Select at least one participant."), "error")
            return redirect(url_for("courses.show", course_id=course.id) + "#participants")
        changed = services.set_states(course, ids, form.state.data)
    jobs.commit()
    flash(ngettext("%(num)s enrollment changed.", "%(num)s enrollments changed.", changed),
          "success")
    return redirect(url_for("courses.show", course_id=course.id) + "#participants")


@bp.route("/courses/<int:course_id>/participants.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/courses/<int:course_id>/participants.csv", defaults={"fmt": "csv"})
@allow(INSTRUCTOR, COORDINATOR, ADMIN)
def export(course_id: int, fmt: str):
    course = services.course_for(current_user, course_id, teach=True)
    return exports.participants(course, services.participants(course), fmt)


@bp.route("/courses/<int:course_id>/import", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def upload(course_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(imports.MAX_BYTES + 1)
        try:
            parsed = imports.read(data)
        except imports.FileProblem as problem:
            form.file.errors.append(explain(problem))
        else:
            record = imports.create(course, parsed.rows, form.file.data.filename or "",
                                    current_user, reading=parsed.reading)
            jobs.commit()
            return redirect(url_for("courses.preview", course_id=course.id,
                                    import_id=record.id))
    return render_template("courses/upload.html", course=course, form=form,
                           max_rows=imports.MAX_ROWS), 400 if form.errors else 200


def _import_for(course, import_id: int) -> EnrollmentImport:
    record = db.session.get(EnrollmentImport, import_id)
    if record is None or record.course_id != course.id:
        abort(404)
    return record


@bp.route("/courses/<int:course_id>/import/<int:import_id>")
@allow(COORDINATOR, ADMIN)
def preview(course_id: int, import_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    record = _import_for(course, import_id)
    rows = imports.check(course, record.rows)
    progress = mail_delivery.progress(imports.mail_batch(record)) if record.confirmed_at \
        else None
    return render_template("courses/preview.html", course=course, record=record, rows=rows,
                           form=ImportForm(), only_problems=request.args.get("problems") == "1",
                           mail_progress=progress)


@bp.route("/courses/<int:course_id>/import/<int:import_id>/confirm", methods=["POST"])
@allow(COORDINATOR, ADMIN)
def confirm(course_id: int, import_id: int):
    course = services.course_for(current_user, course_id, manage=True)
    record = _import_for(course, import_id)
    try:
        result = imports.confirm(record, current_user)
        jobs.commit()
    except imports.AlreadyConfirmed:
        db.session.rollback()
        flash(_("This list was already imported."), "error")
        return redirect(url_for("courses.preview", course_id=course.id,
                                import_id=record.id), 303)
    except IntegrityError:  # someone enrolled one of these people meanwhile
        db.session.rollback()
        flash(_("The enrollments changed while you were importing. Check the preview and "
                "confirm again."), "error")
        return redirect(url_for("courses.preview", course_id=course.id, import_id=record.id))
    flash(import_result_message(result), "success")
    # The mail goes out after the answer (job worker, or the web process's background runner):
    # the import's page shows how far it has got.
    return redirect(url_for("courses.preview", course_id=course.id, import_id=record.id)
                    + "#mail-progress")


# ------------------------------------------------------------------ a course's next year


@bp.route("/courses/<int:course_id>/rollover", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def rollover(course_id: int):
    """The new code and dates; posted, the preview of the copy (nothing written yet)."""
    source = services.course_for(current_user, course_id, manage=True)
    kept = prefill()
    form = RolloverForm(**kept) if kept else RolloverForm(data=copying.proposal(source))
    if request.method == "GET" or "back" in request.form:
        return _rollover_form(source, form)
    plan, ready = _rollover_plan(source, form)
    if not ready:
        return _rollover_form(source, form, plan)
    return render_template("courses/rollover_preview.html", source=source, form=form,
                           plan=plan)


@bp.route("/courses/<int:course_id>/rollover/confirm", methods=["POST"])
@allow(COORDINATOR, ADMIN)
def rollover_confirm(course_id: int):
    source = services.course_for(current_user, course_id, manage=True)
    form = RolloverForm()
    plan, ready = _rollover_plan(source, form)
    made = None if ready else _copy_made(source, form.code.data)
    if ready:
        try:
            course = copying.make(plan, current_user)
            jobs.commit()
        except (copying.RolloverRefused, IntegrityError) as refused:
            db.session.rollback()
            made = _copy_made(source, form.code.data)
            if made is None:
                form.code.errors = list(form.code.errors) + [
                    explain(refused) if isinstance(refused, copying.RolloverRefused)
                    else _("Another course already has this code.")]
                form.conflict = True
                return _rollover_form(source, form, plan)
        else:
            flash(_("%(code)s is made from %(source)s. Check its assignments and dates, then "
                    "enroll its participants.", code=course.code, source=source.code), "success")
            return redirect(url_for("courses.show", course_id=course.id), 303)
    if made is not None:   # confirmed twice (a double click, a reload): made once
        flash(_("This copy was already made: %(code)s.", code=made.code), "info")
        return redirect(url_for("courses.show", course_id=made.id), 303)
    return _rollover_form(source, form, plan)


def _rollover_plan(source, form: RolloverForm):
    """(plan, ready): the plan is made whenever the dates can be read, so that the page lists
    the assignments' problems with the form's own, every problem at once; ready when there
    is none."""
    valid = _checked(form)
    try:
        months = parse_months(form.report_months.data or "")
    except ValueError:
        return None, False
    if not (form.pre_arrival_opens.data and form.arrival.data and form.departure.data):
        return None, False
    plan = copying.plan(source, copying.NewYear(
        code=(form.code.data or "").strip(), pre_arrival_opens=form.pre_arrival_opens.data,
        arrival=form.arrival.data, departure=form.departure.data, report_months=months,
        fiscal_year=form.fiscal_year.data))
    return plan, valid and not plan.problems


def _copy_made(source, code: str | None) -> Course | None:
    code = (code or "").strip()
    return next((c for c in copying.copies_of(source) if c.code.lower() == code.lower()), None)


def _rollover_form(source, form: RolloverForm, plan=None):
    problems = plan.problems if plan is not None else []
    status = 409 if getattr(form, "conflict", False) else (
        400 if form.errors or problems else 200)
    return render_template("courses/rollover.html", source=source, form=form,
                           problems=problems, copies=copying.copies_of(source),
                           explain=explain), status
