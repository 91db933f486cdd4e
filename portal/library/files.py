"""The library's upload purposes and its answer to "may this user have this file?"."""
from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..storage.checks import UploadPolicy
from ..uploads.purposes import (
    MEDIA_TYPES, SUBTITLE_TYPES, Purpose, get_purpose, register_purpose,
)
from .models import Material, MaterialFile, SubtitleTrack
from .permissions import may_download, may_edit, may_view
from .services import LIBRARY_PURPOSE


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
        return bool(getattr(user, "is_authenticated", False)) and (
            stored.uploader_id == user.id or user.role == "admin")
    if role in ("low", "poster", "subtitles", "preview"):
        return may_view(user, material)
    return may_download(user, material) or may_edit(user, material)


register_purpose(Purpose(LIBRARY_PURPOSE, _l("Library material"),
                         UploadPolicy(MEDIA_TYPES | SUBTITLE_TYPES | {"image/jpeg"}, 1),
                         roles=frozenset(), can_download=can_download))
for _name in ("material", "subtitle"):
    _existing = get_purpose(_name)
    if _existing is not None:
        register_purpose(replace(_existing, can_download=can_download))
