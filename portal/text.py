"""Text as people type and upload it: folded for comparison (`fold`, `fold_words`: one rule
for the user search, the catalogue, the nominee importer's names, the questionnaires), and text
files decoded (`decode_text`: one rule for every importer, subtitles and lists).

Files made on Windows are often not UTF-8: Notepad's "ANSI" is Windows-1252 in Western
Europe and the Americas, Excel saves "Unicode text" as UTF-16. `decode_text` reads:

1. a byte order mark: UTF-8, UTF-16 (little- or big-endian) or UTF-32; sure;
2. UTF-16 without a byte order mark, told by its zero bytes (Excel's "Unicode text"); sure;
3. bytes that are valid UTF-8 (ASCII included): UTF-8; sure;
4. anything else through charset-normalizer, limited to the legacy encodings the program's
   languages are written in (`LEGACY`). Among the readings it finds about as plausible as
   the best one, the first in `LEGACY`'s order wins, so a short French or Spanish file is
   read as Windows-1252 rather than some DOS code page that happens to score as well. It is
   a guess, and said to be one (``confident`` is false) unless every plausible reading gives
   the same text.

Whoever decodes tells the reader what was assumed (`encoding_name`, in the reader's language),
so a wrong guess is seen before it is searched for or imported. The subtitle reader and the
nominee importer both call `decode_text` (the importer with ``strict=True``: a file nothing
reads cleanly is refused, not shown with replacement characters).
"""
from __future__ import annotations

import codecs
import unicodedata
from typing import NamedTuple

from charset_normalizer import from_bytes

from .i18n import lazy_gettext as _l

BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
# In order of preference when several readings are as plausible.
LEGACY = ("cp1252", "iso8859_15", "shift_jis", "cp932", "euc_jp", "mac_roman", "cp850")
PLAUSIBLE = 0.05  # how much more "chaos" (charset-normalizer's mess ratio) a reading may show
NAMES = {  # by Python's codec name (codecs.lookup(...).name)
    "utf-8": _l("UTF-8"), "utf-8-sig": _l("UTF-8"), "utf-16": _l("UTF-16 (Unicode)"),
    "utf-16-le": _l("UTF-16 (Unicode)"), "utf-16-be": _l("UTF-16 (Unicode)"),
    "utf-32": _l("UTF-32 (Unicode)"), "utf-32-le": _l("UTF-32 (Unicode)"),
    "utf-32-be": _l("UTF-32 (Unicode)"),
    "cp1252": _l("Windows-1252 (Western European)"),
    "iso8859-1": _l("ISO-8859-1 (Latin-1, Western European)"),
    "iso8859-15": _l("ISO-8859-15 (Latin-9, Western European)"),
    "mac-roman": _l("Mac Roman (Western European)"), "cp850": _l("DOS code page 850"),
    "shift_jis": _l("Shift_JIS (Japanese)"), "cp932": _l("Shift_JIS (Windows, Japanese)"),
    "euc_jp": _l("EUC-JP (Japanese)"),
}

# Letters that carry no combining accent in Unicode, so NFKD leaves them as they are.
_PLAIN = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th",
                        "ð": "d", "ı": "i", "ħ": "h", "ŧ": "t"})


def fold(text: str | None) -> str:
    """Text as comparisons read it: case folded, accents and marks removed ("Đức Œuvre
    Straße" -> "duc oeuvre strasse"), the same in Python for every database."""
    folded = unicodedata.normalize("NFKD", (text or "").casefold()).translate(_PLAIN)
    return "".join(c for c in folded if not unicodedata.combining(c))


def fold_words(text: str | None) -> str:
    """``fold`` with the words one space apart ("  Nguyễn  Văn " -> "nguyen van")."""
    return " ".join(fold(text).split())


class Undecodable(ValueError):
    """``decode_text(..., strict=True)``: no encoding reads these bytes cleanly."""


class Decoded(NamedTuple):
    text: str
    encoding: str  # Python's name of the codec ("utf-8", "utf-16-le", "cp1252"...)
    confident: bool  # False when the encoding was guessed among several plausible ones


def decode_text(data: bytes, strict: bool = False) -> Decoded:
    """The text of ``data``, the encoding it was read with, and whether that is certain.
    A byte order mark is removed; nothing else is changed. ``strict``: raise `Undecodable`
    rather than put replacement characters where the bytes do not fit."""
    marked = _marked_encoding(data)
    if marked is not None:
        encoding, start = marked
        try:
            text = data[start:].decode(encoding, "strict" if strict else "replace")
        except UnicodeDecodeError:
            raise Undecodable(encoding) from None
        return Decoded(text, encoding, True)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", True)
    except UnicodeDecodeError:
        return _guessed(data, strict)


def _marked_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding the bytes say for sure, and where the text starts: a byte order mark, or
    UTF-16 told by its zero bytes (Excel's "Unicode text"); None when they say nothing."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    sample = data[:4096]
    if len(sample) >= 2 and sample.count(0) > len(sample) // 8:  # UTF-16 without a BOM
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        return ("utf-16-le" if odd > even else "utf-16-be"), 0
    return None


def _guessed(data: bytes, strict: bool) -> Decoded:
    """Bytes that are not UTF-8, read in the first of the most plausible `LEGACY` encodings;
    sure only when every plausible reading gives the same text."""
    matches = list(from_bytes(data, cp_isolation=list(LEGACY)))
    if not matches:  # nothing reads it cleanly: show what can be shown
        if strict:
            raise Undecodable("legacy")
        return Decoded(data.decode("cp1252", "replace"), "cp1252", False)
    least = min(m.chaos for m in matches)
    plausible = [m for m in matches if m.chaos <= least + PLAUSIBLE]
    plausible.sort(key=lambda m: _rank(m.encoding))
    chosen = plausible[0]
    text = str(chosen)
    confident = all(str(m) == text for m in plausible)
    return Decoded(text, codecs.lookup(chosen.encoding).name, confident)


def _rank(encoding: str) -> int:
    name = codecs.lookup(encoding).name
    ranked = [codecs.lookup(e).name for e in LEGACY]
    return ranked.index(name) if name in ranked else len(ranked)


def encoding_name(encoding: str) -> str:
    """The usual name of an encoding, for people, in the reader's language:
    "Windows-1252 (Western European)", "UTF-16 (Unicode)"."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = encoding
    return str(NAMES.get(name, encoding.upper()))
