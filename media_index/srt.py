"""SRT (SubRip) read leniently and turned into WebVTT cues.

SRT has no specification; files in the wild differ. What is accepted:

- a cue is an optional number line, a timing line, then text lines up to a blank line (a
  line of spaces counts as blank);
- timings ``hh:mm:ss,ttt --> hh:mm:ss,ttt``, also with ``.``, hours of one or more digits,
  1-3 digits of milliseconds (``,5`` is 500 ms) and coordinates after it (ignored);
- a missing blank line before the next number and timing; lines of text after a blank line
  that are not a new cue join the cue before (a blank line inside a subtitle);
- tags: ``<i>``, ``<b>``, ``<u>`` are kept; ``<font ...>`` and any other tag are dropped; the
  ASS/SSA override tags that many tools write (``{\\an8}``, ``{\\i1}``...) are removed from
  the text, and the ``\\an`` position becomes WebVTT cue settings (``{\\an8}``: at the top).
  The rest of the text is plain: ``&``, ``<`` and ``>`` are escaped for WebVTT.

A line that looks like a timing (it holds ``-->``) and does not parse is refused with its
line number (`TrackError` ``timing``), as is text before the first timing (``expected_timing``).
"""
from __future__ import annotations

import re

from .webvtt import TrackCue, TrackError

TIMING_EXAMPLE = "00:01:02,500 --> 00:01:04,000"
_STAMP = r"(\d+):([0-5]?\d):([0-5]?\d)(?:[,.:](\d{1,3}))?"
_TIMING = re.compile(r"^\s*%s\s*-->\s*%s(?:\s.*)?$" % (_STAMP, _STAMP))
_NUMBER = re.compile(r"^\s*\d+\s*$")
_ASS = re.compile(r"\{\\[^{}]*\}")
_AN = re.compile(r"\\an([1-9])")
_TAG = re.compile(r"<(/?)([a-zA-Z]+)(?:\s[^<>]*)?>")
_KEPT_TAGS = frozenset({"i", "b", "u"})
# {\anN}: the numeric keypad. 7-9 at the top, 4-6 in the middle; 1, 4, 7 left; 3, 6, 9 right.
_LINE = {7: "line:0", 8: "line:0", 9: "line:0", 4: "line:50%", 5: "line:50%", 6: "line:50%"}
_ALIGN = {1: "align:start", 4: "align:start", 7: "align:start",
          3: "align:end", 6: "align:end", 9: "align:end"}


def _ms(groups) -> int:
    hours, minutes, seconds, fraction = groups
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def parse_timing(line: str) -> tuple[int, int] | None:
    match = _TIMING.match(line)
    if match is None:
        return None
    groups = match.groups()
    return _ms(groups[:4]), _ms(groups[4:])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_cue_text(text: str) -> tuple[str, str]:
    """``(WebVTT cue text, cue settings)`` of an SRT subtitle's text."""
    settings = ""
    for block in _ASS.findall(text):
        position = _AN.search(block)
        if position:
            number = int(position.group(1))
            settings = " ".join(s for s in (_LINE.get(number), _ALIGN.get(number)) if s)
    text = _ASS.sub("", text)
    out, last = [], 0
    for tag in _TAG.finditer(text):
        out.append(_escape(text[last:tag.start()]))
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _KEPT_TAGS:
            out.append("<%s%s>" % (closing, name))
        last = tag.end()
    out.append(_escape(text[last:]))
    lines = [line.strip() for line in "".join(out).split("\n")]
    return "\n".join(line for line in lines if line), settings


def read(text: str) -> list[TrackCue]:
    """The cues of an SRT file (text, decoded; line ends normalised), their text as WebVTT
    cue text. Raises `TrackError`."""
    lines = text.split("\n")
    cues: list[dict] = []
    identifier = ""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if "-->" in line:
            timing = parse_timing(line)
            if timing is None:
                raise TrackError("timing", number, timing=line.strip()[:80],
                                 example=TIMING_EXAMPLE)
            cues.append({"id": identifier, "start": timing[0], "end": timing[1],
                         "line": number, "text": []})
            identifier = ""
        elif _NUMBER.match(line) and "-->" in (lines[number] if number < len(lines) else ""):
            identifier = line.strip()  # the number of the cue whose timing follows
        elif cues:
            cues[-1]["text"].append(line)
        else:
            raise TrackError("expected_timing", number, text=line.strip()[:80],
                             example=TIMING_EXAMPLE)
    return [_cue(c) for c in cues]


def _cue(found: dict) -> TrackCue:
    text, settings = to_cue_text("\n".join(found["text"]))
    return TrackCue(found["id"], found["start"], found["end"], settings, text, found["line"])
