"""The cue editor's rules: times as people write them, the rows of one part of a track, and
saving a corrected track (which stops being "automatic"). Services only flush."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from media_index.transcripts import to_webvtt

from .. import audit
from ..domain_errors import DomainError
from ..extensions import db
from .models import Material, SubtitleTrack
from .services import set_subtitles

PART = 100            # cues per page of the editor (a form of ~300 fields)
BLANK_ROWS = 3        # empty rows offered for new cues
MAX_TEXT = 500
MAX_CUE_S = 60
_TIME = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+)(?:[.,](\d{1,3}))?$")


class CueError(DomainError, ValueError):
    """A refused save of the cue editor; ``code`` is a key of messages.CUE_PROBLEMS."""

    messages = "portal.library.messages"


def parse_time(text: str) -> int | None:
    """Milliseconds from ``62.5``, ``1:02.5``, ``01:02:03.456`` or ``00:01:02,500``."""
    found = _TIME.match((text or "").strip())
    if not found:
        return None
    hours, minutes, seconds, fraction = found.groups()
    # A unit below another counts to 59 (the pattern has hours only with minutes): "75" is
    # seconds, "1:75" is not a time.
    if minutes is not None and int(seconds) >= 60:
        return None
    if hours is not None and int(minutes) >= 60:
        return None
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds)) * 1000 + millis


def format_time(ms: int) -> str:
    """``1:02.500``, or ``1:02:03.456`` from an hour on."""
    hours, rest = divmod(int(ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    if hours:
        return "%d:%02d:%02d.%03d" % (hours, minutes, seconds, millis)
    return "%d:%02d.%03d" % (minutes, seconds, millis)


@dataclass
class Row:
    """One row of the editor as typed, with its problems (field -> (code, params))."""
    start: str = ""
    end: str = ""
    text: str = ""
    problems: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.text.strip()


def rows_of(cues: list) -> list[Row]:
    return [Row(format_time(s), format_time(e), t) for s, e, t in cues]


def read_rows(form, count: int) -> list[Row]:
    """The rows ``start-N``, ``end-N``, ``text-N`` (N < count) of a posted form."""
    count = max(0, min(int(count), PART + BLANK_ROWS))
    return [Row(form.get("start-%d" % n, "")[:40], form.get("end-%d" % n, "")[:40],
                form.get("text-%d" % n, "")[:MAX_TEXT * 2]) for n in range(count)]


def check(rows: list[Row]) -> list[list] | None:
    """The cues of the rows (a row whose text is empty is removed), or None when any row has a
    problem (each row then holds its own)."""
    cues, bad = [], False
    for row in rows:
        if row.empty:
            continue
        cue = _checked(row)
        if row.problems:
            bad = True
            continue
        cues.append(cue)
    return None if bad else cues


def _checked(row: Row) -> list:
    """The cue ``[start, end, text]`` of a row, its problems noted in ``row.problems``."""
    start, end = parse_time(row.start), parse_time(row.end)
    if start is None:
        row.problems["start"] = ("time_invalid", {})
    end_problem = _end_problem(start, end)
    if end_problem is not None:
        row.problems["end"] = end_problem
    text = " ".join(row.text.split())
    if len(text) > MAX_TEXT:
        row.problems["text"] = ("text_too_long", {"max": MAX_TEXT})
    return [start, end, text]


def _end_problem(start: int | None, end: int | None) -> tuple | None:
    """What is wrong with a cue's end: no time, not after the start, or too long after it."""
    if end is None:
        return ("time_invalid", {})
    if start is None:
        return None
    if end <= start:
        return ("end_before_start", {})
    if end - start > MAX_CUE_S * 1000:
        return ("too_long_cue", {"max": MAX_CUE_S})
    return None


def save_part(material: Material, lang: str, part: int, cues: list[list], version: str,
              user_id: int | None) -> SubtitleTrack | None:
    """Put ``cues`` in place of the track's part ``part`` (0-based). Raises CueError("changed")
    when the track is not the one the editor showed (``version``: its file id). Returns the
    track, or None when nothing changed (an automatic track then stays automatic)."""
    track = material.track(lang)
    if track is None or str(track.file_id) != str(version):
        raise CueError("changed")
    current = [list(c) for c in track.cues or []]
    merged = current[:part * PART] + cues + current[(part + 1) * PART:]
    merged.sort(key=lambda c: (c[0], c[1]))
    if not merged:
        raise CueError("empty")
    if merged == current:
        return None
    track = set_subtitles(material, lang, to_webvtt(merged).encode("utf-8"), user_id)
    was_automatic = track.automatic
    track.automatic = False  # corrected by a person: an ordinary track from now on
    db.session.flush()
    audit.record("material.subtitles_correct", material, slug=material.slug, lang=lang,
                 part=part + 1, cues=len(cues), was_automatic=was_automatic)
    return track
