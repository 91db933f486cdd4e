"""Library pages for instructors and coordinators: upload, edit, subtitles, retry, statistics."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import charts, jobs
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, allow
from ..domain_errors import explain
from ..extensions import db
from ..i18n import format_month, gettext as _, language_name
from ..protect.web import prefill
from ..storage import StorageUnavailable
from ..uploads.checks import UploadRefused
from ..uploads.messages import message
from ..uploads.purposes import get_purpose
from ..uploads.services import form_limit
from . import manage
from .forms import MaterialForm, SubtitleForm
from .messages import MESSAGES as LIBRARY_MESSAGES, track_notes
from .models import FAILED
from .permissions import may_edit
from .processing import retry as retry_processing
from .routes import bp
from .services import (
    SUBTITLE_LANGUAGES,
    SUBTITLE_MAX,
    LibraryError,
    get_material,
    remove_subtitles,
    set_subtitles,
    subtitle_problems,
)
from .status import status_of

UPLOADERS = (INSTRUCTOR, COORDINATOR, ADMIN)


def _editable_or_404(slug: str):
    material = get_material(slug)
    if not may_edit(current_user, material):
        abort(404)
    return material


def _upload_context() -> dict:
    purpose = get_purpose("material")
    widget = "uploads.create" in current_app.view_functions
    return {"purpose": purpose, "form_limit": form_limit(purpose), "upload_widget": widget}


@bp.route("/manage")
@allow(*UPLOADERS)
def manage_list():
    return render_template("library/manage.html",
                           materials=manage.editable_materials(current_user))


def _subtitle_problem(lang: str, problem: str) -> str:
    return _("Subtitles in %(language)s: %(problem)s", language=language_name(lang),
             problem=problem)


def _store_subtitles(material, lang, data: bytes | None) -> str | None:
    """Store the subtitle file (its bytes) posted for ``lang``: an error message (naming the
    language and the line), or None once stored, with what its reading assumed flashed to the
    uploader."""
    if data is None:
        return None
    try:
        track = set_subtitles(material, lang, data, current_user.id)
    except LibraryError as exc:
        return _subtitle_problem(lang, explain(exc))
    for note in track_notes(track):
        flash(_subtitle_problem(lang, note), "info")
    return None


def _read_upload(upload) -> bytes | None:
    """A posted file's bytes (one byte past the subtitles' limit at most), or None."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return upload.read(SUBTITLE_MAX + 1)


def _posted_subtitles() -> dict[str, bytes]:
    """``{lang: bytes}`` of the subtitle files sent with a new material's form."""
    posted = {lang: _read_upload(request.files.get("subtitles_" + lang))
              for lang in SUBTITLE_LANGUAGES}
    return {lang: data for lang, data in posted.items() if data is not None}


def _received(form: MaterialForm):
    """(the file that goes with this form or None, an error message or None). The form's file
    is kept whatever else goes wrong: a file posted with the form is stored and committed first,
    and the page sends the id of the file it keeps (sent earlier, or through the upload widget)
    until it is removed (its Remove button posts ``file_remove``)."""
    kept = None
    if form.file_id.data and request.form.get("file_remove") != form.file_id.data:
        kept = manage.receive_file(current_user, form.file_id.data, None)
        if kept is None:
            return None, message("no_file")
    try:
        stored = manage.receive_file(current_user, None, form.posted_file())
    except UploadRefused as refused:
        return kept, explain(refused)
    except StorageUnavailable:
        return kept, message("storage_unavailable")
    if stored is not None:
        jobs.commit()  # a file that belongs to no material yet, its uploader's (files.py)
    return stored or kept, None


def _render_form(form, material, stored, status, file_problem=None, subtitle_problems=None,
                 **extra):
    """The form again, with every problem and the file it keeps (so saving again never makes
    a material without it): ``file_problem`` beside the file field, ``subtitle_problems``
    (``{lang: message}``) beside each language's subtitle field, all in the summary."""
    form.file_id.data = str(stored.id) if stored is not None else ""
    return render_template("library/edit.html", form=form, material=material,
                           file_problem=file_problem,
                           subtitle_problems=subtitle_problems or {}, kept=stored, **extra,
                           **_upload_context()), status


@bp.route("/new", methods=["GET", "POST"])
@allow(*UPLOADERS)
def new():
    form = MaterialForm(**prefill())  # the text of a post its ended session refused
    stored = file_problem = None
    problems: dict[str, str] = {}
    if request.method == "POST":
        stored, file_problem = _received(form)
        if request.form.get("file_remove"):
            return _render_form(form, None, stored, 200, subtitle_form=None,
                                subtitle_languages=SUBTITLE_LANGUAGES)
        subtitles = _posted_subtitles()
        valid = form.validate()  # and the subtitle files, every problem at once
        problems = {lang: _subtitle_problem(lang, LIBRARY_MESSAGES(code, params))
                    for lang, (code, params) in subtitle_problems(subtitles).items()}
        if valid and file_problem is None and not problems:
            material, problems = _create(form, stored, subtitles)
            if not problems:
                return redirect(url_for("library.edit", slug=material.slug))
    status = 400 if request.method == "POST" else 200
    return _render_form(form, None, stored, status, file_problem, problems, subtitle_form=None,
                        subtitle_languages=SUBTITLE_LANGUAGES)


def _create(form: MaterialForm, stored, subtitles: dict[str, bytes]):
    """Make the material with its file and subtitles, all or nothing: (the material, {}) once
    committed, or (None, {lang: message}) when a subtitle file was refused."""
    material = manage.create(current_user, form.details(), stored)
    for lang, data in subtitles.items():
        error = _store_subtitles(material, lang, data)
        if error:
            db.session.rollback()  # drops the material and the jobs queued with it
            return None, {lang: error}
    jobs.commit()
    flash(_("The material was saved."), "success")
    return material, {}


@bp.route("/m/<slug>/edit", methods=["GET", "POST"])
@allow(*UPLOADERS)
def edit(slug):
    material = _editable_or_404(slug)
    kept = prefill()
    form = MaterialForm(**kept)
    stored = file_problem = None
    if request.method == "GET":
        if not kept:
            form.show(manage.details_of(material))
    else:
        stored, file_problem = _received(form)
        if not request.form.get("file_remove") and form.validate() and file_problem is None:
            manage.update(material, form.details(), stored, current_user)
            jobs.commit()
            flash(_("The material was saved."), "success")
            return redirect(url_for("library.edit", slug=material.slug))
    status = 400 if request.method == "POST" and not request.form.get("file_remove") else 200
    return _render_form(form, material, stored, status, file_problem,
                        subtitle_form=SubtitleForm(formdata=None))


@bp.route("/m/<slug>/subtitles", methods=["POST"])
@allow(*UPLOADERS)
def add_subtitles(slug):
    material = _editable_or_404(slug)
    form = SubtitleForm()
    error = None
    if form.validate():
        if request.form.get("remove") == "1":
            remove_subtitles(material, form.lang.data)
        else:
            error = _store_subtitles(material, form.lang.data,
                                     _read_upload(form.subtitles.data)) or (
                None if form.subtitles.data else _("Choose a subtitle file."))
    else:
        error = explain(LibraryError("language_invalid"))
    if error:
        main = MaterialForm(formdata=None)
        main.show(manage.details_of(material))
        return render_template("library/edit.html", form=main, material=material,
                               subtitle_form=form, subtitle_error=error,
                               **_upload_context()), 400
    jobs.commit()
    flash(_("The subtitles were saved."), "success")
    return redirect(url_for("library.edit", slug=material.slug))


@bp.route("/m/<slug>/retry", methods=["POST"])
@allow(*UPLOADERS)
def retry(slug):
    material = _editable_or_404(slug)
    if material.state == FAILED:
        retry_processing(material)
        jobs.commit()
    return redirect(url_for("library.edit", slug=material.slug))


@bp.route("/m/<slug>/status")
@allow(*UPLOADERS)
def processing_status(slug):
    """Where the processing of the material stands (JSON), for the pages' script; its owner and
    the coordinators only, like the edit page."""
    material = _editable_or_404(slug)
    response = jsonify(status_of(material).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


bp.add_app_template_global(status_of, "library_status")
bp.add_app_template_global(track_notes, "library_track_notes")


@bp.route("/stats")
@allow(COORDINATOR, ADMIN)
def stats():
    months = manage.visits_per_month()
    fiscal_year, fiscal_visits = manage.fiscal_year_visits()
    return render_template("library/stats.html", months=months, fiscal_year=fiscal_year,
                           fiscal_visits=fiscal_visits,
                           chart=charts.counts((format_month(m), n) for m, n in months),
                           top=manage.top_materials(),
                           total=sum(n for _, n in months))
