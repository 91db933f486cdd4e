"""Who may see which material: one rule, used by the search filter and by every page."""
from __future__ import annotations

from sqlalchemy import select

from media_index.view import Allowed

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, STAFF
from ..extensions import db
from ..uploads.checks import base_type, playable_inline
from .models import AUDIO, FAILED, LOW, ORIGINAL, POSTER, PREVIEW, Material, Visibility

MANAGERS = (COORDINATOR, ADMIN)   # manage the whole library
UPLOADERS = (INSTRUCTOR, COORDINATOR, ADMIN)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def course_codes(user) -> frozenset[str]:
    """Codes of the courses of the participant's active enrollments (staff see everything, so
    their courses are never asked)."""
    if not _signed_in(user):
        return frozenset()
    # Imported here: the courses package imports its routes, which may import the library.
    from ..courses.models import Course, Enrollment
    return frozenset(db.session.scalars(select(Course.code).join(Enrollment).where(
        Enrollment.user_id == user.id, Enrollment.is_active)))


def allowed_for(user) -> Allowed:
    """What the search index may show ``user``: filtered inside the query."""
    if not _signed_in(user):
        return Allowed(public=True)
    if user.role in STAFF:
        return Allowed(everything=True)
    return Allowed(public=True, registered=True, courses=course_codes(user))


def may_view(user, material: Material | None) -> bool:
    if material is None:
        return False
    if _signed_in(user) and user.role in STAFF:
        return True
    if material.state == FAILED:
        return False
    if material.visibility == Visibility.PUBLIC:
        return True
    if not _signed_in(user):
        return False
    if material.visibility == Visibility.REGISTERED:
        return True
    return bool(set(material.courses or ()) & course_codes(user))


def may_edit(user, material: Material | None) -> bool:
    """Coordinators and admins manage every material; instructors those they uploaded."""
    if material is None or not _signed_in(user):
        return False
    if user.role in MANAGERS:
        return True
    return user.role == INSTRUCTOR and material.created_by_id == user.id


def may_download(user, material: Material) -> bool:
    return may_view(user, material) and (material.allow_download or may_edit(user, material))


# What the material's page itself shows, to everyone who may see the material.
PAGE_ROLES = (POSTER, PREVIEW, "subtitles")


def stream_role(material: Material) -> str | None:
    """The video the player streams to whoever may not download: the low rendition, else the
    original when browsers can play it. None for a material without a playable video."""
    if material.kind != "video":
        return None
    if material.is_audio:  # the portal's own audio rendition, else the original if playable
        for role in (AUDIO, ORIGINAL):
            stored = material.file(role)
            if stored is not None and playable_inline(stored.content_type):
                return role
        return None
    for role in (LOW, ORIGINAL):
        stored = material.file(role)
        if stored is not None:
            base = base_type(stored.content_type)
            return role if base.startswith("video/") and playable_inline(base) else None
    return None


def may_have_file(user, material: Material | None, role: str | None) -> bool:
    """The one download rule for every route that serves a material's file (the library's
    media route, the generic ``/files/<id>``, the API's links): who may download has every
    file; anyone else who may see the material has only what the page plays or shows (the
    stream, poster, preview, subtitles), whatever the request asks."""
    if material is None or not may_view(user, material):
        return False
    if may_download(user, material):
        return True
    # Audio only is a player choice for every video (the cheapest way to follow a talk on a
    # costly connection), whatever the download setting: it is streamed like the video.
    return role in PAGE_ROLES or role == AUDIO or (role is not None
                                                   and role == stream_role(material))
