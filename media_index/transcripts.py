"""Subtitle parsing (WebVTT and SRT) and grouping of cues into ~30 s windows.

All times are integer milliseconds. webvtt-py's ``start_in_seconds`` truncates
to whole seconds, so times are read with ``in_milliseconds()``.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

WINDOW_MS = 30_000
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class TranscriptError(ValueError):
    """The subtitle file could not be parsed."""


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: plain text shown from ``start_ms`` to ``end_ms``."""

    start_ms: int
    end_ms: int
    text: str


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


def clean_text(raw: str) -> str:
    """Strip cue tags and entities and collapse whitespace."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", raw))).strip()


def parse(data: str | bytes, fmt: str | None = None) -> list[Cue]:
    """Parse WebVTT or SRT text into cues sorted by start time.

    ``fmt`` is "vtt" or "srt"; by default it is "vtt" when the text starts
    with the WEBVTT signature and "srt" otherwise. Raises `TranscriptError`.
    """
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig", errors="replace")
    data = data.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if fmt is None:
        fmt = "vtt" if data.lstrip().startswith("WEBVTT") else "srt"
    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(data), format=fmt).captions
    except (MalformedCaptionError, MalformedFileError, ValueError, IndexError) as exc:
        raise TranscriptError(f"not a valid {fmt} file: {exc}") from exc
    cues = []
    for caption in captions:
        text = clean_text(caption.raw_text)
        if text:
            start = caption.start_time.in_milliseconds()
            cues.append(Cue(start, max(start, caption.end_time.in_milliseconds()), text))
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    return cues


def as_cue(value) -> Cue:
    """Accept a `Cue`, a ``(start_ms, end_ms, text)`` tuple or a mapping."""
    if isinstance(value, Cue):
        return value
    if isinstance(value, dict):
        return Cue(int(value["start_ms"]), int(value["end_ms"]), str(value["text"]))
    start, end, text = value
    return Cue(int(start), int(end), str(text))


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
    """Serialise cues as WebVTT (how SRT uploads are stored for the player)."""
    lines = ["WEBVTT", ""]
    for cue in map(as_cue, cues):
        # Escaping also neutralises a "-->" inside the text.
        text = html.escape(cue.text, quote=False)
        lines += [f"{_stamp(cue.start_ms)} --> {_stamp(cue.end_ms)}", text, ""]
    return "\n".join(lines)


def _stamp(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
