"""WebVTT cue text to plain text, by the spec's cue text parsing rules (W3C WebVTT 6.4).

The player gets the cue text as written (tags, classes, voices, ruby). Search and the
transcript get plain text: tags are dropped without adding anything in their place, so
``te<i>x</i>t`` stays one word, "text"; character references are decoded; the line breaks
of a cue become spaces; ruby keeps its base text with the ruby text after it in parentheses
(``<ruby>漢字<rt>かんじ</rt></ruby>`` gives "漢字(かんじ)"); a voice (``<v Dr. Sato>``) is
returned apart, as the cue's speaker.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
_ASCII_SPACE = re.compile(r"[\t\n\f\r ]+")
# The tags that open a node (6.4); any other start tag is ignored, its text kept.
_NODES = frozenset({"c", "i", "b", "u", "ruby", "rt", "v", "lang"})


@dataclass(frozen=True)
class _Token:
    kind: str  # "text", "start", "end" or "timestamp"
    value: str  # the text, the tag name, or the timestamp
    annotation: str = ""


def tokens(text: str):
    """The cue text tokenizer (6.4): strings, start tags (name, annotation), end tags and
    timestamp tags. Character references are decoded in strings and annotations."""
    position, length = 0, len(text)
    while position < length:
        if text[position] != "<":
            end = text.find("<", position)
            end = length if end < 0 else end
            yield _Token("text", html.unescape(text[position:end]))
            position = end
            continue
        end = text.find(">", position + 1)
        body = text[position + 1:(length if end < 0 else end)]
        position = length if end < 0 else end + 1
        yield _tag(body)


def _tag(body: str) -> _Token:
    if body.startswith("/"):
        return _Token("end", body[1:])
    if body[:1].isdigit():
        return _Token("timestamp", body)
    # The name ends at whitespace (then the annotation) or at a dot (then classes).
    head, _, annotation = _split_annotation(body)
    name = head.split(".", 1)[0]
    annotation = _ASCII_SPACE.sub(" ", html.unescape(annotation)).strip(" ")
    return _Token("start", name, annotation)


def _split_annotation(body: str) -> tuple[str, str, str]:
    match = re.search(r"[\t\n\f ]", body)
    if match is None:
        return body, "", ""
    return body[:match.start()], match.group(), body[match.end():]


class _Node:
    __slots__ = ("name", "parent", "parts", "annotation")

    def __init__(self, name: str, parent: _Node | None, annotation: str = ""):
        self.name, self.parent, self.annotation = name, parent, annotation
        self.parts: list = []


def _tree(text: str) -> _Node:
    """The node tree of the cue text parsing rules (6.4): ``rt`` only inside ``ruby``; an end
    tag closes only the node it names (``</ruby>`` also closes an open ``rt``)."""
    root = current = _Node("", None)
    for token in tokens(text):
        if token.kind == "text":
            current.parts.append(token.value)
        elif token.kind == "start":
            current = _opened(current, token)
        elif token.kind == "end":
            current = _closed(current, token.value)
    return root


def _opened(current: _Node, token: _Token) -> _Node:
    """The node a start tag opens inside ``current`` (then the current node), or ``current``
    for a tag that opens none: an unknown one, or ``rt`` outside ``ruby``."""
    if token.value not in _NODES or (token.value == "rt" and current.name != "ruby"):
        return current
    node = _Node(token.value, current, token.annotation)
    current.parts.append(node)
    return node


def _closed(current: _Node, name: str) -> _Node:
    """The current node after an end tag: the parent of the node it closes, else unchanged."""
    if current.parent is None:
        return current
    if name == current.name:
        return current.parent
    if name == "ruby" and current.name == "rt":
        return current.parent.parent
    return current


def _flatten(node: _Node, out: list[str], voices: list[str]) -> None:
    for part in node.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if part.name == "v" and part.annotation and part.annotation not in voices:
            voices.append(part.annotation)
        if part.name == "rt":
            inner: list[str] = []
            _flatten(part, inner, voices)
            reading = _SPACE.sub(" ", "".join(inner)).strip()
            if reading:
                out.append("(%s)" % reading)
        else:
            _flatten(part, out, voices)


def plain(text: str) -> tuple[str, tuple[str, ...]]:
    """``(plain text, voices)`` of a cue's text: the words a reader sees, in order, and the
    names of the voices speaking, in order of appearance."""
    out: list[str] = []
    voices: list[str] = []
    _flatten(_tree(text), out, voices)
    return _SPACE.sub(" ", "".join(out)).strip(), tuple(voices)
