"""Media processing (a job): probe the duration, make a poster, a ~360p rendition of at most
380 kbit/s and an audio-only file with ffmpeg. Safe to re-run; a failure keeps its reason and
can be retried from the material's page."""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import jobs
from ..extensions import db
from ..storage import get_storage
from .models import AUDIO, FAILED, LOW, ORIGINAL, POSTER, PROCESSING, READY, Material
from .services import attach_file, store_file

log = logging.getLogger(__name__)
PROCESS_JOB = "library.process"
TIMEOUT_S = 6 * 3600
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #0:\d+.*: Video: (?!mjpeg|png)")
_AUDIO = re.compile(r"Stream #0:\d+.*: Audio: ")


class ProcessingError(RuntimeError):
    pass


def ffmpeg_exe() -> str:
    """The imageio-ffmpeg wheel's binary, else a system ffmpeg."""
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as missing:  # the wheel is missing or has no binary for this platform
        found = shutil.which("ffmpeg")
        if not found:
            raise ProcessingError(
                "ffmpeg not found (install imageio-ffmpeg or ffmpeg)") from missing
        return found


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True,
                          text=True, errors="replace", timeout=TIMEOUT_S)


def probe(path: Path) -> tuple[int | None, bool, bool]:
    """(duration in whole seconds, has video, has audio), from ffmpeg's description of the input."""
    info = _run(["-i", str(path)]).stderr
    found = _DURATION.search(info)
    duration = None
    if found:
        h, m, sec = found.groups()
        duration = round(int(h) * 3600 + int(m) * 60 + float(sec))
    return duration, bool(_VIDEO.search(info)), bool(_AUDIO.search(info))


def _ffmpeg(args: list[str], what: str) -> None:
    result = _run(["-y", *args])
    if result.returncode != 0:
        tail = " ".join(result.stderr.strip().splitlines()[-2:])[:300]
        raise ProcessingError("%s failed: %s" % (what, tail or "ffmpeg exit %d"
                                                 % result.returncode))


def make_derivatives(source: Path, out: Path, duration: int | None, video: bool = True,
                     audio: bool = True) -> dict[str, Path]:
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
        _ffmpeg(args, "conversion")
    return outputs


CONTENT_TYPES = {POSTER: "image/jpeg", LOW: "video/mp4", AUDIO: "audio/mp4"}


@jobs.job(PROCESS_JOB)
def process(material_id: int) -> None:
    material = db.session.get(Material, material_id)
    if material is None or material.file(ORIGINAL) is None:
        return
    original = material.file(ORIGINAL)
    try:
        with tempfile.TemporaryDirectory(prefix="portal-media-") as tmp:
            source = Path(tmp) / ("source" + (Path(original.name).suffix or ".bin"))
            with get_storage().open(original.key) as src, source.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            duration, video, audio = probe(source)
            if duration is None or not (video or audio):
                raise ProcessingError("not a readable audio or video file")
            outputs = make_derivatives(source, Path(tmp), duration, video, audio)
            for role, path in outputs.items():
                with path.open("rb") as f:
                    stored = store_file(f, "%s-%s%s" % (material.slug, role, path.suffix),
                                        CONTENT_TYPES[role], material.created_by_id)
                attach_file(material, role, stored)
        material.duration_s = duration
        material.state, material.failure_reason = READY, None
    except Exception as exc:
        db.session.rollback()
        material = db.session.get(Material, material_id)
        expected = isinstance(exc, (ProcessingError, OSError, subprocess.SubprocessError))
        reason = str(exc) if expected else "internal error (%s)" % type(exc).__name__
        material.state, material.failure_reason = FAILED, reason[:500]
        log.log(logging.WARNING if expected else logging.ERROR, "processing %s failed: %s",
                material.slug, exc, exc_info=not expected)
    jobs.commit()


def retry(material: Material) -> None:
    """Queue processing again (the view commits)."""
    material.state, material.failure_reason = PROCESSING, None
    jobs.enqueue(PROCESS_JOB, material_id=material.id)
