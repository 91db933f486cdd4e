"""Checks on what users upload: names, types by content, sizes, archives; and which types a
download shows in the page rather than saves (:func:`playable_inline`).

Pure functions, no Flask. A refusal is an :class:`UploadRefused` with a stable ``code`` and
parameters; the web layer turns it into a message in the user's language. Codes:

=========================== =====================================================
``empty``                   nothing to store
``too_large``               ``size`` > ``limit`` (bytes)
``type_not_allowed``        ``extension`` not among ``allowed`` for this purpose
``type_unknown``            the bytes match no accepted type (``allowed``)
``extension_mismatch``      the bytes are ``detected`` (an extension) but the name
                            says ``extension``
``archive_invalid``         an archive whose directory cannot be read
``archive_too_many_entries`` ``entries`` > ``limit``
``archive_too_large``       unpacked ``size`` > ``limit`` (bytes)
=========================== =====================================================
"""
from __future__ import annotations

import csv
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import IO

import filetype

from ..domain_errors import DomainError

HEAD_SIZE = 8192  # bytes of the start of a file that sniff() looks at
MAX_NAME_LENGTH = 120

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "text/plain": (".txt", ".text", ".md", ".log"),
    "text/csv": (".csv",),
    "text/vtt": (".vtt",),
    "application/x-subrip": (".srt",),
    "application/rtf": (".rtf",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "application/epub+zip": (".epub",),
    "application/zip": (".zip",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "video/mp4": (".mp4",),
    "video/x-m4v": (".m4v",),
    "video/webm": (".webm",),
    "video/quicktime": (".mov",),
    "video/x-matroska": (".mkv",),
    "video/mpeg": (".mpg", ".mpeg"),
    "video/x-msvideo": (".avi",),
    "audio/mpeg": (".mp3",),
    "audio/mp4": (".m4a",),
    "audio/ogg": (".ogg", ".oga", ".opus"),
    "audio/wav": (".wav",),
    "audio/flac": (".flac",),
    "audio/aac": (".aac",),
    # Never accepted; listed so a refusal can name what the bytes really are.
    "text/html": (".html", ".htm"),
    "application/xhtml+xml": (".xhtml",),
    "image/svg+xml": (".svg",),
    "application/xml": (".xml",),
    "application/x-msdownload": (".exe",),
    "application/x-executable": (".elf",),
    "application/x-shockwave-flash": (".swf",),
}
# Content that a browser could run, or a machine could execute: no purpose may accept it.
DANGEROUS = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml", "application/xml",
                       "application/x-msdownload", "application/x-executable",
                       "application/x-shockwave-flash"})
ZIP_TYPES = frozenset({
    "application/zip", "application/epub+zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation"})
# The bytes say the first type; a name with an extension of one of these others is fine.
COMPATIBLE: dict[str, tuple[str, ...]] = {
    "text/plain": ("text/csv",),
    "text/csv": ("text/plain",),
    "application/zip": tuple(sorted(ZIP_TYPES - {"application/zip"})),
    "video/mp4": ("video/x-m4v", "video/quicktime", "audio/mp4"),
    "video/x-m4v": ("video/mp4",),
    "video/quicktime": ("video/mp4",),
    "audio/mp4": ("video/mp4",),
    "application/msword": ("application/vnd.ms-excel", "application/vnd.ms-powerpoint"),
    "application/vnd.ms-excel": ("application/msword", "application/vnd.ms-powerpoint"),
    "application/vnd.ms-powerpoint": ("application/msword", "application/vnd.ms-excel"),
}
# What a download may show in the page (played, or displayed) rather than save: media, subtitles,
# raster images; never what DANGEROUS names (an SVG image runs scripts).
INLINE_TYPES = ("video/", "audio/", "image/")
INLINE_EXACT = frozenset({"text/vtt", "application/x-subrip"})
_ALIASES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac"}
UNKNOWN = "application/octet-stream"


class UploadRefused(DomainError):
    """An upload breaks a rule. ``code`` is stable; ``params`` fill the translated message
    (``portal/uploads/messages.py``)."""

    messages = "portal.uploads.messages"

    @property
    def status(self) -> int:
        return 413 if self.code.startswith("too_large") else 400


@dataclass(frozen=True)
class UploadPolicy:
    """What one purpose accepts: MIME types (by content), a size limit, archive bounds."""
    types: frozenset[str]
    max_size: int
    max_archive_entries: int = 10_000
    max_archive_unpacked: int = 2 * 1024 ** 3
    extensions: frozenset[str] = field(init=False)

    def __post_init__(self):
        unknown = set(self.types) - set(EXTENSIONS)
        if unknown or set(self.types) & DANGEROUS or self.max_size <= 0:
            raise ValueError("bad upload policy: %s" % sorted(unknown | (self.types & DANGEROUS)))
        object.__setattr__(self, "types", frozenset(self.types))
        exts = frozenset(e for t in self.types for e in EXTENSIONS[t])
        object.__setattr__(self, "extensions", exts)

    @property
    def allowed(self) -> str:
        """The accepted extensions, for messages: ``.doc, .docx, .pdf``."""
        return ", ".join(sorted(self.extensions))


# -- names ---------------------------------------------------------------------------------------
_BIDI = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_DROP_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
_RESERVED = frozenset('<>:"|?*')
_DEVICE_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", *("COM%d" % i for i in range(1, 10)),
                           *("LPT%d" % i for i in range(1, 10))})
_EXTENSION = re.compile(r"\.[^. ]{1,16}\Z")


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if ord(ch) in _BIDI or category in _DROP_CATEGORIES or ch == "\ufeff":
        return ""
    if category == "Zs":
        return " "
    return "_" if ch in _RESERVED else ch


def clean_filename(name: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """A safe display name from a user's file name; never empty, never a path.

    Keeps the last path component; drops control, bidi-override, surrogate, private-use and
    unassigned characters; collapses spaces; strips leading dots and trailing dots and spaces;
    replaces characters Windows refuses; caps the length (``max_length`` characters and 255 UTF-8
    bytes) keeping the extension. Accents and non-Latin scripts stay as they are (NFC).
    """
    components = [c for c in re.split(r"[/\\]", str(name)) if c.strip()]
    text = "".join(_clean_char(ch) for ch in (components[-1] if components else ""))
    text = unicodedata.normalize("NFC", " ".join(text.split())).strip(" .")
    match = _EXTENSION.search(text)
    ext = match.group() if match and match.start() > 0 else ""
    stem = text[:len(text) - len(ext)].rstrip(" .")
    if stem.split(".")[0].upper() in _DEVICE_NAMES:
        stem = "_" + stem
    stem = _truncate(stem, max_length - len(ext), 255 - len(ext.encode())).rstrip(" .")
    return (stem or "file") + ext


def _truncate(text: str, chars: int, utf8_bytes: int) -> str:
    cut = min(len(text), chars)
    while cut and len(text[:cut].encode("utf-8", "surrogatepass")) > utf8_bytes:
        cut -= 1
    # never separate a base letter from the accents that follow it
    while 0 < cut < len(text) and unicodedata.combining(text[cut]):
        cut -= 1
    return text[:cut]


def extension(name: str) -> str:
    """The lower-case extension of a (cleaned) name, with its dot, or ``""``."""
    match = _EXTENSION.search(name)
    return match.group().lower() if match and match.start() > 0 else ""


# -- content -------------------------------------------------------------------------------------
_HTML_STARTS = ("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<style",
                "<title", "<table", "<div", "<font", "<h1", "<br", "<p", "<a", "<b", "<!--")
_SRT = re.compile(r"\A\s*\d+[ \t]*\r?\n[ \t]*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}[ \t]*-->[ \t]*"
                  r"\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _as_text(head: bytes) -> str | None:
    """The head decoded as text, or ``None`` if it looks binary."""
    if head[:2] in _UTF16_BOMS:
        return _utf16(head)
    if b"\x00" in head:
        return None
    text = _utf8_or_cp1252(head.removeprefix(_UTF8_BOM))
    return None if _controls(text) > len(text) // 100 else text


def _utf16(head: bytes) -> str:
    """A head that starts with a UTF-16 byte order mark, decoded as the mark says (an odd last
    byte dropped, what does not decode replaced)."""
    return head[2:len(head) & ~1].decode(_UTF16_BOMS[head[:2]], "replace")


def _utf8_or_cp1252(body: bytes) -> str:
    """UTF-8, less a character cut at the end of the head; else legacy 8-bit text (old Excel
    CSV), read as Windows-1252."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 3:  # not just a character cut at the end of the head
            return body.decode("cp1252", "replace")
        return body[:exc.start].decode("utf-8")


def _controls(text: str) -> int:
    """How many control characters ``text`` holds, other than tab, line ends and form feed."""
    return sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")


def _markup(text: str) -> str | None:
    start = text.lstrip().lower()
    if start.startswith("<?xml"):
        if "<svg" in start:
            return "image/svg+xml"
        return "application/xhtml+xml" if "<html" in start else "application/xml"
    if start.startswith(("<svg", "<!doctype svg")):
        return "image/svg+xml"
    for tag in _HTML_STARTS:
        if start.startswith(tag) and start[len(tag):len(tag) + 1] in (" ", ">", "\t", "\n", "\r"):
            return "text/html"
    return None


def _is_csv(text: str, truncated: bool) -> bool:
    sample = text.splitlines(keepends=True)
    if truncated:
        sample = sample[:-1]
    sample = [line for line in sample[:50] if line.strip()]
    if len(sample) < 2:
        return False
    for delimiter in ",;\t|":
        try:
            widths = {len(row) for row in csv.reader(sample, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def sniff(head: bytes) -> str:
    """The MIME type of a file judged from its first bytes (:data:`HEAD_SIZE` of them)."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return _ALIASES.get(kind.mime, kind.mime)
    text = _as_text(head)
    if text is None:
        return UNKNOWN
    markup = _markup(text)
    if markup:
        return markup
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return _text_type(text.lstrip("\ufeff"), truncated=len(head) >= HEAD_SIZE)


def _text_type(text: str, truncated: bool) -> str:
    """The type of a head that reads as text and is neither markup nor PDF: subtitles (WebVTT,
    SubRip), RTF, CSV or plain text. ``truncated``: the head is not the whole file."""
    if text.startswith("WEBVTT") and text[6:7] in ("", " ", "\t", "\n", "\r"):
        return "text/vtt"
    if _SRT.match(text):
        return "application/x-subrip"
    if text.startswith("{\\rtf"):
        return "application/rtf"
    if _is_csv(text, truncated):
        return "text/csv"
    return "text/plain"


def resolve_type(detected: str, ext: str) -> str | None:
    """The type to record for bytes sniffed as ``detected`` under a name ending in ``ext``,
    or ``None`` if the two disagree."""
    if ext in EXTENSIONS.get(detected, ()):
        return detected
    for other in COMPATIBLE.get(detected, ()):
        if ext in EXTENSIONS[other]:
            return other
    return None


def base_type(content_type: str | None) -> str:
    """The media type without its parameters, in lower case ("Text/HTML; charset=utf-8" ->
    "text/html"): what every rule on a stored file's type compares."""
    return (content_type or "").split(";")[0].strip().lower()


def playable_inline(content_type: str) -> bool:
    """Media meant to play in the page: video, audio, subtitles, raster images."""
    base = base_type(content_type)
    if base in DANGEROUS:
        return False
    return base in INLINE_EXACT or base.startswith(INLINE_TYPES)


def check_declared(name: str, size: int, policy: UploadPolicy) -> str:
    """Checks possible before any byte arrives; returns the cleaned name."""
    clean = clean_filename(name)
    if not isinstance(size, int) or size <= 0:
        raise UploadRefused("empty")
    if size > policy.max_size:
        raise UploadRefused("too_large", size=size, limit=policy.max_size)
    ext = extension(clean)
    if ext not in policy.extensions:
        raise UploadRefused("type_not_allowed", extension=ext, allowed=policy.allowed)
    return clean


def check_upload(name: str, head: bytes, size: int, policy: UploadPolicy) -> str:
    """Check a received file by name, size and first bytes; return its content type.

    Archives (:data:`ZIP_TYPES`) must then go through :func:`check_archive`.
    """
    clean = check_declared(name, size, policy)
    if not head:
        raise UploadRefused("empty")
    detected = sniff(head[:HEAD_SIZE])
    ext = extension(clean)
    if detected == UNKNOWN:
        raise UploadRefused("type_unknown", allowed=policy.allowed)
    final = resolve_type(detected, ext)
    if final is None:
        raise UploadRefused("extension_mismatch", extension=ext,
                            detected=EXTENSIONS.get(detected, ("?",))[0])
    if final not in policy.types:
        raise UploadRefused("type_not_allowed", extension=ext, allowed=policy.allowed)
    return final


# -- archives ------------------------------------------------------------------------------------
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64_LOCATOR = struct.Struct("<4sIQI")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")


def _read_at(f: IO[bytes], offset: int, length: int) -> bytes:
    f.seek(offset)
    return f.read(length)


def _directory(f: IO[bytes], size: int) -> tuple[int, int, int]:
    """(declared entries, directory offset, directory size) from the end records."""
    tail_start = max(0, size - (65535 + _EOCD.size))
    tail = _read_at(f, tail_start, size - tail_start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise UploadRefused("archive_invalid")
    _, _, _, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
    end = tail_start + at
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = tail[at - _EOCD64_LOCATOR.size:at] if at >= _EOCD64_LOCATOR.size else b""
        if len(locator) != _EOCD64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
            raise UploadRefused("archive_invalid")
        end = _EOCD64_LOCATOR.unpack(locator)[2]
        record = _read_at(f, end, _EOCD64.size)
        if len(record) != _EOCD64.size or not record.startswith(b"PK\x06\x06"):
            raise UploadRefused("archive_invalid")
        _, _, _, _, _, _, _, entries, cd_size, cd_offset = _EOCD64.unpack(record)
    # Data may precede the archive (self-extractors): the directory ends where the end record is.
    return entries, end - cd_size, cd_size


def _unpacked_size(fixed: tuple, extra: bytes) -> int:
    size = fixed[9]
    if size != 0xFFFFFFFF:
        return size
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001 and length >= 8:
            return struct.unpack_from("<Q", extra, pos + 4)[0]
        pos += 4 + length
    raise UploadRefused("archive_invalid")


class _Window:
    """Sequential reads of ``length`` bytes from ``offset``, fetched 1 MiB at a time (a ranged
    reader over S3 makes one request per fetch, not one per directory entry)."""

    def __init__(self, f: IO[bytes], offset: int, length: int):
        f.seek(offset)
        self._f, self._left, self._buf, self._pos = f, length, b"", 0

    def read(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n and self._left > 0:
            chunk = self._f.read(min(1024 * 1024, self._left))
            if not chunk:
                self._left = 0
                break
            self._left -= len(chunk)
            self._buf, self._pos = self._buf[self._pos:] + chunk, 0
        out = self._buf[self._pos:self._pos + n]
        self._pos += len(out)
        return out


def check_archive(f: IO[bytes], size: int, policy: UploadPolicy) -> int:
    """Bound a zip archive's entry count and unpacked size by reading only its directory.

    ``f`` is a seekable binary file of ``size`` bytes (a local file, or a ranged reader over an
    object). Returns the number of entries. Sizes are those the directory declares; nothing is
    unpacked here, and whatever unpacks the archive later must enforce the same bounds.
    """
    entries, cd_start, cd_size = _directory(f, size)
    if entries > policy.max_archive_entries:
        raise UploadRefused("archive_too_many_entries", entries=entries,
                            limit=policy.max_archive_entries)
    if cd_start < 0 or cd_size > entries * (_CENTRAL.size + 3 * 65535):
        raise UploadRefused("archive_invalid")
    directory = _Window(f, cd_start, cd_size)
    total = count = 0
    consumed = 0
    while consumed < cd_size:
        fixed_bytes = directory.read(_CENTRAL.size)
        if len(fixed_bytes) != _CENTRAL.size or not fixed_bytes.startswith(b"PK\x01\x02"):
            raise UploadRefused("archive_invalid")
        fixed = _CENTRAL.unpack(fixed_bytes)
        name_len, extra_len, comment_len = fixed[10], fixed[11], fixed[12]
        rest = directory.read(name_len + extra_len + comment_len)
        total += _unpacked_size(fixed, rest[name_len:name_len + extra_len])
        count += 1
        consumed += _CENTRAL.size + len(rest)
        if count > policy.max_archive_entries:
            raise UploadRefused("archive_too_many_entries", entries=count,
                                limit=policy.max_archive_entries)
        if total > policy.max_archive_unpacked:
            raise UploadRefused("archive_too_large", size=total,
                                limit=policy.max_archive_unpacked)
    return count
