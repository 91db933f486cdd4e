"""WebVTT files read as browsers read them: the W3C WebVTT parser algorithm (6.1-6.3).

What the spec says, and what this module does:

- the input is text (the caller decodes the bytes); a leading BOM is dropped, every NUL
  becomes U+FFFD and CRLF, CR and LF all end a line (`normalise`);
- the first line must be ``WEBVTT``, alone or followed by a space or tab and anything (the
  signature); a header may follow it up to the first blank line or the first timing line;
- blocks are separated by one or more *empty* lines (a line of spaces is not empty: it
  belongs to the block);
- a block whose first or second line holds ``-->`` is a cue: an optional identifier line,
  the timing line (``[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt`` then cue settings), then its text;
  a later line holding ``-->`` ends the cue and starts a new block;
- ``STYLE`` and ``REGION`` blocks count only before the first cue; ``NOTE`` blocks and any
  other block without a timing are skipped;
- a cue whose end is not after its start is kept, as browsers keep it (they never show it).

Where browsers silently drop a block because its timing line does not parse, this reader
refuses the file instead, naming the line (`TrackError`): the person uploading it can fix it,
whereas a browser would just leave that subtitle out. The file the player gets is the
normalised text itself (`Track.source`), so its cue settings, styles, regions, identifiers and
voices are exactly what was uploaded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

TIMING_EXAMPLE = "00:01:02.500 --> 00:01:04.000"
_ASCII_WHITESPACE = " \t\n\f\r"
# [hours:]minutes:seconds.millis, each unit a whole run of ASCII digits (two, two, three).
_TIMESTAMP = re.compile(r"([0-9]+):([0-9]{2})(?::([0-9]{2}))?\.([0-9]{3})(?![0-9])")


class TrackError(ValueError):
    """A subtitle file that cannot be taken. ``code`` is stable (the portal translates it),
    ``line`` is the 1-based line it is about (or None), ``params`` fill the message."""

    def __init__(self, code: str, line: int | None = None, **params):
        self.code, self.line, self.params = code, line, params
        where = "line %d: " % line if line else ""
        detail = ", ".join("%s=%r" % item for item in sorted(params.items()))
        super().__init__("%s%s%s" % (where, code, " (%s)" % detail if detail else ""))


@dataclass(frozen=True)
class TrackCue:
    """A cue as written: its identifier, times (ms), the settings after the timing (as
    written, whitespace collapsed), its text with its tags, and the line of its timing."""

    identifier: str
    start_ms: int
    end_ms: int
    settings: str
    text: str
    line: int


@dataclass
class Track:
    """A subtitle file read: ``source`` is the WebVTT text the player is given."""

    source: str
    cues: list[TrackCue] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """The parser's first step: NUL to U+FFFD, CRLF and CR to LF; a leading BOM dropped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")


def has_signature(text: str) -> bool:
    """True if ``text`` (normalised) starts with the WebVTT file signature."""
    return text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\n")


def parse_timestamp(text: str, position: int = 0) -> tuple[int, int] | None:
    """Collect a WebVTT timestamp at ``position``: ``(milliseconds, new position)`` or None.
    Minutes, seconds and milliseconds are required; hours are optional and may have more
    than two digits (a first unit that is not two digits up to 59 can only be hours)."""
    found = _TIMESTAMP.match(text, position)
    if found is None:
        return None
    first, second, third, millis = found.groups()
    if third is not None:
        hours, minutes, seconds = int(first), int(second), int(third)
    elif len(first) == 2 and int(first) <= 59:
        hours, minutes, seconds = 0, int(first), int(second)
    else:
        return None
    if minutes > 59 or seconds > 59:
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + int(millis), found.end()


def parse_timing(line: str) -> tuple[int, int, str] | None:
    """Collect WebVTT cue timings and settings: ``(start ms, end ms, settings)`` or None."""
    position = _skip(line, 0)
    start = parse_timestamp(line, position)
    if start is None:
        return None
    position = _skip(line, start[1])
    if line[position:position + 3] != "-->":
        return None
    end = parse_timestamp(line, _skip(line, position + 3))
    if end is None:
        return None
    return start[0], end[0], " ".join(line[end[1]:].split())


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _ASCII_WHITESPACE:
        position += 1
    return position


class _Reader:
    """The parser's state: the lines, where it stands, and what it found."""

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.at = 0  # the index of the next line
        self.seen_cue = False
        self.track = Track(text)

    def done(self) -> bool:
        return self.at >= len(self.lines) or (
            self.at == len(self.lines) - 1 and self.lines[-1] == "")

    def skip_blank(self) -> None:
        while not self.done() and self.lines[self.at] == "":
            self.at += 1

    def skip_header(self) -> None:
        """Step over the header (a block collected "in header", 6.1, whose text is not kept):
        its lines up to a blank line, or up to a line holding ``-->`` (a cue's timing)."""
        while not self.done():
            line = self.lines[self.at]
            if "-->" in line:
                break  # this line starts the first cue
            self.at += 1
            if line == "":
                break

    def block(self) -> None:
        """Collect a WebVTT block (6.1) and keep what it is: a cue, a style, a region."""
        buffer: list[str] = []
        count, seen_arrow, cue, kind = 0, False, None, None
        while not self.done():
            line = self.lines[self.at]
            count += 1
            if "-->" in line:
                # A timing is the block's first line, or its second after an identifier.
                if count <= 2 and not seen_arrow:
                    seen_arrow = True
                    self.at += 1
                    cue = self._timing(line, "\n".join(buffer))
                    buffer = []
                    continue
                break  # this line starts the next block
            self.at += 1
            if line == "":
                break
            if count == 2 and not self.seen_cue:  # STYLE and REGION only before any cue
                kind = _header_kind(buffer)
                if kind:
                    buffer = []
            buffer.append(line)
        self._keep(cue, kind, "\n".join(buffer))

    def _timing(self, line: str, identifier: str) -> tuple:
        timing = parse_timing(line)
        if timing is None:
            raise TrackError("timing", self.at, timing=line.strip()[:80],
                             example=TIMING_EXAMPLE)
        self.seen_cue = True
        return identifier, timing, self.at

    def _keep(self, cue, kind, text: str) -> None:
        if cue is not None:
            identifier, (start, end, settings), line = cue
            self.track.cues.append(TrackCue(identifier, start, end, settings, text, line))
        elif kind == "STYLE":
            self.track.styles.append(text)
        elif kind == "REGION":
            self.track.regions.append(text)


def _header_kind(buffer: list[str]) -> str | None:
    first = buffer[0] if buffer else ""
    for kind in ("STYLE", "REGION"):
        if first.startswith(kind) and not first[len(kind):].strip(_ASCII_WHITESPACE):
            return kind
    return None


def read(text: str) -> Track:
    """Read a WebVTT file (text, decoded) by the spec's parser. Raises `TrackError`:
    ``signature`` (line 1) or ``timing`` (the line of a timing that does not parse)."""
    text = normalise(text)
    if not has_signature(text):
        raise TrackError("signature", 1)
    reader = _Reader(text)
    reader.at = 1  # the signature line
    reader.skip_header()
    reader.skip_blank()
    while not reader.done():
        reader.block()
        reader.skip_blank()
    return reader.track


def stamp(ms: int) -> str:
    """``hh:mm:ss.ttt``, the full form of a WebVTT timestamp."""
    hours, rest = divmod(max(0, int(ms)), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def write(cues, styles=(), regions=()) -> str:
    """A WebVTT file from cues (anything with ``identifier``, ``start_ms``, ``end_ms``,
    ``settings`` and ``text`` holding WebVTT cue text). Blank lines inside a cue's text are
    dropped (they would end the cue) and a ``-->`` in it is escaped."""
    out = ["WEBVTT", ""]
    for block, body in [("STYLE", s) for s in styles] + [("REGION", r) for r in regions]:
        out += [block, body, ""]
    for cue in cues:
        out += _cue_lines(cue)
    return "\n".join(out)


def _cue_lines(cue) -> list[str]:
    """A cue's block: its identifier (unless it would read as a timing or end the block), its
    timing and settings, its text without blank lines or ``-->``, then the blank line."""
    lines = []
    if cue.identifier and "-->" not in cue.identifier and "\n" not in cue.identifier:
        lines.append(cue.identifier)
    timing = "%s --> %s" % (stamp(cue.start_ms), stamp(cue.end_ms))
    lines.append("%s %s" % (timing, cue.settings) if cue.settings else timing)
    text = [line.replace("-->", "--&gt;") for line in cue.text.split("\n")]
    return lines + [line for line in text if line.strip()] + [""]
