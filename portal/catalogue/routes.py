"""Catalogue pages: the list with filters and search, a course's outline and its General
Information page, the outline form, and the statistics with their CSV exports."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import charts, jobs
from ..access import ADMIN, COORDINATOR, PUBLIC, allow
from ..courses import services as courses
from ..courses.vocabulary import PROGRAM_TYPES, REGIONS, SUBJECTS
from ..domain_errors import explain
from ..extensions import db
from ..i18n import gettext as _
from ..protect.web import prefill
from ..storage.base import ObjectNotFound
from ..uploads import services as uploads
from ..uploads.checks import UploadRefused
from . import documents, exports, services, statistics
from .forms import FIELD_LABELS, OutlineForm
from .models import OUTLINE_FIELDS, series_of

bp = Blueprint("catalogue", __name__)

PER_PAGE = 30


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name, "")
    return value if value in allowed else None


def _filters(facets: dict) -> services.Filters:
    year = request.args.get("fiscal_year", "")
    return services.Filters(
        subject=_choice("subject", SUBJECTS), region=_choice("region", REGIONS),
        program_type=_choice("program_type", PROGRAM_TYPES),
        training_center=_choice("training_center", facets["training_center"]),
        language=_choice("language", facets["language"]),
        fiscal_year=int(year) if year.isdigit() and int(year) in services.published_years()
        else None, text=request.args.get("q", "").strip()[:100])


@bp.route("/catalogue")
@allow(PUBLIC)
def index():
    facets = services.facet_values()
    filters = _filters(facets)
    found = services.catalogue(filters)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max((len(found) + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)
    return render_template("catalogue/index.html", courses=found[(page - 1) * PER_PAGE:
                                                               page * PER_PAGE],
                           total=len(found), page=page, pages=pages, filters=filters,
                           facets=facets, years=services.published_years())


def _course(course_id: int):
    course = services.public_course(course_id, current_user)
    if course is None:
        abort(404)
    return course


@bp.route("/catalogue/<int:course_id>")
@allow(PUBLIC)
def course(course_id: int):
    course = _course(course_id)
    manage = course.can_manage(current_user)
    outline = services.outline_of(course)
    return render_template("catalogue/course.html", course=course, outline=outline,
                           manage=manage, document=documents.document_of(outline),
                           field_labels=FIELD_LABELS, outline_fields=OUTLINE_FIELDS)


@bp.route("/catalogue/<int:course_id>/document")
@allow(PUBLIC)
def document(course_id: int):
    """The stored General Information document, as an attachment."""
    stored = documents.document_of(services.outline_of(_course(course_id)))
    if stored is None or not uploads.may_download(current_user, stored):
        abort(404)
    try:
        return uploads.download_response(stored, force_attachment=True)
    except ObjectNotFound:
        abort(404)


@bp.route("/catalogue/<int:course_id>/general-information")
@allow(PUBLIC)
def general_information(course_id: int):
    course = _course(course_id)
    return render_template("catalogue/general_information.html", course=course,
                           outline=services.outline_of(course), field_labels=FIELD_LABELS,
                           outline_fields=OUTLINE_FIELDS)


@bp.route("/catalogue/<int:course_id>/outline", methods=["GET", "POST"])
@allow(COORDINATOR, ADMIN)
def edit_outline(course_id: int):
    course = courses.course_for(current_user, course_id, manage=True)
    outline = services.outline_of(course)
    kept = prefill()  # the text of a post its ended session refused
    form = OutlineForm(**kept)
    if request.method == "GET" and outline is not None and not kept:
        form.fill(outline)
    valid = form.validate_on_submit()
    if form.is_submitted():
        _check_document(form)  # with the fields' own problems, every problem at once
    if valid and not form.document.errors and _save_outline(course, form):
        jobs.commit()
        flash(_("The catalogue outline is saved."), "success")
        return redirect(url_for("catalogue.course", course_id=course.id))
    return render_template("catalogue/outline_form.html", course=course, form=form,
                           outline_fields=OUTLINE_FIELDS,
                           document=documents.document_of(outline),
                           default_series=series_of(course, None)), 400 if form.errors else 200


def _posted_document(form: OutlineForm):
    posted = form.document.data
    return posted if posted is not None and getattr(posted, "filename", "") else None


def _check_document(form: OutlineForm) -> None:
    """The posted document's problem (its type, its size), beside its field."""
    posted = _posted_document(form)
    if posted is None:
        return
    try:
        documents.check(current_user, posted)
    except UploadRefused as refused:
        form.document.errors = [*form.document.errors, explain(refused)]


def _save_outline(course, form: OutlineForm) -> bool:
    outline = services.save_outline(course, form.content(), form.series.data)
    if form.remove_document.data:
        outline.general_information_id = None
    posted = _posted_document(form)
    if posted is not None:
        try:
            documents.attach(outline, current_user, posted)
        except UploadRefused as refused:
            db.session.rollback()
            form.document.errors = list(form.document.errors) + [explain(refused)]
            return False
    return True


# ------------------------------------------------------------------ statistics


def _year(allowed: list[int]) -> int | None:
    """The fiscal year asked for; none means all years."""
    value = request.args.get("year", "")
    if value == "all":
        return None
    if value.isdigit() and int(value) in allowed:
        return int(value)
    current = services.current_fiscal_year()
    return current if current in allowed or not allowed else allowed[-1]


@bp.route("/statistics")
@allow(PUBLIC)
def stats():
    years = statistics.years()
    year = _year(years)
    subjects = statistics.courses_by_subject(year)
    regions = statistics.participants_by_region(year)
    return render_template(
        "catalogue/statistics.html", years=years, year=year, subjects=subjects, regions=regions,
        subject_chart=charts.counts([(label, n) for _, label, n in subjects.rows if n]),
        region_chart=charts.counts([(label, n) for _, label, n in regions.rows]),
        by_year=statistics.by_year())


@bp.route("/statistics.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/statistics.csv", defaults={"fmt": "csv"})
@allow(PUBLIC)
def stats_csv(fmt: str):
    years = statistics.years()
    year = _year(years)
    table = request.args.get("table", "subjects")
    if table == "regions":
        return exports.table(statistics.participants_by_region(year), _("Region"),
                             _("Participants"), "participants-by-region", year, fmt)
    if table == "years":
        return exports.years(statistics.by_year(), fmt)
    return exports.table(statistics.courses_by_subject(year), _("Subject"), _("Courses"),
                         "courses-by-subject", year, fmt)


@bp.route("/statistics/centers")
@allow(COORDINATOR, ADMIN)
def centers():
    years = statistics.years()
    year = _year(years)
    rows = statistics.by_center(year)
    return render_template(
        "catalogue/centers.html", years=years, year=year, rows=rows,
        course_chart=charts.counts([(c, n) for c, n, _ in rows]),
        people_chart=charts.counts([(c, n) for c, _, n in rows]))


@bp.route("/statistics/centers.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/statistics/centers.csv", defaults={"fmt": "csv"})
@allow(COORDINATOR, ADMIN)
def centers_csv(fmt: str):
    years = statistics.years()
    return exports.centers(statistics.by_center(_year(years)), _year(years), fmt)
