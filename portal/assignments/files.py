"""Attachments and feedback files through the upload layer, their downloads, and the zip of
every submission of an assignment (streamed, one file at a time)."""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import url_for

from ..db_types import utcnow
from ..extensions import db
from ..storage import get_storage
from ..storage.http import ascii_fallback
from ..uploads import services as uploads
from ..uploads.checks import HEAD_SIZE, UploadPolicy, UploadRefused, check_upload
from ..uploads.purposes import MiB, get_purpose
from . import access, services
from .models import DRAFT, RETURNED, Assignment, Submission, SubmissionFile, SubmissionVersion
from .services import RuleBroken

# Their types, sizes, roles and download rule (access.may_download): portal/uploads/purposes.py
SUBMISSION_PURPOSE, FEEDBACK_PURPOSE = "assignment-submission", "assignment-feedback"
MAX_SIZE_MB = get_purpose(SUBMISSION_PURPOSE).policy.max_size // MiB
# The kinds of file an assignment may ask for (a choice in its form), by content type.
FILE_TYPES = {
    "pdf": ("application/pdf",),
    "word": ("application/msword",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.oasis.opendocument.text", "application/rtf"),
    "spreadsheet": ("application/vnd.ms-excel",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/vnd.oasis.opendocument.spreadsheet", "text/csv"),
    "presentation": ("application/vnd.ms-powerpoint",
                     "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                     "application/vnd.oasis.opendocument.presentation"),
    "image": ("image/jpeg", "image/png"),
    "text": ("text/plain",),
}
PREVIEW_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def policy_for(assignment: Assignment) -> UploadPolicy:
    """The submission purpose's policy narrowed to this assignment's types and size."""
    types = {t for group in (assignment.file_types or list(FILE_TYPES)) for t in FILE_TYPES[group]}
    return UploadPolicy(frozenset(types), min(assignment.max_size_mb, MAX_SIZE_MB) * MiB)


def feedback_policy() -> UploadPolicy:
    return get_purpose(FEEDBACK_PURPOSE).policy


def _check_room(assignment: Assignment, version: SubmissionVersion) -> None:
    if len(version.attachments) >= assignment.max_files:
        raise RuleBroken("too_many_files", limit=assignment.max_files)


def attach_posted_file(assignment: Assignment, version: SubmissionVersion, user, posted) -> None:
    """A file sent with the form (no JavaScript): checked against the assignment's own rules
    by its content before it is stored."""
    _check_room(assignment, version)
    _check_posted(posted, policy_for(assignment))
    stored = uploads.store_form_file(user, SUBMISSION_PURPOSE, posted)
    version.files.append(SubmissionFile(file=stored, kind="attachment"))


def attach_uploaded_file(assignment: Assignment, version: SubmissionVersion, user,
                         file_id) -> None:
    """A file the resumable widget already stored: it must be the user's, for this purpose,
    and of a type and size this assignment accepts."""
    stored = uploads.claim_file(file_id, user, SUBMISSION_PURPOSE)
    if stored is None:
        raise RuleBroken("no_file")
    if any(f.file_id == stored.id for f in version.files):
        return  # kept when the upload completed (keep_uploaded)
    _check_room(assignment, version)
    policy = policy_for(assignment)
    if stored.size > policy.max_size:
        raise UploadRefused("too_large", size=stored.size, limit=policy.max_size)
    if stored.content_type not in policy.types:
        raise UploadRefused("type_not_allowed", extension=stored.name.rpartition(".")[2],
                            allowed=policy.allowed)
    version.files.append(SubmissionFile(file=stored, kind="attachment"))


def keep_uploaded(user, stored, form_ref: str) -> str:
    """The submission purpose's keep rule: a file the upload widget has just stored belongs to
    the participant's draft at once (``form_ref`` is the assignment's id); after a return, to
    the new version's draft. Returns the URL that removes it."""
    assignment = db.session.get(Assignment, int(form_ref)) if form_ref.isdigit() else None
    if assignment is None or access.enrollment(user, assignment.course_id) is None:
        raise RuleBroken("no_file", 404)
    services.check_open(assignment, utcnow())
    version = services.editable_version(assignment, user)
    attach_uploaded_file(assignment, version, user, stored.id)
    db.session.flush()
    link = next(f for f in version.attachments if f.file_id == stored.id)
    return url_for("assignments.remove_file", assignment_id=assignment.id, link_id=link.id)


def remove_from_work(assignment: Assignment, user, link_id: int) -> None:
    """Take a file off the work being written. After a return, the returned version's files
    are the new version's until removed: removing one starts the new draft without it."""
    submission = services.find_submission(assignment, user.id)
    current = submission.current if submission else None
    link = next((f for f in current.attachments if f.id == link_id), None) \
        if current is not None and current.state in (DRAFT, RETURNED) else None
    if link is None:
        raise RuleBroken("no_file", 404)
    version = services.editable_version(assignment, user)
    for carried in [f for f in version.attachments if f.file_id == link.file_id]:
        version.files.remove(carried)


def check_feedback_file(user, posted) -> None:
    """What ``attach_feedback_file`` refuses in a posted file, without storing it (the review
    page says it with the review's other problems). Raises ``UploadRefused``."""
    _check_posted(posted, feedback_policy())
    uploads.check_form_file(user, FEEDBACK_PURPOSE, posted)


def attach_feedback_file(version: SubmissionVersion, user, posted) -> None:
    _check_posted(posted, feedback_policy())
    stored = uploads.store_form_file(user, FEEDBACK_PURPOSE, posted)
    version.files.append(SubmissionFile(file=stored, kind="feedback"))


def _check_posted(posted, policy: UploadPolicy) -> None:
    stream = posted.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(HEAD_SIZE)
    stream.seek(0)
    check_upload(posted.filename or "", head, size, policy)


def download(link: SubmissionFile, preview: bool):
    """The file as an attachment; PDFs and raster images inline when a preview is asked."""
    inline = preview and link.file.content_type in PREVIEW_TYPES
    storage = get_storage()
    return storage.download_response(link.file.key, filename=link.file.name,
                                     content_type=link.file.content_type, inline=inline,
                                     max_age=0)


# -- the zip of an assignment ---------------------------------------------------------------------
class _Pipe:
    """A write-only file for ZipFile whose bytes are drained after each write."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def _folder(submission: Submission) -> str:
    name = ascii_fallback(submission.user.name) or "participant"
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip() or "participant"
    return "%s_%s_%d" % (submission.user.country or "XX", name.replace(" ", "_"),
                         submission.user_id)


@dataclass(frozen=True)
class ZipEntry:
    path: str
    text: bytes | None = None  # written as is
    key: str | None = None     # or read from storage
    size: int = 0
    date_time: tuple = (1980, 1, 1, 0, 0, 0)


def zip_entries(submissions: list[Submission], text_name: str = "text.md") -> list[ZipEntry]:
    """What goes in the zip: for each participant, a folder with the text and the files of
    the latest handed-in version. Gathered before streaming, so the stream needs no session."""
    entries = []
    for submission in submissions:
        version = next((v for v in reversed(submission.versions) if v.submitted_at), None)
        if version is None:
            continue
        folder = "%s/v%d/" % (_folder(submission), version.number)
        if version.text.strip():
            entries.append(ZipEntry(folder + text_name, text=version.text.encode("utf-8")))
        seen = set()
        for link in version.attachments:
            name = link.file.name if link.file.name not in seen else "%d_%s" % (link.id,
                                                                               link.file.name)
            seen.add(name)
            entries.append(ZipEntry(folder + name, key=link.file.key, size=link.file.size,
                                    date_time=link.file.created_at.timetuple()[:6]))
    return entries


def zip_stream(entries: list[ZipEntry], storage) -> Iterator[bytes]:
    """Yield a zip archive of ``entries``, reading each stored file in 1 MiB blocks."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for entry in entries:
            if entry.text is not None:
                archive.writestr(entry.path, entry.text)
                yield pipe.drain()
                continue
            info = zipfile.ZipInfo(entry.path, date_time=entry.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=entry.size > 2 ** 31) as target, \
                    storage.open(entry.key) as source:
                while block := source.read(1024 * 1024):
                    target.write(block)
                    yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()
