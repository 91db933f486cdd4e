"""Media processing (a background job): probe the declared duration, make a poster, a ~360p
rendition of at most 380 kbit/s and an audio-only file with ffmpeg, then check that the
renditions are as long as the file says it is.

The material's state is in the database, so the work survives the process that does it: a job
first *claims* the material (one atomic UPDATE: queued, or silent for
``heartbeat.STALE_AFTER``), writes its step, percent and a heartbeat while it works
(``heartbeat.Heartbeat``), and the sweep (``library.resume_processing``) queues again what a
stopped process left. Safe to re-run; a failure keeps a code (shown in the
reader's language) and its technical detail, and can be retried from the material's page.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from . import transcription
from .heartbeat import Heartbeat, Superseded, silent
from .models import (
    AUDIO,
    FAILED,
    LOW,
    ORIGINAL,
    POSTER,
    PROCESSING,
    READY,
    Material,
    ProcessingStep,
)
from .services import attach_file, copy_stored, store_file

log = logging.getLogger(__name__)
PROCESS_JOB = "library.process"
RESUME_JOB = "library.resume_processing"
TIMEOUT_S = 6 * 3600
# The renditions may be shorter than the declared duration by rounding and codec delay; more
# than both of these, and the file is incomplete.
SHORT_BY_S, SHORT_BY_SHARE = 1.0, 0.02
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #0:\d+.*: Video: (?!mjpeg|png)")
_AUDIO = re.compile(r"Stream #0:\d+.*: Audio: ")
_OUT_TIME = re.compile(r"^out_time_us=(\d+)$")


class ProcessingError(RuntimeError):
    """``code``: a key of messages.PROCESSING_FAILURES; the text is the technical detail."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code


def ffmpeg_exe() -> str:
    """The imageio-ffmpeg wheel's binary, else a system ffmpeg."""
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as missing:  # the wheel is missing or has no binary for this platform
        found = shutil.which("ffmpeg")
        if not found:
            raise ProcessingError(
                "no_ffmpeg", "ffmpeg not found (install imageio-ffmpeg or ffmpeg)") from missing
        return found


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True,
                          text=True, errors="replace", timeout=TIMEOUT_S)


def probe_seconds(path: Path) -> tuple[float | None, bool, bool]:
    """(declared duration in seconds, has video, has audio), from ffmpeg's description of the
    file (what its container says, not what can be decoded)."""
    info = _run(["-i", str(path)]).stderr
    found = _DURATION.search(info)
    duration = None
    if found:
        h, m, sec = found.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(sec)
    return duration, bool(_VIDEO.search(info)), bool(_AUDIO.search(info))


def probe(path: Path) -> tuple[int | None, bool, bool]:
    """(duration in whole seconds, has video, has audio)."""
    duration, video, audio = probe_seconds(path)
    return (None if duration is None else round(duration)), video, audio


def _ffmpeg(args: list[str], what: str, on_progress=None, duration: float | None = None) -> None:
    """Run ffmpeg; ``on_progress(percent)`` is called as it goes when the duration is known."""
    with tempfile.TemporaryFile("w+", errors="replace") as errors:
        proc = subprocess.Popen(  # an argument list, no shell
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats",
             *args], stdout=subprocess.PIPE, stderr=errors, text=True, errors="replace")
        started = time.monotonic()
        try:
            for line in proc.stdout:
                found = _OUT_TIME.match(line.strip())
                if found and on_progress and duration:
                    on_progress(min(99, int(int(found.group(1)) / 1e4 / duration)))
                if time.monotonic() - started > TIMEOUT_S:
                    raise subprocess.TimeoutExpired(proc.args, TIMEOUT_S)
            returncode = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if returncode != 0:
            errors.seek(0)
            tail = " ".join(errors.read().strip().splitlines()[-2:])[:300]
            raise ProcessingError("conversion", "%s failed: %s" % (
                what, tail or "ffmpeg exit %d" % returncode))


def make_derivatives(source: Path, out: Path, duration: float | None, video: bool = True,
                     audio: bool = True, on_progress=None) -> dict[str, Path]:
    """In one ffmpeg run (the source is decoded once): a poster (JPEG), a low-bandwidth MP4
    (360p, video capped at 380 kbit/s, 48 kbit/s mono audio) and audio only (64 kbit/s mono)."""
    at = "%.2f" % min(5.0, (duration or 0) / 3)
    outputs: dict[str, Path] = {}
    args = ["-i", str(source)]
    if video:
        outputs[POSTER], outputs[LOW] = out / "poster.jpg", out / "low.mp4"
        args += ["-map", "0:v:0", "-ss", at, "-frames:v", "1", "-vf", "scale=-2:360",
                 "-q:v", "5", str(outputs[POSTER])]
        args += ["-map", "0:v:0", *(["-map", "0:a:0"] if audio else []), "-vf", "scale=-2:360",
                 "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-maxrate", "380k",
                 "-bufsize", "760k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k",
                 "-ac", "1", "-movflags", "+faststart", str(outputs[LOW])]
    if audio:
        outputs[AUDIO] = out / "audio.m4a"
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
                 "-movflags", "+faststart", str(outputs[AUDIO])]
    if outputs:
        _ffmpeg(args, "conversion", on_progress, duration)
    return outputs


def decoded_seconds(outputs: dict[str, Path]) -> float | None:
    """How long the renditions really are: each was written from what could be decoded, so its
    own container's duration is the decoded length."""
    lengths = [probe_seconds(outputs[role])[0] for role in (LOW, AUDIO) if role in outputs]
    lengths = [n for n in lengths if n is not None]
    return max(lengths) if lengths else None


def falls_short(declared: float, decoded: float) -> bool:
    """The decoded length is shorter than the declared one by more than rounding explains."""
    return declared - decoded > max(SHORT_BY_S, SHORT_BY_SHARE * declared)


CONTENT_TYPES = {POSTER: "image/jpeg", LOW: "video/mp4", AUDIO: "audio/mp4"}


def queue(material: Material) -> None:
    """Process ``material``'s original after the commit (a new file, a retry, an import)."""
    material.state, material.failure_reason, material.failure_code = PROCESSING, None, None
    material.processing_step, material.progress = ProcessingStep.QUEUED, None
    material.heartbeat_at = utcnow()
    db.session.flush()
    jobs.enqueue(PROCESS_JOB, material_id=material.id)


retry = queue  # a failed material is queued again the same way (the view commits)


def _claimable(now=None):
    """SQL: a material waiting for this job, or whose job has stopped (``heartbeat.silent``)."""
    return and_(Material.state == PROCESSING,
                or_(Material.processing_step == ProcessingStep.QUEUED,
                    Material.processing_step.is_(None), silent(Material.heartbeat_at, now)))


def _claim(material_id: int) -> bool:
    """Take the material for this job: it must be waiting, or its job silent too long."""
    now = utcnow()
    claimed = db.session.execute(
        update(Material).where(Material.id == material_id, _claimable(now))
        .values(processing_step=ProcessingStep.CONVERTING, progress=0, heartbeat_at=now,
                updated_at=Material.updated_at)
        .execution_options(synchronize_session=False)).rowcount
    jobs.commit()
    return claimed == 1


def _heartbeat(material_id: int) -> Heartbeat:
    """The step and percent (a heartbeat too) for the pages, while the material is still this
    job's: one queued again meanwhile (new file, retry) is left to that job."""
    def still_ours(**values):
        return (update(Material).where(Material.id == material_id,
                                       Material.state == PROCESSING,
                                       Material.processing_step != ProcessingStep.QUEUED)
                .values(updated_at=Material.updated_at, **values))  # progress is not an edit
    return Heartbeat(still_ours, "processing of material %s" % material_id)


@jobs.job(PROCESS_JOB, slow=True)
def process(material_id: int) -> None:
    material = db.session.get(Material, material_id)
    if material is None or material.file(ORIGINAL) is None or not _claim(material_id):
        return  # gone, nothing to process, or already taken by another job
    material = db.session.get(Material, material_id)
    original = material.file(ORIGINAL)
    original_id, key, name = original.id, original.key, original.name
    slug, owner = material.slug, material.created_by_id
    beat = _heartbeat(material_id)
    converting = partial(beat.progress, processing_step=ProcessingStep.CONVERTING)
    try:
        with tempfile.TemporaryDirectory(prefix="portal-media-") as tmp:
            source = Path(tmp) / ("source" + (Path(name).suffix or ".bin"))
            jobs.commit()  # no transaction stays open while ffmpeg works
            copy_stored(key, source)
            declared, video, audio = _probed(source)
            outputs = make_derivatives(source, Path(tmp), declared, video, audio,
                                       on_progress=converting)
            beat.write(processing_step=ProcessingStep.CHECKING, progress=None)
            decoded = _decoded(outputs)
            beat.write(processing_step=ProcessingStep.SAVING, progress=None)
            material = _material_still_holding(material_id, original_id)
            edited = material.updated_at  # processing is not an edit (below)
            _store_renditions(material, outputs, slug, owner)
        _not_an_edit(material, edited)
        _ready(material, declared, decoded, slug)
        transcription.after_processing(material)  # no subtitles in its language: a transcript
    except Superseded:
        db.session.rollback()
        log.info("processing %s: queued again meanwhile, left to the newer job", slug)
        return
    except Exception as exc:
        db.session.rollback()
        _failed(material_id, slug, exc)
    jobs.commit()


def _probed(source: Path) -> tuple[float, bool, bool]:
    """``(declared seconds, video, audio)`` of the original; ProcessingError if it has
    neither."""
    declared, video, audio = probe_seconds(source)
    if declared is None or not (video or audio):
        raise ProcessingError("unreadable", "not a readable audio or video file")
    return declared, video, audio


def _decoded(outputs: dict[str, Path]) -> float:
    """How long the renditions play (`decoded_seconds`); ProcessingError if nothing could be
    decoded."""
    decoded = decoded_seconds(outputs)
    if decoded is None or decoded < 0.05:
        raise ProcessingError("unreadable", "nothing could be decoded from the file")
    return decoded


def _material_still_holding(material_id: int, original_id: int) -> Material:
    """The material, still holding the original this job processed; Superseded if it was
    deleted or given another file meanwhile."""
    material = db.session.get(Material, material_id)
    if material is None or material.file(ORIGINAL) is None \
            or material.file(ORIGINAL).id != original_id:
        raise Superseded()
    return material


def _store_renditions(material: Material, outputs: dict[str, Path], slug: str,
                      owner: int | None) -> None:
    """Store each rendition made and attach it to the material in its role."""
    for role, path in outputs.items():
        with path.open("rb") as f:
            stored = store_file(f, "%s-%s%s" % (slug, role, path.suffix), CONTENT_TYPES[role],
                                owner)
        attach_file(material, role, stored)


def _ready(material: Material, declared: float, decoded: float, slug: str) -> None:
    """Mark the material ready, with the length that plays (not what the file claims) and
    whether it falls short of the declared one."""
    material.duration_s = round(decoded)
    material.declared_duration_s = round(declared)
    material.incomplete = falls_short(declared, decoded)
    material.state, material.failure_reason, material.failure_code = READY, None, None
    material.processing_step = material.progress = None
    if material.incomplete:
        log.warning("processing %s: the file declares %.1f s, only %.1f s decode", slug,
                    declared, decoded)


def _not_an_edit(material: Material, edited) -> None:
    """Processing is not an edit: ``updated_at`` (the edit form's version, the manage list's
    order) keeps its value, as the progress UPDATEs do."""
    material.updated_at = edited
    flag_modified(material, "updated_at")  # written as it is, not the column's onupdate


def _failed(material_id: int, slug: str, exc: Exception) -> None:
    material = db.session.get(Material, material_id)
    if material is None:
        return
    if isinstance(exc, ProcessingError):
        code = exc.code
    elif isinstance(exc, subprocess.TimeoutExpired):
        code = "conversion"
    elif isinstance(exc, (OSError, subprocess.SubprocessError)):
        code = "storage" if isinstance(exc, OSError) else "conversion"
    else:
        code = "internal"
    expected = code != "internal"
    reason = str(exc) if expected else "internal error (%s)" % type(exc).__name__
    _not_an_edit(material, material.updated_at)
    material.state, material.failure_code = FAILED, code
    material.failure_reason = reason[:500]
    material.processing_step = material.progress = None
    log.log(logging.WARNING if expected else logging.ERROR, "processing %s failed: %s", slug, exc,
            exc_info=not expected)


@jobs.job(RESUME_JOB, sweep=True)
def resume() -> None:
    """Queue again every material left processing whose job is not alive (the claim decides:
    waiting, or silent for ``heartbeat.STALE_AFTER``)."""
    ids = db.session.scalars(select(Material.id).where(_claimable())
                             .order_by(Material.id)).all()
    for material_id in ids:
        jobs.enqueue(PROCESS_JOB, material_id=material_id)
    jobs.commit()
