"""HTTP headers for serving user files (pure functions, no Flask). Which types are shown inline
is the uploads' rule (``portal/uploads/checks.py``: ``playable_inline``); a backend is told."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

# A document opened from the portal's origin can run nothing and reach nothing.
SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if 0x20 <= ord(c) < 0x7F and c not in '"\\%;')


def ascii_fallback(filename: str) -> str:
    """An ASCII approximation of ``filename`` for the plain ``filename=`` parameter."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    stem = _ascii(stem).strip(" ").lstrip(".")
    if not stem.strip("._ "):
        stem = "download"
    ext = "".join(c for c in _ascii(ext) if c.isalnum())
    return stem + ("." + ext if ext else "")


def content_disposition(filename: str, inline: bool = False) -> str:
    """``Content-Disposition`` with an ASCII ``filename`` and an RFC 6266/5987 ``filename*``."""
    kind = "inline" if inline else "attachment"
    fallback = ascii_fallback(filename)
    value = '%s; filename="%s"' % (kind, fallback)
    if fallback != filename:
        value += "; filename*=UTF-8''%s" % quote(filename, safe="")
    return value


def security_headers(inline: bool) -> dict[str, str]:
    """Headers every user-file response carries."""
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if not inline:
        headers["Content-Security-Policy"] = SANDBOX_CSP
    return headers
