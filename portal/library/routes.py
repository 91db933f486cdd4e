"""Library pages for readers: home, results, the material page and its files."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from media_index.transcripts import as_cue

from .. import jobs
from ..access import PUBLIC, allow
from ..i18n import gettext as _, language_name
from ..security import safe_next
from ..storage import ObjectNotFound
from ..uploads.services import download_response, served_by_portal
from ..urls import url_pattern
from . import search as library_search
from .models import AUDIO, DOCUMENT, LOW, ORIGINAL, POSTER, PREVIEW
from .permissions import allowed_for, may_download, may_edit, may_have_file, stream_role
from .services import reader_language, record_view, viewer_key, visible_material
from .status import clock as _clock

bp = Blueprint("library", __name__, url_prefix="/library", cli_group="library")

SAVE_DATA_KEY = "library_save_data"
MEDIA_ROLES = (ORIGINAL, LOW, AUDIO, POSTER, DOCUMENT, PREVIEW)


def _lang() -> str:
    return str(get_locale() or "en")


def save_data() -> bool:
    """The reader's "save data" choice, else the browser's ``Save-Data: on`` header."""
    if SAVE_DATA_KEY in session:
        return bool(session[SAVE_DATA_KEY])
    return request.headers.get("Save-Data", "").strip().lower() == "on"


def _material_or_404(slug: str):
    material = visible_material(current_user, slug)
    if material is None:
        abort(404)
    return material


@bp.route("/")
@allow(PUBLIC)
def home():
    lang = _lang()
    newest = library_search.browse(current_user, lang, "newest")
    popular = library_search.browse(current_user, lang, "views")
    subjects = newest.result.facets.get("subject", {})
    return render_template("library/home.html", newest=newest, popular=popular,
                           subjects=subjects)


@bp.route("/search")
@allow(PUBLIC)
def search():
    lang = reader_language(request.args.get("lang") or _lang())
    cache = library_search.results_cache()
    allowed = allowed_for(current_user)
    key = library_search.results_key(allowed, request.args, lang)
    body = cache.get(key)
    if body is None:
        page = library_search.run(current_user, request.args, lang, allowed=allowed)
        body = render_template("library/_results_body.html", page=page, lang=lang)
        cache.put(key, body)
    return render_template("library/results.html", body=Markup(body),
                           query=request.args.get("q", "")[:2000])


def _start_second() -> int:
    try:
        return max(0, int(float(request.args.get("t", 0))))
    except (TypeError, ValueError, OverflowError):
        return 0


# A long talk's transcript is shown in parts: 10,000 cues would make a page of megabytes.
TRANSCRIPT_PART = 250


def _transcript_part(count: int, current: int | None) -> int:
    """The part asked for (``?tp=``), else the one holding the moment played, else the first."""
    parts = max(1, -(-count // TRANSCRIPT_PART))
    asked = request.args.get("tp", "")
    if asked.isdigit() and 1 <= int(asked) <= parts:
        return int(asked) - 1
    return (current or 0) // TRANSCRIPT_PART


def _current_cue(cues: list, second: int) -> int | None:
    current = None
    for number, row in enumerate(cues):
        if row[0] // 1000 <= second:
            current = number
    return current


def transcript_lines(rows: list, first: int = 0, link: str = "") -> list[dict]:
    """Cue rows for the transcript: times, text, and the speaker where it changes (a voice
    named in the WebVTT file), so a long speech does not repeat the name on every line; with
    ``link`` (a ``url_pattern`` of the second), each cue's link and its time as read."""
    lines, previous = [], None
    for number, row in enumerate(rows):
        cue = as_cue(row)
        speaker = cue.speaker if cue.speaker != previous else ""
        previous = cue.speaker or previous
        second = cue.start_ms // 1000
        lines.append({"number": first + number, "start_ms": cue.start_ms,
                      "end_ms": cue.end_ms, "text": cue.text, "speaker": speaker,
                      "second": second, "clock": _clock(second),
                      "href": link.format(second) if link else ""})
    return lines


def _transcript_language(languages: list[str], lang: str) -> str | None:
    """The transcript shown: the one asked for (``?tl=``), else the reader's language's, else
    the first."""
    for choice in (request.args.get("tl"), lang):
        if choice in languages:
            return choice
    return languages[0] if languages else None


def _quality(material, downloads: bool) -> str:
    """The file played: a recording's audio stream; else the one chosen, but for a reader who
    may not download, the stream it may have (`may_have_file`) unless the audio was chosen."""
    if material.is_audio:
        return stream_role(material) or ORIGINAL
    quality = _chosen_quality(material)
    if not downloads and quality != AUDIO:
        return stream_role(material) or quality
    return quality


def _chosen_quality(material) -> str:
    """The file asked for (``?quality=``) when the material has it; else the low rendition when
    saving data or when there is no original; else the original."""
    quality = request.args.get("quality")
    if quality in (LOW, ORIGINAL, AUDIO) and material.file(quality):
        return quality
    if material.file(LOW) and (save_data() or not material.file(ORIGINAL)):
        return LOW
    return ORIGINAL


@bp.route("/m/<slug>")
@allow(PUBLIC)
def material(slug):
    material = _material_or_404(slug)
    lang = _lang()
    start = _start_second()
    languages = [t.lang for t in material.subtitles]
    transcript_lang = _transcript_language(languages, lang)
    track = material.track(transcript_lang) if transcript_lang else None
    cues = track.cues if track else []
    current = _current_cue(cues, start) if start else None
    part = _transcript_part(len(cues), current)
    downloads = may_download(current_user, material)
    quality = _quality(material, downloads)
    return render_template(
        "library/material.html", material=material, start=start,
        cues=transcript_lines(cues[part * TRANSCRIPT_PART:(part + 1) * TRANSCRIPT_PART],
                              part * TRANSCRIPT_PART, url_pattern(
                                  "library.material", "t", slug=material.slug,
                                  tl=transcript_lang, quality=request.args.get("quality"))),
        first_cue=part * TRANSCRIPT_PART, part=part, parts=-(-len(cues) // TRANSCRIPT_PART),
        part_starts=[cues[n * TRANSCRIPT_PART][0] // 1000
                     for n in range(-(-len(cues) // TRANSCRIPT_PART))],
        transcript_lang=transcript_lang, transcript_track=track, current_cue=current,
        quality=quality, stream=stream_role(material), save_data=save_data(),
        may_download=downloads,
        may_edit=may_edit(current_user, material), default_track=(
            lang if lang in languages else None))


@bp.route("/m/<slug>/view", methods=["POST"])
@allow(PUBLIC)
def count_view(slug):
    """Counted when playback starts (a POST from library.js): one per viewer per day."""
    material = _material_or_404(slug)
    record_view(material, viewer_key(current_user, request))
    jobs.commit()
    return "", 204


@bp.route("/m/<slug>/media/<role>")
@allow(PUBLIC)
def media(slug, role):
    """A material's file, streamed with Range (the player) or as a download (?download)."""
    material = _material_or_404(slug)
    stored = material.file(role) if role in MEDIA_ROLES else None
    if stored is None or not may_have_file(current_user, material, role):
        abort(404)
    download = "download" in request.args
    if download and not may_download(current_user, material):
        abort(404)  # a download is asked for, and this reader has none to have
    try:
        return download_response(stored, force_attachment=download)
    except ObjectNotFound:
        abort(404)


@bp.route("/m/<slug>/subtitles/<lang>.vtt")
@allow(PUBLIC)
def subtitles(slug, lang):
    """WebVTT for the player's <track>, streamed by the portal itself whatever the storage: a
    <track> loads only from the page's origin, so a redirect to S3 would show nothing.
    Revalidated on each use (ETag, 304): a replaced track shows at once."""
    material = _material_or_404(slug)
    track = material.track(lang)
    if track is None or not may_have_file(current_user, material, "subtitles"):
        abort(404)
    try:
        return served_by_portal(track.file, content_type="text/vtt; charset=utf-8") \
            .make_conditional(request)
    except ObjectNotFound:
        abort(404)


@bp.route("/m/<slug>/transcript/<lang>.txt")
@allow(PUBLIC)
def transcript(slug, lang):
    """The transcript as plain text with times, to download and read offline."""
    material = _material_or_404(slug)
    track = material.track(lang)
    if track is None or not may_download(current_user, material):
        abort(404)
    lines = ["[%s] %s%s" % (_clock(cue.start_ms // 1000),
                            "%s: " % cue.speaker if cue.speaker else "", cue.text)
             for cue in map(as_cue, track.cues)]
    response = make_response("\n".join(lines) + "\n")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="%s.%s.txt"' % (slug, lang)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/save-data", methods=["POST"])
@allow(PUBLIC)
def set_save_data():
    """The "save data" setting: low-bandwidth videos by default (a form, no JavaScript)."""
    session[SAVE_DATA_KEY] = request.form.get("save_data") == "1"
    return redirect(safe_next(request.form.get("next"), url_for("library.home")))


def track_label(track) -> str:
    """A track's name for readers: its language, and "automatic" for one made by speech
    recognition and not corrected (the player's menu, the transcript's languages)."""
    name = language_name(track.lang)
    return _("%(language)s (automatic)", language=name) if track.automatic else name


bp.add_app_template_global(_clock, "library_clock")
bp.add_app_template_global(track_label, "track_label")
bp.add_app_template_global(save_data, "library_save_data")
bp.add_app_template_global(library_search.instead_args, "library_instead_args")
