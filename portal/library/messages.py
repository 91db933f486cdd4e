"""Library rule codes (services.LibraryError) to messages in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..domain_errors import Messages

MESSAGES = Messages({
    "subtitles_invalid": _l("This is not a WebVTT or SRT subtitle file, or it has no cues."),
    "subtitles_too_large": _l("Subtitle files may be up to 5 MB."),
    "language_invalid": _l("Choose the language of the subtitles."),
}, default=_l("The request could not be carried out."))

# Why the processing of a video failed (processing.ProcessingError codes); the technical detail
# is kept beside it for the instructor and the log.
PROCESSING_FAILURES = Messages({
    "unreadable": _l("This is not a readable audio or video file."),
    "conversion": _l("The video converter could not convert this file."),
    "storage": _l("The file could not be read from storage or its versions could not be saved."),
    "no_ffmpeg": _l("The server has no video converter (ffmpeg): ask the administrator."),
    "internal": _l("An unexpected error stopped the processing."),
}, default=_l("The processing stopped."))
