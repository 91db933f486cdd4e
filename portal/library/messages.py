"""Library rule codes (services.LibraryError) to messages in the reader's language."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import lazy_gettext as _l, ngettext
from ..text import encoding_name

MESSAGES = Messages({
    "subtitles_invalid": _l("This is not a WebVTT or SRT subtitle file, or it has no cues."),
    "subtitles_not_subtitles": _l("This is not a subtitle file: a WebVTT file begins with the "
                                  "line WEBVTT, an SRT file with numbered cues and their "
                                  "timings."),
    "subtitles_signature": _l("Line %(line)d: a WebVTT file must begin with WEBVTT, alone on "
                              "the first line or followed by a space."),
    "subtitles_timing": _l("Line %(line)d: the timing “%(timing)s” is not valid. Write it as "
                           "%(example)s (hours may be left out; seconds with three decimals)."),
    "subtitles_expected_timing": _l("Line %(line)d: a cue number or a timing such as "
                                    "%(example)s was expected here, not “%(text)s”."),
    "subtitles_no_cues": _l("This subtitle file has no cues with text."),
    "subtitles_too_large": _l("Subtitle files may be up to 5 MB."),
    "language_invalid": _l("Choose the language of the subtitles."),
    # the cue editor's refusals (cues.CueError), beside their row or above the form
    "time_invalid": _l("Write a time such as 1:02.5 or 00:01:02.500."),
    "end_before_start": _l("The end must come after the start."),
    "text_too_long": _l("A cue may hold up to %(max)s characters."),
    "too_long_cue": _l("A cue may last up to %(max)s seconds."),
    "changed": _l("These subtitles were changed meanwhile (by someone else, or a new "
                  "automatic transcript). Your rows are below: compare them with the current "
                  "ones, then save again."),
    "empty": _l("A track needs at least one cue: to remove it, use \"Remove the subtitles in "
                "this language\" on the edit page."),
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


def _backwards(p: dict) -> str:
    return ngettext("%(num)s cue ends before it starts, or when it starts (line %(line)d): "
                    "players never show it. Check its timing.",
                    "%(num)s cues end before they start, or when they start (the first on line "
                    "%(line)d): players never show them. Check their timings.",
                    p["count"], line=p["line"])


# What was assumed or noticed while reading a subtitle file (``SubtitleTrack`` reading), told
# to its uploader when it is saved and on the edit page.
NOTES = Messages({
    "encoding_guessed": _l("This file is not in UTF-8: it was read as %(encoding)s, a guess. "
                           "Check that accented letters look right in the transcript; if "
                           "not, save the file as UTF-8 and send it again."),
    "encoding": _l("This file was read as %(encoding)s and stored as UTF-8."),
    "backwards": _backwards,
}, default=_l("The subtitles were read with a remark."))


def track_notes(track) -> list[str]:
    """What the reader of ``track``'s file assumed or noticed, in the reader's language."""
    notes = []
    if track.encoding and track.encoding != "utf-8":
        code = "encoding" if track.encoding_confident else "encoding_guessed"
        notes.append(NOTES(code, {"encoding": encoding_name(track.encoding)}))
    for note in track.notes or ():
        notes.append(NOTES(note.get("code", ""), {k: v for k, v in note.items() if k != "code"}))
    return notes
# Why an automatic transcription failed (transcription.TranscriptionError codes); the technical
# detail is kept beside it for the administrator.
TRANSCRIPTION_FAILURES = Messages({
    "model": _l("The speech recognition model could not be loaded: ask the administrator."),
    "model_language": _l("The speech recognition model set on this server knows English "
                         "only, and this material is in another language."),
    "audio": _l("The sound of this material could not be read."),
    "storage": _l("The file could not be read from storage or the transcript could not be "
                  "saved."),
    "internal": _l("An unexpected error stopped the transcription."),
}, default=_l("The transcription stopped."))
