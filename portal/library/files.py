"""The library's answer to "may this user have this file?" (the download rule of the library's
upload purposes, declared in portal/uploads/purposes.py)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..uploads.purposes import uploader_or_admin
from .models import Material, MaterialFile, SubtitleTrack
from .permissions import may_download, may_edit, may_view


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
    """Anyone who may see the material may have what the player needs (renditions, poster,
    subtitles); the original, audio and documents follow the material's download setting.
    A file not (yet) attached to a material is its uploader's."""
    material, role = material_of(stored)
    if material is None:
        return uploader_or_admin(user, stored)
    if role in ("low", "poster", "subtitles", "preview"):
        return may_view(user, material)
    return may_download(user, material) or may_edit(user, material)
