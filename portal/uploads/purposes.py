"""Upload purposes: every kind of file the portal takes, declared here once and complete.

A purpose says what its files may be (an :class:`UploadPolicy`: types by content, size, archive
bounds), who may send them (roles) and who may download them: ``download_rule`` names the owning
domain's function ``rule(user, stored_file) -> bool`` as ``"module:function"``. The name is
resolved when a download asks, so this table imports no domain and no module can change a purpose
after the fact (a name declared twice is refused at import). ``user`` may be anonymous
(``is_authenticated`` false) for public material.

A file sent through the upload widget belongs to its form at once: when the page names the form
(``data-form``, a reference the owning domain understands), completing the upload calls the
purpose's ``keep_rule``, ``keep(user, stored_file, form_ref) -> remove URL or None``, which
attaches the file to the form's record (a report draft, an assignment draft) in the same request.
A purpose without one (a new material) keeps the file in the form itself: the page sends its id
back and the server shows it again, with a Remove button, whenever the form returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from pkgutil import resolve_name

from .. import access
from ..access import ADMIN, COORDINATOR, PARTICIPANT
from ..i18n import lazy_gettext as _l
from .checks import UploadPolicy

MiB = 1024 * 1024
GiB = 1024 * MiB

WORD_TYPES = frozenset({
    "application/pdf", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text"})
DOCUMENT_TYPES = WORD_TYPES | {
    "application/rtf", "text/plain", "text/csv", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.presentation", "image/jpeg", "image/png"}
SUBTITLE_TYPES = frozenset({"text/vtt", "application/x-subrip"})
MEDIA_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime", "audio/mpeg",
                         "audio/mp4", "audio/ogg", "audio/wav"})
STAFF = frozenset(access.STAFF)
EVERYONE = frozenset(access.ROLES)
NOBODY = frozenset()  # files a domain makes itself, never uploaded by a user


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
    download_rule: str = "portal.uploads.purposes:uploader_or_admin"
    keep_rule: str | None = None

    def can_download(self, user, stored_file) -> bool:
        """Ask the owning domain's rule whether ``user`` may have ``stored_file``."""
        return bool(resolve_name(self.download_rule)(user, stored_file))

    def keep(self, user, stored_file, form_ref: str) -> str | None:
        """Attach a just-completed file to the form ``form_ref`` names (the owning domain's
        rule; it raises a ``DomainError`` to refuse). Returns the URL that removes it again."""
        if self.keep_rule is None:
            return None
        return resolve_name(self.keep_rule)(user, stored_file, form_ref)


def declare(*purposes: Purpose) -> dict[str, Purpose]:
    """The purposes by name; a name given twice is an error, never an override."""
    table: dict[str, Purpose] = {}
    for purpose in purposes:
        if purpose.name in table:
            raise ValueError("upload purpose %r is declared twice" % purpose.name)
        table[purpose.name] = purpose
    return table


LIBRARY_RULE = "portal.library.files:can_download"
ASSIGNMENT_RULE = "portal.assignments.access:may_download"

_PURPOSES = declare(
    Purpose("document", _l("Document"), UploadPolicy(DOCUMENT_TYPES, 100 * MiB), EVERYONE),
    Purpose("material", _l("Library material"),
            UploadPolicy(DOCUMENT_TYPES | SUBTITLE_TYPES | MEDIA_TYPES, 5 * GiB), STAFF,
            LIBRARY_RULE),
    Purpose("subtitle", _l("Subtitles"), UploadPolicy(SUBTITLE_TYPES, 5 * MiB), STAFF,
            LIBRARY_RULE),
    # Renditions, posters and WebVTT the library makes from an upload (never sent by a user).
    Purpose("library", _l("Library material"),
            UploadPolicy(MEDIA_TYPES | SUBTITLE_TYPES | {"image/jpeg"}, 1), NOBODY, LIBRARY_RULE),
    # Each assignment narrows its submissions further (assignments.files.policy_for).
    Purpose("assignment-submission", _l("Assignment submission"),
            UploadPolicy(DOCUMENT_TYPES, 100 * MiB), frozenset({PARTICIPANT}), ASSIGNMENT_RULE,
            "portal.assignments.files:keep_uploaded"),
    Purpose("assignment-feedback", _l("Feedback on a submission"),
            UploadPolicy(DOCUMENT_TYPES, 100 * MiB), STAFF, ASSIGNMENT_RULE),
    Purpose("plan-evidence", _l("Evidence for a progress report"),
            UploadPolicy(DOCUMENT_TYPES, 50 * MiB), frozenset({PARTICIPANT}),
            "portal.action_plans.reports:may_download_evidence",
            "portal.action_plans.reports:keep_evidence"),
    Purpose("course-information", _l("Course General Information"),
            UploadPolicy(WORD_TYPES, 20 * MiB), frozenset({COORDINATOR, ADMIN}),
            "portal.catalogue.documents:may_download"),
)


def get_purpose(name: str | None) -> Purpose | None:
    return _PURPOSES.get(name or "")


def purposes() -> list[Purpose]:
    return list(_PURPOSES.values())
