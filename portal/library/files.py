"""The library's answer to "may this user have this file?" (the download rule of the library's
upload purposes, declared in portal/uploads/purposes.py)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..uploads.purposes import uploader_or_admin
from .models import Material, MaterialFile, SubtitleTrack
from .permissions import may_have_file


def material_of(stored) -> tuple[Material | None, str | None]:
    """The material a stored file belongs to, and its role ("subtitles" for a track)."""
    row = db.session.execute(select(MaterialFile).where(
        MaterialFile.file_id == stored.id)).scalars().first()
    if row is not None:
        return row.material, row.role
    track = db.session.execute(select(SubtitleTrack).where(
        SubtitleTrack.file_id == stored.id)).scalars().first()
    return (track.material, "subtitles") if track is not None else (None, None)


def can_download(user, stored) -> bool:
    """The library's one rule (``permissions.may_have_file``) for the file's material and role.
    A file not (yet) attached to a material is its uploader's."""
    material, role = material_of(stored)
    if material is None:
        return uploader_or_admin(user, stored)
    return may_have_file(user, material, role)
