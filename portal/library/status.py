"""What the pages and the status endpoint say about a material's processing, in the reader's
language: one place for the manage list, the edit page, the material page and the JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import format_percent

from ..i18n import gettext as _
from .messages import PROCESSING_FAILURES
from .models import FAILED, PROCESSING, Material, ProcessingStep


def clock(seconds: int | None) -> str:
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "%d:%02d:%02d" % (hours, minutes, secs) if hours else "%d:%02d" % (minutes, secs)


@dataclass(frozen=True)
class ProcessingStatus:
    state: str                 # processing, ready or failed
    step: str | None           # a ProcessingStep while processing
    progress: int | None       # percent, while converting
    label: str                 # a few words: the manage list's state column
    message: str | None        # a sentence for the material's pages
    detail: str | None         # a failure's technical detail (the converter's words)
    incomplete: str | None     # the incomplete-file flag, for the instructor
    duration_s: int | None     # what plays
    active: bool               # still processing: the page looks again

    def as_json(self) -> dict:
        return asdict(self)


def _step_label(step: str | None, progress: int | None) -> str:
    if step == ProcessingStep.CONVERTING and progress is not None:
        return _("Converting: %(percent)s done", percent=format_percent(progress / 100))
    return {
        ProcessingStep.CONVERTING: _("Converting"),
        ProcessingStep.CHECKING: _("Checking the length of the new versions"),
        ProcessingStep.SAVING: _("Saving the new versions"),
    }.get(step, _("Waiting to be processed"))


def incomplete_message(material: Material) -> str | None:
    if not material.incomplete:
        return None
    return _("This file is incomplete: it says it lasts %(declared)s, but only %(decoded)s can be "
             "played. It was probably cut while it was copied or uploaded: upload the complete "
             "file again.", declared=clock(material.declared_duration_s),
             decoded=clock(material.duration_s))


def status_of(material: Material) -> ProcessingStatus:
    incomplete = incomplete_message(material)
    if material.state == PROCESSING:
        step = material.processing_step or ProcessingStep.QUEUED
        label = _step_label(step, material.progress)
        return ProcessingStatus(PROCESSING, step, material.progress, label,
                                _("The video is being processed (poster, low-bandwidth "
                                  "version, audio): %(step)s.", step=label),
                                None, None, material.duration_s, True)
    if material.state == FAILED:
        reason = (PROCESSING_FAILURES(material.failure_code) if material.failure_code
                  else material.failure_reason or PROCESSING_FAILURES("?"))
        detail = material.failure_reason if material.failure_code else None
        return ProcessingStatus(FAILED, None, None, _("Failed"),
                                _("Processing failed: %(reason)s", reason=reason), detail, None,
                                material.duration_s, False)
    if material.coming_soon:
        label = _("Coming soon")
    else:
        label = _("Incomplete file") if incomplete else _("Ready")
    return ProcessingStatus(material.state, None, None, label, None, None, incomplete,
                            material.duration_s, False)
