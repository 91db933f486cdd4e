"""Upload purposes: what each kind of file may be, who may send it, who may download it.

Domains register their own purposes (or replace a default one) at import time::

    register_purpose(Purpose("country-report", _l("Country report"), UploadPolicy(...),
                             roles=frozenset({"participant"}), can_download=reports.may_read))

``can_download(user, stored_file)`` is the owning domain's answer to "may this user have this
file?"; ``user`` may be anonymous (``is_authenticated`` false) for public library material.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask_babel import lazy_gettext as _l

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..storage.checks import UploadPolicy

MiB = 1024 * 1024
GiB = 1024 * MiB

DOCUMENT_TYPES = frozenset({
    "application/pdf", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text", "application/rtf", "text/plain", "text/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.presentation", "image/jpeg", "image/png"})
SUBTITLE_TYPES = frozenset({"text/vtt", "application/x-subrip"})
MEDIA_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime", "audio/mpeg",
                         "audio/mp4", "audio/ogg", "audio/wav"})


def uploader_or_admin(user, stored_file) -> bool:
    """The default answer: only who uploaded the file (and admins) may have it back."""
    if not getattr(user, "is_authenticated", False):
        return False
    return stored_file.uploader_id == user.id or user.role == ADMIN


@dataclass(frozen=True)
class Purpose:
    name: str
    label: object  # a lazy string
    policy: UploadPolicy
    roles: frozenset[str]
    can_download: Callable = field(default=uploader_or_admin)


_PURPOSES: dict[str, Purpose] = {}


def register_purpose(purpose: Purpose) -> Purpose:
    """Add a purpose, or replace the one with the same name."""
    _PURPOSES[purpose.name] = purpose
    return purpose


def get_purpose(name: str | None) -> Purpose | None:
    return _PURPOSES.get(name or "")


def purposes() -> list[Purpose]:
    return list(_PURPOSES.values())


register_purpose(Purpose(
    "document", _l("Document"), UploadPolicy(DOCUMENT_TYPES, 100 * MiB),
    roles=frozenset({PARTICIPANT, INSTRUCTOR, COORDINATOR, ADMIN})))
register_purpose(Purpose(
    "material", _l("Library material"),
    UploadPolicy(DOCUMENT_TYPES | SUBTITLE_TYPES | MEDIA_TYPES, 5 * GiB),
    roles=frozenset({INSTRUCTOR, COORDINATOR, ADMIN})))
register_purpose(Purpose(
    "subtitle", _l("Subtitles"), UploadPolicy(SUBTITLE_TYPES, 5 * MiB),
    roles=frozenset({INSTRUCTOR, COORDINATOR, ADMIN})))
