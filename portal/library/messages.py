"""Library rule codes (services.LibraryError) to messages in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..domain_errors import Messages

MESSAGES = Messages({
    "subtitles_invalid": _l("This is not a WebVTT or SRT subtitle file, or it has no cues."),
    "subtitles_too_large": _l("Subtitle files may be up to 5 MB."),
    "language_invalid": _l("Choose the language of the subtitles."),
}, default=_l("The request could not be carried out."))
