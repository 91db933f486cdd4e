"""Who may see which material: one rule, used by the search filter and by every page."""
from __future__ import annotations

from sqlalchemy import select

from media_index.view import Allowed

from ..access import ADMIN, COORDINATOR, INSTRUCTOR, STAFF
from ..extensions import db
from .models import FAILED, Material

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
    if material.visibility == "public":
        return True
    if not _signed_in(user):
        return False
    if material.visibility == "registered":
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

