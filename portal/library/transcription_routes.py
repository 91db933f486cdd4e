"""Automatic transcripts for the material's staff: start one, follow it, correct the cues."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import jobs
from ..access import allow
from ..domain_errors import explain, table_of
from ..extensions import db
from ..i18n import gettext as _
from ..protect.web import kept_formdata
from . import cues as cue_rules, transcription
from .forms import CueForm
from .manage_routes import UPLOADERS, _editable_or_404
from .models import LOW, ORIGINAL
from .permissions import stream_role
from .routes import bp


@bp.route("/m/<slug>/transcribe", methods=["POST"])
@allow(*UPLOADERS)
def transcribe(slug):
    """Queue (again) the automatic transcript of a material that has no hand-made subtitles in
    its spoken language."""
    material = _editable_or_404(slug)
    available = transcription.availability()
    if available != "ready":
        flash(transcription.status_of(material).message if transcription.status_of(material)
              else _("Automatic transcription is not available on this server."), "error")
    elif transcription.wanted(material, again=True):
        transcription.queue(material)
        jobs.commit()
        flash(_("The automatic transcription was queued."), "success")
    else:
        flash(_("This material has subtitles in its spoken language already: they are not "
                "replaced."), "info")
    return redirect(url_for("library.edit", slug=material.slug))


@bp.route("/m/<slug>/transcription")
@allow(*UPLOADERS)
def transcription_status(slug):
    """Where the automatic transcript stands (JSON, the shape js/processing.js reads)."""
    material = _editable_or_404(slug)
    st = transcription.status_of(material)
    body = st.as_json() if st is not None else {"state": "none", "active": False,
                                                "message": None, "label": None,
                                                "progress": None, "incomplete": None}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _part(count: int) -> tuple[int, int]:
    """(the part asked for, 0-based; the number of parts)."""
    parts = max(1, -(-count // cue_rules.PART))
    asked = request.values.get("part", "")
    part = int(asked) - 1 if asked.isdigit() and 1 <= int(asked) <= parts else 0
    return part, parts


@bp.route("/m/<slug>/subtitles/<lang>/cues", methods=["GET", "POST"])
@allow(*UPLOADERS)
def edit_cues(slug, lang):
    """The cue editor: text and times of one part of a track, as a plain form of rows."""
    material = _editable_or_404(slug)
    track = material.track(lang)
    if track is None:
        abort(404)
    part, parts = _part(len(track.cues or []))
    shown = (track.cues or [])[part * cue_rules.PART:(part + 1) * cue_rules.PART]
    if request.method == "POST":
        form, rows, error, status = _save_cues(material, lang, part)
        if error is None:
            return redirect(url_for("library.edit_cues", slug=slug, lang=lang, part=part + 1))
    else:
        form, rows = _cue_form(track, shown)
        error, status = None, 200
    # Rows for the part's cues and `BLANK_ROWS` more, for new cues.
    rows += [cue_rules.Row() for _ in range(len(shown) + cue_rules.BLANK_ROWS - len(rows))]
    form.rows.data = str(len(rows))
    messages = table_of(cue_rules.CueError("x"))
    problems = [messages.fields(row.problems) for row in rows]
    return render_template(
        "library/cues.html", material=material, track=track, lang=lang, form=form, rows=rows,
        problems=problems, error=error, part=part, parts=parts,
        first=part * cue_rules.PART, player_role=_player_role(material)), status


def _cue_form(track, shown: list) -> tuple[CueForm, list]:
    """The form and rows to show: what was typed when the session ran out (kept for the
    person to save again), else the cues of the part."""
    kept = kept_formdata()
    if kept is not None:
        return CueForm(formdata=kept), cue_rules.read_rows(kept, _int(kept.get("rows")))
    form = CueForm(formdata=None)
    form.version.data = str(track.file_id)
    return form, cue_rules.rows_of(shown)


def _save_cues(material, lang: str, part: int) -> tuple[CueForm, list, str | None, int]:
    """Check the posted rows and save them in place of the part: ``(form, rows, error,
    status)``, the error None when saved (and said)."""
    form = CueForm()
    rows = cue_rules.read_rows(request.form, _int(form.rows.data))
    if not form.validate():
        return form, rows, _("This form had expired: check your rows, then save again."), 400
    cues = cue_rules.check(rows)
    if cues is None:
        return form, rows, _("Some rows need a correction: see the messages beside them."), 400
    try:
        saved = cue_rules.save_part(material, lang, part, cues, form.version.data,
                                    current_user.id)
    except cue_rules.CueError as refused:
        db.session.rollback()
        error, status = explain(refused), 409 if refused.code == "changed" else 400
        form.version.data = str(material.track(lang).file_id)  # told: may save over
        return form, rows, error, status
    jobs.commit()
    flash(_("The subtitles were saved.") if saved is not None else _("Nothing was changed."),
          "success")
    return form, rows, None, 200


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _player_role(material) -> str | None:
    """The lightest file to listen to while correcting."""
    for role in ("audio", LOW, stream_role(material), ORIGINAL):
        if role and material.file(role) is not None:
            return role
    return None


bp.add_app_template_global(transcription.status_of, "library_transcription")
