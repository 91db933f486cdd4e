"""Subtitles: WebVTT and SRT files read into cues, and cues grouped into ~30 s windows.

A subtitle file gives two things, kept apart (docs/LIBRARY.md, "Subtitles"):

- the WebVTT text the player loads (`Subtitles.vtt`): a WebVTT file as uploaded (normalised
  by the spec's first step), or an SRT file turned into WebVTT; cue settings, STYLE and
  REGION blocks, identifiers and voices are kept;
- the clean cues (`Cue`: times, plain text, speaker) for search and the transcript, read from
  that same WebVTT text by the spec's cue text rules (`media_index.cuetext`).

The files are read by `media_index.webvtt` (the W3C parser algorithm) and `media_index.srt`
(lenient). The text is decoded by the caller (the portal guesses encodings). All times are
integer milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import cuetext, srt, webvtt
from .webvtt import TrackError

WINDOW_MS = 30_000
TranscriptError = TrackError  # the name callers know: a file that cannot be read


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: plain text shown from ``start_ms`` to ``end_ms``, and who speaks it
    (the cue's voices, ``<v Dr. Sato>``; an annotation, not part of the cue's identity)."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str = field(default="", compare=False)


@dataclass(frozen=True)
class Window:
    """Consecutive cues spanning about ``WINDOW_MS``.

    ``cue_starts`` maps character offsets in ``text`` to cue start times, as
    ``(start_ms, offset)`` pairs, so a hit can point at its exact cue.
    """

    start_ms: int
    end_ms: int
    text: str
    cue_starts: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Subtitles:
    """A subtitle file read: its ``format`` ("vtt" or "srt"), the WebVTT text for the player,
    the clean cues in time order, and the lines of cues that end before (or when) they start,
    which players never show."""

    format: str
    vtt: str
    cues: list[Cue]
    backwards: tuple[int, ...] = ()


def detect_format(text: str) -> str | None:
    """"vtt" when ``text`` starts as WebVTT does, "srt" when it holds timings, else None."""
    first = webvtt.normalise(text).lstrip("\n\t ")
    if first.startswith("WEBVTT"):
        return "vtt"
    return "srt" if "-->" in text else None


def read_subtitles(text: str, fmt: str | None = None) -> Subtitles:
    """Read a WebVTT or SRT file (decoded text). ``fmt`` ("vtt" or "srt") is detected when
    not given. Raises `TranscriptError` with a code: ``not_subtitles``, ``signature``,
    ``timing`` or ``expected_timing`` (with the line), ``no_cues``."""
    fmt = fmt or detect_format(text)
    if fmt is None:
        raise TrackError("not_subtitles")
    source = webvtt.write(srt.read(webvtt.normalise(text))) if fmt == "srt" else text
    track = webvtt.read(source)
    cues, backwards = [], []
    for cue in track.cues:
        plain, voices = cuetext.plain(cue.text)
        if cue.end_ms <= cue.start_ms:
            backwards.append(cue.line)
        if plain:
            cues.append(Cue(cue.start_ms, max(cue.start_ms, cue.end_ms), plain,
                            ", ".join(voices)))
    if not cues:
        raise TrackError("no_cues")
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    return Subtitles(fmt, track.source, cues, tuple(backwards))


def parse(data: str | bytes, fmt: str | None = None) -> list[Cue]:
    """The clean cues of a WebVTT or SRT file, sorted by start time (bytes are read as
    UTF-8). Raises `TranscriptError`."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig", errors="replace")
    return read_subtitles(data, fmt).cues


def as_cue(value) -> Cue:
    """Accept a `Cue`, a ``(start_ms, end_ms, text[, speaker])`` tuple or a mapping."""
    if isinstance(value, Cue):
        return value
    if isinstance(value, dict):
        return Cue(int(value["start_ms"]), int(value["end_ms"]), str(value["text"]),
                   str(value.get("speaker") or ""))
    start, end, text, *speaker = value
    return Cue(int(start), int(end), str(text), str(speaker[0] or "") if speaker else "")


def cue_rows(cues: Iterable) -> list[list]:
    """Cues as JSON rows: ``[start_ms, end_ms, text]``, with the speaker as a fourth item
    when there is one."""
    rows = []
    for cue in map(as_cue, cues):
        row = [cue.start_ms, cue.end_ms, cue.text]
        rows.append(row + [cue.speaker] if cue.speaker else row)
    return rows


def group_windows(cues: Iterable, span_ms: int = WINDOW_MS) -> list[Window]:
    """Group cues into windows of about ``span_ms`` (a cue is never split)."""
    windows: list[Window] = []
    current: list[Cue] = []
    for cue in sorted((as_cue(c) for c in cues), key=lambda c: c.start_ms):
        if not cue.text.strip():
            continue
        if current and cue.start_ms - current[0].start_ms >= span_ms:
            windows.append(_window(current))
            current = []
        current.append(cue)
    if current:
        windows.append(_window(current))
    return windows


def _window(cues: list[Cue]) -> Window:
    parts, starts, offset = [], [], 0
    for cue in cues:
        starts.append((cue.start_ms, offset))
        parts.append(cue.text)
        offset += len(cue.text) + 1
    end = max(c.end_ms for c in cues)
    return Window(cues[0].start_ms, end, " ".join(parts), tuple(starts))


def to_webvtt(cues: Iterable) -> str:
    """Serialise clean cues as WebVTT (plain text escaped, the speaker as a voice)."""
    out = []
    for cue in map(as_cue, cues):
        text = _escape(cue.text)
        if cue.speaker:
            text = "<v %s>%s" % (_escape(cue.speaker), text)
        out.append(webvtt.TrackCue("", cue.start_ms, cue.end_ms, "", text, 0))
    return webvtt.write(out)


def _escape(text: str) -> str:
    # Escaping also neutralises a "-->" inside the text; a blank line would end the cue.
    text = _BLANK_LINES.sub("\n", text.strip())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BLANK_LINES = re.compile(r"\n\s*\n")
