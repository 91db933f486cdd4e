"""Automatic transcription (a background job): every video or recording without subtitles in
its spoken language is listened to by faster-whisper (CTranslate2), and the result is stored as
a WebVTT track marked ``automatic``, searchable and deep-linked as soon as it is committed (the
outbox indexes it like a hand-made track).

The engine is the optional ``asr`` extra: without it, or with ``ASR_MODEL=off``, nothing is
queued and the pages and ``flask config show`` say so. The model is a faster-whisper name or the
folder of a CTranslate2 Whisper model (``ASR_MODEL``), loaded once per process.

Safe to re-run: the job claims its material's row in one UPDATE (queued, or silent for
``heartbeat.STALE_AFTER``), writes its percent and a heartbeat as it goes, stops when queued again
meanwhile, and never overwrites a hand-made or corrected track (checked again just before
storing, so one uploaded while the engine listened wins). The sweep
``library.resume_transcription`` queues again what a stopped process left, and the transcriptions
a command (``flask library import``) left queued.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import format_percent
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from media_index.transcripts import to_webvtt

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from ..i18n import gettext as _, language_name
from .heartbeat import Heartbeat, Superseded, silent
from .messages import TRANSCRIPTION_FAILURES
from .models import (
    AUDIO,
    ORIGINAL,
    READY,
    Material,
    MaterialKind,
    Transcription,
    TranscriptionState as TS,
)
from .services import SUBTITLE_LANGUAGES, copy_stored, set_subtitles

log = logging.getLogger(__name__)
TRANSCRIBE_JOB = "library.transcribe"
RESUME_JOB = "library.resume_transcription"
# Cues the engine's words are cut into: at most two subtitle lines and a few seconds, so a
# word found by the search is at most that far from the moment its link starts at.
CUE_MAX_CHARS, CUE_MAX_MS = 84, 5000
ENGINE = "faster-whisper"
# How the engine is asked (bench/transcribe.py measures the same): voice activity detection
# first (no words invented in silence or music), word times (cues and moments), and each window
# decoded on its own (no repetition loops carried from one to the next).
OPTIONS = {"vad_filter": True, "word_timestamps": True, "condition_on_previous_text": False}


class TranscriptionError(RuntimeError):
    """``code``: a key of messages.TRANSCRIPTION_FAILURES; the text is the technical detail."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code


# -- the engine and the model -------------------------------------------------------------------
@cache
def engine_version() -> str | None:
    """faster-whisper's version if it is installed (the ``asr`` extra), else None; looked up
    once per process (material pages ask on every view)."""
    if importlib.util.find_spec("faster_whisper") is None:
        return None
    try:
        return importlib.metadata.version("faster-whisper")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def availability(config=None) -> str:
    """``ready``, ``off`` (``ASR_MODEL=off``) or ``missing`` (the engine is not installed)."""
    config = config if config is not None else current_app.config
    if (config.get("ASR_MODEL") or "off") == "off":
        return "off"
    return "ready" if engine_version() else "missing"


def describe(config) -> str:
    """One line for ``flask config show``."""
    version, model = engine_version(), config.get("ASR_MODEL") or "off"
    if version is None:
        return ("automatic transcription: OFF, the engine is not installed "
                "(pip install 'portal[asr]', i.e. faster-whisper); ASR_MODEL=%s" % model)
    if model == "off":
        return "automatic transcription: off (ASR_MODEL=off); engine faster-whisper %s" % version
    return "automatic transcription: on, faster-whisper %s, model %s, %s, %d threads" % (
        version, model, config.get("ASR_COMPUTE_TYPE"), config.get("ASR_THREADS") or 0)


def engine_note() -> str:
    """What ``flask config show`` adds to ``ASR_MODEL``."""
    version = engine_version()
    if version is None:
        return ("engine NOT INSTALLED: automatic transcription is unavailable; "
                "pip install 'portal[asr]' (faster-whisper)")
    return "engine faster-whisper %s" % version


_MODELS: dict[tuple, object] = {}
_MODELS_LOCK = threading.Lock()


def load_model(config):
    """The configured model, loaded once per process (a name is fetched into ``ASR_MODEL_DIR``
    the first time; a folder is read as it is)."""
    name = config["ASR_MODEL"]
    key = (name, config["ASR_COMPUTE_TYPE"], config["ASR_THREADS"])
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            from faster_whisper import WhisperModel
            try:
                model = WhisperModel(name, device="cpu", compute_type=config["ASR_COMPUTE_TYPE"],
                                     cpu_threads=config["ASR_THREADS"],
                                     download_root=config["ASR_MODEL_DIR"])
            except Exception as exc:  # not found, no network to fetch it, a broken folder
                raise TranscriptionError("model", "%s: %s" % (name, exc)) from exc
            _MODELS.clear()  # one model in memory at a time
            _MODELS[key] = model
        return model


def model_label(config) -> str:
    name = config["ASR_MODEL"]
    return "%s %s" % (ENGINE, Path(name).name if Path(name).is_dir() else name)


# -- what needs a transcript --------------------------------------------------------------------
def spoken_language(material: Material) -> str | None:
    """The material's spoken language: its metadata, else what a transcription detected."""
    t = material.transcription
    return material.audio_language or (t.lang if t is not None else None)


def wanted(material: Material, again: bool = False) -> bool:
    """A ready video or recording without a track in its spoken language (unknown: it will be
    detected). ``again`` (asked for, or a new file): also one whose track there is automatic,
    or whose last run found no speech or a language the library does not show."""
    if material.kind != MaterialKind.VIDEO or material.state != READY \
            or material.file(ORIGINAL) is None:
        return False
    lang = spoken_language(material)
    track = material.track(lang) if lang is not None else None
    if track is not None and not (again and track.automatic):
        return False  # hand-made or corrected: never replaced
    t = material.transcription
    # Once looked at (no speech, or a language not shown), only asked for again.
    return again or t is None or t.state not in (TS.DONE, TS.SKIPPED)


def queue(material: Material) -> Transcription:
    """Transcribe ``material`` after the commit. Within a command that runs its jobs inline
    (an import), the row is left queued for the sweep, so the command does not wait for it."""
    t = material.transcription
    if t is None:
        t = Transcription(material_id=material.id)
        material.transcription = t
        db.session.add(t)
    t.state, t.progress, t.note = TS.QUEUED, None, None
    t.failure_code = t.failure_detail = None
    t.lang, t.detected = material.audio_language, False
    t.heartbeat_at = utcnow()
    db.session.flush()
    if not jobs.running_inline():
        jobs.enqueue(TRANSCRIBE_JOB, material_id=material.id)
    return t


def after_processing(material: Material) -> None:
    """Called when a material's processing succeeded: queue its transcription if it needs one
    and the engine is there."""
    if availability() == "ready" and wanted(material, again=True):
        queue(material)


# -- the job ------------------------------------------------------------------------------------
def _claimable(now=None):
    """SQL: a transcription waiting for this job, or whose job has stopped
    (``heartbeat.silent``)."""
    return or_(Transcription.state == TS.QUEUED,
               (Transcription.state == TS.RUNNING) & silent(Transcription.heartbeat_at, now))


def _claim(material_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(Transcription).where(Transcription.material_id == material_id, _claimable(now))
        .values(state=TS.RUNNING, progress=0, heartbeat_at=now)
        .execution_options(synchronize_session=False)).rowcount
    jobs.commit()
    return claimed == 1


def _heartbeat(material_id: int) -> Heartbeat:
    """The percent (a heartbeat too) for the pages, while the transcription is still this
    job's."""
    def still_ours(**values):
        return (update(Transcription).where(Transcription.material_id == material_id,
                                            Transcription.state == TS.RUNNING).values(**values))
    return Heartbeat(still_ours, "transcription of material %s" % material_id)


def _audio_file(material: Material):
    """The smallest file holding the sound: the audio rendition, else the original."""
    return material.file(AUDIO) or material.file(ORIGINAL)


@jobs.job(TRANSCRIBE_JOB, slow=True)
def transcribe(material_id: int) -> str | None:
    """Listen to the material and store its automatic track; returns the final state."""
    material = db.session.get(Material, material_id)
    if material is None or material.transcription is None or availability() != "ready" \
            or not _claim(material_id):
        return None  # gone, not queued, no engine, or already taken by another job
    material = db.session.get(Material, material_id)
    stored = _audio_file(material)
    if stored is None:
        _finish(material_id, TS.SKIPPED, note="no_file")
        return TS.SKIPPED
    try:
        return _listen(material_id, stored.key, Path(stored.name).suffix or ".bin",
                       material.audio_language)
    except Superseded:
        db.session.rollback()
        log.info("transcription of material %s: queued again meanwhile, left to the newer job",
                 material_id)
        return None
    except Exception as exc:
        db.session.rollback()
        _failed(material_id, exc)
        return TS.FAILED


def _listen(material_id: int, key: str, suffix: str, wanted_lang: str | None) -> str:
    config = current_app.config
    report = _heartbeat(material_id)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portal-asr-") as tmp:
        source = Path(tmp) / ("audio" + suffix)
        jobs.commit()  # no transaction stays open while the engine listens
        copy_stored(key, source)
        model = load_model(config)
        multilingual = getattr(getattr(model, "model", None), "is_multilingual", True)
        if wanted_lang and wanted_lang != "en" and not multilingual:
            raise TranscriptionError("model_language", "%s is English-only; the material is "
                                     "in %s" % (config["ASR_MODEL"], wanted_lang))
        try:
            segments, info = model.transcribe(
                str(source), language=wanted_lang, beam_size=config["ASR_BEAM_SIZE"], **OPTIONS)
        except Exception as exc:  # PyAV could not decode it
            raise TranscriptionError("audio", str(exc)[:300]) from exc
        lang = info.language
        report.write(lang=lang, detected=not wanted_lang)
        if lang not in SUBTITLE_LANGUAGES:
            _finish(material_id, TS.SKIPPED, note="language", lang=lang)
            return TS.SKIPPED
        if _hand_made(material_id, lang):
            _finish(material_id, TS.SKIPPED, note="hand_made", lang=lang)
            return TS.SKIPPED
        duration = info.duration or 0.0
        kept = []
        for segment in segments:  # the engine works as they are read
            kept.append(segment)
            if duration:
                report.progress(min(99, int(segment.end / duration * 100)))
    return _store(material_id, lang, cues_from_segments(kept), model_label(config), duration,
                  time.monotonic() - started)


def _hand_made(material_id: int, lang: str) -> bool:
    material = db.session.get(Material, material_id)
    track = material.track(lang) if material is not None else None
    db.session.rollback()  # the job holds no transaction while it works
    return track is not None and not track.automatic


def _store(material_id: int, lang: str, cues: list, model: str, audio_s: float,
           took_s: float) -> str:
    material = db.session.get(Material, material_id)
    t = material.transcription if material is not None else None
    if t is None or t.state != TS.RUNNING:
        raise Superseded()
    track = material.track(lang)
    values = {"lang": lang, "model": model, "audio_s": round(audio_s, 1),
              "took_s": round(took_s, 1), "progress": None, "heartbeat_at": utcnow()}
    if track is not None and not track.automatic:  # one was uploaded while the engine listened
        _set(t, state=TS.SKIPPED, note="hand_made", **values)
    elif not cues:
        _set(t, state=TS.DONE, note="no_speech", **values)
    else:
        edited = material.updated_at  # a transcript is not an edit of the material's form
        track = set_subtitles(material, lang, to_webvtt(cues).encode("utf-8"), None)
        track.automatic, track.generated_by = True, model[:120]
        material.updated_at = edited
        flag_modified(material, "updated_at")
        _set(t, state=TS.DONE, note=None, **values)
    state = t.state
    jobs.commit()
    log.info("transcription of material %s: %s, %s, %d cues, %.1f s of audio in %.1f s",
             material_id, state, lang, len(cues), audio_s, took_s)
    return state


def _set(t: Transcription, **values) -> None:
    for name, value in values.items():
        setattr(t, name, value)


def _finish(material_id: int, state: str, **values) -> None:
    db.session.execute(update(Transcription).where(Transcription.material_id == material_id)
                       .values(state=state, progress=None, heartbeat_at=utcnow(), **values)
                       .execution_options(synchronize_session=False))
    jobs.commit()


def _failed(material_id: int, exc: Exception) -> None:
    code = exc.code if isinstance(exc, TranscriptionError) else (
        "storage" if isinstance(exc, OSError) else "internal")
    detail = str(exc) if code != "internal" else "internal error (%s: %s)" % (
        type(exc).__name__, exc)
    log.log(logging.WARNING if code != "internal" else logging.ERROR,
            "transcription of material %s failed: %s", material_id, exc,
            exc_info=code == "internal")
    _finish(material_id, TS.FAILED, failure_code=code, failure_detail=detail[:500])


@jobs.job(RESUME_JOB, sweep=True)
def resume() -> None:
    """Queue every transcription left queued (by a command, or a process that stopped) or
    running in a job that is silent for ``heartbeat.STALE_AFTER``."""
    if availability() != "ready":
        return
    ids = db.session.scalars(select(Transcription.material_id).where(_claimable())
                             .order_by(Transcription.material_id)).all()
    for material_id in ids:
        jobs.enqueue(TRANSCRIBE_JOB, material_id=material_id)
    jobs.commit()


# -- the engine's words as cues, and as WebVTT ----------------------------------------------------
def _ms(seconds: float) -> int:
    return max(0, int(round(seconds * 1000)))


def cues_from_segments(segments) -> list[tuple[int, int, str]]:
    """The engine's segments cut into subtitle cues by their words' times: at most
    ``CUE_MAX_CHARS`` characters and ``CUE_MAX_MS``, a new cue after a sentence's end."""
    cues: list[tuple[int, int, str]] = []
    for segment in segments:
        words = list(getattr(segment, "words", None) or ())
        if not words:  # no word times: the segment is one cue
            _add_cue(cues, segment.text, segment.start, segment.end)
        for group in _cue_words(words):
            _add_cue(cues, "".join(w.word for w in group), group[0].start, group[-1].end)
    cues.sort()
    return cues


def _add_cue(cues: list, text: str, start_s: float, end_s: float) -> None:
    """Add the cue of ``text`` (whitespace collapsed; none when empty), lasting at least 1 ms."""
    text = " ".join(text.split())
    if text:
        start = _ms(start_s)
        cues.append((start, max(_ms(end_s), start + 1), text))


def _cue_words(words: list) -> Iterator[list]:
    """A segment's words, grouped into cues (see `_starts_cue`)."""
    current: list = []
    for word in words:
        if current and _starts_cue(current, word):
            yield current
            current = []
        current.append(word)
    if current:
        yield current


def _starts_cue(current: list, word) -> bool:
    """True when ``word`` does not fit in the cue of the words ``current``: it would make it
    longer than ``CUE_MAX_CHARS`` or ``CUE_MAX_MS``, or the cue ends a sentence and has lasted
    1.5 s."""
    chars = len("".join(w.word for w in current + [word]).strip())
    started = _ms(current[0].start)
    return (chars > CUE_MAX_CHARS or _ms(word.end) - started > CUE_MAX_MS
            or (current[-1].word.rstrip().endswith((".", "?", "!"))
                and _ms(current[-1].end) - started >= 1500))


# -- what the pages say -------------------------------------------------------------------------
@dataclass(frozen=True)
class TranscriptionStatus:
    state: str               # a TranscriptionState, or "none", "off", "missing"
    lang: str | None
    progress: int | None
    label: str | None        # a few words
    message: str | None      # a sentence for the material's staff (a failure while inactive)
    detail: str | None       # a failure's technical detail
    active: bool             # queued or running: the page looks again
    may_start: bool          # "Transcribe" / "Transcribe again" is offered
    incomplete: None = None  # (the shape static/js/processing.js reads)

    def as_json(self) -> dict:
        return asdict(self)


def status_of(material: Material) -> TranscriptionStatus | None:
    """What the material's staff are told about its automatic transcript; None: nothing to
    say (a document, or a video with hand-made subtitles in its language and no run)."""
    if material.kind != MaterialKind.VIDEO or material.coming_soon:
        return None
    t = material.transcription
    lang = t.lang if t is not None else material.audio_language
    unavailable = _not_available(material, t, lang)
    if unavailable is not None:
        return unavailable
    if t is None:
        if not wanted(material):
            return None
        return TranscriptionStatus("none", lang, None, _("No transcript yet"),
                                   _("This material has no subtitles in its spoken language "
                                     "yet: it can be transcribed automatically."), None, False,
                                   material.state == READY)
    if t.state in (TS.QUEUED, TS.RUNNING):
        return _in_progress(t, lang)
    if t.state == TS.FAILED:
        return _failure(t, lang)
    return _finished(material, t, lang)


def _not_available(material: Material, t: Transcription | None, lang: str | None
                   ) -> TranscriptionStatus | None:
    """The engine is off or missing: said of a material that would be transcribed if it were
    there, unless a run is under way or failed (those say so themselves)."""
    if t is not None and t.state not in (TS.DONE, TS.SKIPPED):
        return None
    available = availability()
    if available == "ready" or not wanted(material):
        return None
    if available == "missing":
        text = _("Automatic transcription is not available on this server: its speech "
                 "recognition engine (faster-whisper) is not installed. Ask the administrator.")
    else:
        text = _("Automatic transcription is switched off on this server.")
    return TranscriptionStatus(available, lang, None, _("Not available"), text, None, False,
                               False)


def _failure(t: Transcription, lang: str | None) -> TranscriptionStatus:
    reason = TRANSCRIPTION_FAILURES(t.failure_code or "?")
    return TranscriptionStatus(t.state, lang, None, _("Failed"),
                               _("Automatic transcription failed: %(reason)s", reason=reason),
                               t.failure_detail, False, True)


def _in_progress(t: Transcription, lang: str | None) -> TranscriptionStatus:
    if t.state == TS.QUEUED:
        return TranscriptionStatus(t.state, lang, None, _("Waiting"),
                                   _("Automatic transcript: waiting for its turn."), None, True,
                                   False)
    if t.progress:
        label = _("Listening: %(percent)s done", percent=format_percent(t.progress / 100))
    else:
        label = _("Listening")
    text = (_("Automatic transcript (%(language)s): %(step)s.", language=language_name(lang),
              step=label) if lang else _("Automatic transcript: %(step)s.", step=label))
    return TranscriptionStatus(t.state, lang, t.progress, label, text, None, True, False)


def _finished(material: Material, t: Transcription, lang: str | None
              ) -> TranscriptionStatus | None:
    if t.state == TS.SKIPPED:
        if t.note != "language":
            return None  # hand-made subtitles in its language: nothing to say
        return TranscriptionStatus(
            t.state, lang, None, _("Not made"),
            _("No automatic transcript: the spoken language (%(code)s) is not one the library "
              "shows subtitles in.", code=lang or "?"), None, False, True)
    track = material.track(lang) if lang else None
    if track is None and t.note != "no_speech":  # its track was removed since
        return TranscriptionStatus("none", lang, None, _("No transcript yet"),
                                   _("This material has no subtitles in its spoken language "
                                     "yet: it can be transcribed automatically."), None, False,
                                   True)
    if track is None:
        return TranscriptionStatus(t.state, lang, None, _("No speech found"),
                                   _("Automatic transcript: no speech was found in this "
                                     "material."), None, False, True)
    if not track.automatic:
        return None  # corrected since: an ordinary track
    return TranscriptionStatus(t.state, lang, None, _("Automatic"),
                               _("The %(language)s subtitles were made automatically from the "
                                 "speech. Check and correct them: until then they are marked "
                                 "\"automatic\" for readers.", language=language_name(lang)),
                               None, False, True)
