"""Text files people upload, decoded: one rule for every importer (subtitles, lists).

Files made on Windows are often not UTF-8: Notepad's "ANSI" is Windows-1252 in Western
Europe and the Americas, Excel saves "Unicode text" as UTF-16. `decode_text` reads:

1. a byte order mark: UTF-8, UTF-16 (little- or big-endian) or UTF-32; sure;
2. bytes that are valid UTF-8 (ASCII included): UTF-8; sure;
3. anything else through charset-normalizer, limited to the legacy encodings the program's
   languages are written in (`LEGACY`). Among the readings it finds about as plausible as
   the best one, the first in `LEGACY`'s order wins, so a short French or Spanish file is
   read as Windows-1252 rather than some DOS code page that happens to score as well. It is
   a guess, and said to be one (``confident`` is false) unless every plausible reading gives
   the same text.

Whoever decodes tells the reader what was assumed (`describe`), so a wrong guess is seen
before it is searched for.
"""
from __future__ import annotations

import codecs
from typing import NamedTuple

from charset_normalizer import from_bytes

BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
# In order of preference when several readings are as plausible.
LEGACY = ("cp1252", "iso8859_15", "shift_jis", "cp932", "euc_jp", "mac_roman", "cp850")
PLAUSIBLE = 0.05  # how much more "chaos" (charset-normalizer's mess ratio) a reading may show
NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
         "utf-32-le": "UTF-32", "utf-32-be": "UTF-32", "cp1252": "Windows-1252",
         "iso8859-15": "ISO-8859-15", "iso8859-1": "ISO-8859-1", "shift_jis": "Shift_JIS",
         "cp932": "Shift_JIS (Windows)",
         "euc_jp": "EUC-JP", "mac-roman": "Mac OS Roman", "cp850": "DOS Latin-1 (850)"}


class Decoded(NamedTuple):
    text: str
    encoding: str  # Python's name of the codec ("utf-8", "utf-16-le", "cp1252"...)
    confident: bool  # False when the encoding was guessed among several plausible ones


def decode_text(data: bytes) -> Decoded:
    """The text of ``data``, the encoding it was read with, and whether that is certain.
    A byte order mark is removed; nothing else is changed."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(encoding, "replace"), encoding, True)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", True)
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data, cp_isolation=list(LEGACY)))
    if not matches:  # nothing reads it cleanly: show what can be shown
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
    """The usual name of an encoding, for people: "Windows-1252", "UTF-16"."""
    return NAMES.get(codecs.lookup(encoding).name, encoding.upper())
