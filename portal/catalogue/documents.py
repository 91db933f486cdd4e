"""The General Information document of a course: a file (PDF or word-processor document) that
the course's coordinators upload through the upload layer (purpose ``course-information``)
and that anyone may download while the course's catalogue page is public. Without a stored
document, the catalogue's printable General Information page stands in for it."""
from __future__ import annotations

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from ..extensions import db
from ..uploads import services as uploads
from ..uploads.models import StoredFile
from .models import CourseOutline

PURPOSE = "course-information"  # its types, size and roles: portal/uploads/purposes.py


def may_download(user, stored: StoredFile) -> bool:
    """Anyone, once the file is the document of a course whose catalogue page they may read;
    before that, whoever uploaded it (the purpose's download rule)."""
    from .services import public_course
    outline = db.session.scalar(select(CourseOutline).where(
        CourseOutline.general_information_id == stored.id))
    if outline is None:
        return getattr(user, "is_authenticated", False) and stored.uploader_id == user.id
    return public_course(outline.course_id, user or AnonymousUserMixin()) is not None


def check(user, posted) -> None:
    """What ``attach`` refuses in a posted file, without storing it (the outline form says it
    with its other problems). Raises ``UploadRefused``."""
    uploads.check_form_file(user, PURPOSE, posted)


def attach(outline: CourseOutline, user, posted) -> StoredFile:
    """Check and store a posted file as the course's document (replacing any previous one).
    Raises ``UploadRefused`` (``uploads.messages.message`` words it)."""
    stored = uploads.store_form_file(user, PURPOSE, posted)
    outline.general_information_id = stored.id
    db.session.flush()
    return stored


def document_of(outline: CourseOutline | None) -> StoredFile | None:
    if outline is None or outline.general_information_id is None:
        return None
    return db.session.get(StoredFile, outline.general_information_id)
