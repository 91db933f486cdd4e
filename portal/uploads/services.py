"""The upload protocol: declare, send parts, list them to resume, complete; and small files sent
with an ordinary form. Services flush; the request commits (except where noted)."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import IO

from flask import current_app, url_for
from sqlalchemy import or_, select, update

from .. import jobs
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db
from ..storage import get_storage
from ..storage.base import (
    MAX_PARTS,
    MIN_PART_SIZE,
    MultipartNotFound,
    ObjectNotFound,
    SeekableReader,
    WriteResult,
    read_sha256,
)
from ..storage.http import content_disposition, security_headers
from .checks import (
    HEAD_SIZE,
    ZIP_TYPES,
    UploadRefused,
    check_archive,
    check_declared,
    check_upload,
    playable_inline,
)
from .models import (
    ABORTED,
    COMPLETE,
    COMPLETING,
    OPEN,
    REFUSED,
    StoredFile,
    Upload,
)
from .purposes import Purpose, get_purpose

KEY_PREFIX = "files/"  # every key the portal makes starts with it (the sweep looks there)
COMPLETING_TIMEOUT = timedelta(minutes=15)  # a completion older than this was interrupted
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")


class UploadError(DomainError):
    """A request the protocol refuses: ``code`` (see messages.py), HTTP ``status``, params."""

    messages = "portal.uploads.messages"


# -- declaring -----------------------------------------------------------------------------------
def _purpose_for(user, name: str | None) -> Purpose:
    purpose = get_purpose(name)
    if purpose is None:
        raise UploadError("purpose_unknown", 400)
    if user.role not in purpose.roles:
        raise UploadError("purpose_not_allowed", 403)
    return purpose


def part_size_for(size: int) -> int:
    """At least 5 MiB (the S3 minimum), large enough for at most 10,000 parts, whole MiB."""
    wanted = current_app.config["UPLOAD_PART_SIZE"]
    size_needed = -(-size // MAX_PARTS)
    mib = 1024 * 1024
    return -(-max(wanted, MIN_PART_SIZE, size_needed) // mib) * mib


def new_key() -> str:
    """Keys are the server's: a date folder and a random name, never the user's file name."""
    return "%s%s/%s" % (KEY_PREFIX, utcnow().strftime("%Y/%m"), secrets.token_hex(16))


def create_upload(user, purpose_name: str | None, name: str | None, size,
                  declared_type: str | None = None, sha256: str | None = None) -> Upload:
    purpose = _purpose_for(user, purpose_name)
    if not isinstance(name, str) or isinstance(size, bool) or not isinstance(size, int):
        raise UploadError("bad_request")
    if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.match(sha256.lower())):
        raise UploadError("bad_request")
    clean = check_declared(name, size, purpose.policy)
    storage = get_storage()
    key = new_key()
    token = storage.create_multipart(key, "application/octet-stream")
    upload = Upload(id=secrets.token_urlsafe(18), owner_id=user.id, purpose=purpose.name,
                    name=clean, size=size, declared_type=(declared_type or "")[:127] or None,
                    sha256=sha256.lower() if sha256 else None, part_size=part_size_for(size),
                    backend=storage.name, key=key, token=token, state=OPEN)
    db.session.add(upload)
    db.session.flush()
    return upload


def get_upload(upload_id: str, user) -> Upload | None:
    """The upload if it belongs to ``user``; anyone else's is as good as missing."""
    return db.session.scalar(select(Upload).where(Upload.id == upload_id,
                                                  Upload.owner_id == user.id))


# -- parts ---------------------------------------------------------------------------------------
def _require_open(upload: Upload) -> None:
    if upload.state == COMPLETING:
        raise UploadError("upload_busy", 409)
    if upload.state != OPEN:
        raise UploadError("upload_closed", 409)


def _require_part_number(upload: Upload, number: int) -> None:
    if not 1 <= number <= upload.part_count:
        raise UploadError("part_invalid", 400, number=number)


def received_parts(upload: Upload) -> list[dict]:
    if upload.state not in (OPEN, COMPLETING):
        return []
    try:
        parts = get_storage().list_parts(upload.key, upload.token)
    except MultipartNotFound:
        return []
    return [{"number": p.number, "size": p.size, "etag": p.etag} for p in parts]


def part_target(upload: Upload, number: int) -> dict:
    """Where the client sends part ``number``: a presigned URL, or the portal's part endpoint."""
    _require_open(upload)
    _require_part_number(upload, number)
    url = get_storage().part_target(upload.key, upload.token, number, expires=3600)
    direct = url is not None
    if not direct:
        url = url_for("uploads.put_part", upload_id=upload.id, number=number)
    return {"number": number, "method": "PUT", "url": url, "direct": direct,
            "size": upload.expected_part_size(number)}


def receive_part(upload: Upload, number: int, stream: IO[bytes], length: int | None) -> dict:
    """Store a part sent to the portal (local backend), streamed from the request body."""
    _require_open(upload)
    _require_part_number(upload, number)
    if length != upload.expected_part_size(number):
        raise UploadError("part_invalid", 400, number=number)
    part = get_storage().write_part(upload.key, upload.token, number, stream)
    if part.size != length:
        raise UploadError("part_invalid", 400, number=number)
    upload.updated_at = utcnow()
    return {"number": part.number, "size": part.size, "etag": part.etag}


# -- completing ----------------------------------------------------------------------------------
def _claim(upload: Upload) -> None:
    """Mark the upload as being completed, visibly to every other request at once: so this
    commits (unlike the other services), before the long work starts."""
    now = utcnow()
    claimed = db.session.execute(
        update(Upload).where(Upload.id == upload.id, or_(
            Upload.state == OPEN,
            (Upload.state == COMPLETING) & (Upload.updated_at < now - COMPLETING_TIMEOUT)))
        .values(state=COMPLETING, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    jobs.commit()
    db.session.refresh(upload)
    if not claimed:
        _require_open(upload)


def _release(upload: Upload) -> None:
    upload.state = OPEN
    upload.updated_at = utcnow()
    jobs.commit()


def _refuse(upload: Upload, code: str, **params) -> UploadError:
    get_storage().delete(upload.key)
    upload.state, upload.error = REFUSED, code
    jobs.commit()
    return UploadError(code, 422, **params)


def _join(upload: Upload) -> WriteResult:
    storage = get_storage()
    try:
        parts = storage.list_parts(upload.key, upload.token)
    except MultipartNotFound:
        # An earlier completion joined the parts, then stopped before recording it.
        stat = storage.stat(upload.key)
        if stat is None:
            raise UploadError("upload_closed", 409) from None
        return read_sha256(storage, upload.key) if upload.sha256 else WriteResult(stat.size, None)
    have = {p.number: p.size for p in parts}
    missing = [n for n in range(1, upload.part_count + 1)
               if have.get(n) != upload.expected_part_size(n)]
    if missing:
        raise UploadError("parts_missing", 409, missing=missing[:100])
    wanted = [p for p in parts if p.number <= upload.part_count]
    # On S3 a whole-object SHA-256 means reading the object back: done now only when the
    # client declared one to check; otherwise a job fills it in after the response.
    return storage.complete_multipart(upload.key, upload.token, wanted,
                                      hash=bool(upload.sha256))


def complete(upload: Upload) -> StoredFile:
    """Join the parts, check the result, and record it as a :class:`StoredFile`."""
    if upload.state == COMPLETE and upload.file is not None:
        return upload.file  # a retried request whose response was lost
    _claim(upload)
    try:
        return _finish(upload)
    except BaseException:
        if upload.state == COMPLETING:  # not refused: the client may try again
            db.session.rollback()
            _release(upload)
        raise


def _finish(upload: Upload) -> StoredFile:
    result = _join(upload)
    if result.size != upload.size:
        raise _refuse(upload, "size_mismatch")
    if upload.sha256 and result.sha256 != upload.sha256:
        raise _refuse(upload, "checksum_mismatch")
    try:
        content_type = inspect(upload.key, upload.name, upload.size, get_purpose(upload.purpose))
    except UploadRefused as refused:
        raise _refuse(upload, refused.code, **refused.params) from None
    stored = StoredFile(backend=upload.backend, key=upload.key, name=upload.name,
                        size=result.size, sha256=result.sha256, content_type=content_type,
                        purpose=upload.purpose, uploader_id=upload.owner_id)
    db.session.add(stored)
    upload.file, upload.state, upload.updated_at = stored, COMPLETE, utcnow()
    db.session.flush()
    if stored.sha256 is None:
        jobs.enqueue("storage.hash_file", file_id=stored.id)
    return stored


def inspect(key: str, name: str, size: int, purpose: Purpose) -> str:
    """Check a stored object by its first bytes (and an archive by its directory)."""
    storage = get_storage()
    with storage.open(key, 0, HEAD_SIZE) as stream:
        head = stream.read(HEAD_SIZE)
    content_type = check_upload(name, head, size, purpose.policy)
    if content_type in ZIP_TYPES:
        check_archive(SeekableReader(storage, key, size), size, purpose.policy)
    return content_type


@jobs.job("storage.hash_file")
def hash_file(file_id: int) -> None:
    """Fill in the SHA-256 of a stored file read back from a remote store. Safe to re-run."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.sha256 is not None:
        return
    try:
        stored.sha256 = read_sha256(get_storage(), stored.key).sha256
    except ObjectNotFound:
        return
    jobs.commit()


def abort(upload: Upload) -> None:
    if upload.state in (OPEN, COMPLETING):
        get_storage().abort_multipart(upload.key, upload.token)
        upload.state, upload.updated_at = ABORTED, utcnow()


# -- small files through an ordinary form ----------------------------------------------------------
def form_limit(purpose: Purpose) -> int:
    return min(purpose.policy.max_size, current_app.config["UPLOAD_FORM_MAX"])


def check_form_file(user, purpose_name: str | None, file) -> tuple[Purpose, str, str]:
    """What ``store_form_file`` refuses in a file posted with a plain form, without storing
    anything (a form says a refused file with its other problems): (the purpose, the cleaned
    name, the type read from the content). Raises ``UploadRefused``."""
    purpose = _purpose_for(user, purpose_name)
    stream = file.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > form_limit(purpose) and size <= purpose.policy.max_size:
        raise UploadRefused("too_large_for_form", limit=form_limit(purpose))
    clean = check_declared(file.filename or "", size, purpose.policy)
    head = stream.read(HEAD_SIZE)
    content_type = check_upload(clean, head, size, purpose.policy)
    if content_type in ZIP_TYPES:
        check_archive(stream, size, purpose.policy)
    stream.seek(0)
    return purpose, clean, content_type


def store_form_file(user, purpose_name: str | None, file) -> StoredFile:
    """Check and store a file posted with a plain form (a werkzeug ``FileStorage``, which keeps
    anything large in a temporary file, not in memory). Checked before storing."""
    purpose, clean, content_type = check_form_file(user, purpose_name, file)
    stream = file.stream
    storage = get_storage()
    key = new_key()
    result = storage.write(key, stream, content_type=content_type)
    stored = StoredFile(backend=storage.name, key=key, name=clean, size=result.size,
                        sha256=result.sha256, content_type=content_type, purpose=purpose.name,
                        uploader_id=user.id)
    db.session.add(stored)
    db.session.flush()
    return stored


# -- using and serving stored files --------------------------------------------------------------
def claim_file(file_id, user, purpose_name: str) -> StoredFile | None:
    """A stored file that ``user`` uploaded for ``purpose_name`` (for a domain form that
    received the id from the upload widget), else ``None``."""
    try:
        file_id = int(file_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(StoredFile).where(
        StoredFile.id == file_id, StoredFile.uploader_id == user.id,
        StoredFile.purpose == purpose_name))


def may_download(user, stored: StoredFile) -> bool:
    """Ask the owning domain (through the file's purpose); unknown purposes say no."""
    purpose = get_purpose(stored.purpose)
    return purpose is not None and bool(purpose.can_download(user, stored))


def download_response(stored: StoredFile, *, force_attachment: bool = False):
    storage = get_storage()
    if stored.backend != storage.name:
        raise ObjectNotFound(stored.key)
    inline = playable_inline(stored.content_type) and not force_attachment
    return storage.download_response(stored.key, filename=stored.name,
                                     content_type=stored.content_type, inline=inline,
                                     max_age=3600 if inline else 0)


def served_by_portal(stored: StoredFile, *, content_type: str | None = None,
                     max_age: int = 0, limit: int = 16 * 1024 * 1024):
    """A small file (subtitles) served inline from the portal's own origin on every backend,
    never redirected to the store: a page's ``<track>`` loads only from its own origin. Its
    SHA-256 is the ETag, so a browser that has it gets a 304; cached ``private``, as every
    user file, and by default checked again each time (``no-cache``: a file replaced under the
    same URL shows at once); the route answers a browser that has it with
    ``.make_conditional(request)``. Raises ObjectNotFound (also for a file over ``limit``)."""
    from flask import Response

    storage = get_storage()
    if stored.backend != storage.name or stored.size > limit:
        raise ObjectNotFound(stored.key)
    with storage.open(stored.key) as stream:
        data = stream.read(limit + 1)
    response = Response(data, mimetype=None,
                        content_type=content_type or stored.content_type)
    response.headers["Content-Disposition"] = content_disposition(stored.name, inline=True)
    # Never a document: opened on its own, it runs nothing (a <track> ignores this header).
    response.headers.update(security_headers(inline=False))
    response.headers["Cache-Control"] = ("private, max-age=%d" % max_age if max_age
                                         else "private, no-cache")
    if stored.sha256:
        response.set_etag(stored.sha256)
    return response


def upload_json(upload: Upload, parts: list[dict] | None = None) -> dict:
    data = {"id": upload.id, "name": upload.name, "size": upload.size,
            "purpose": upload.purpose, "part_size": upload.part_size,
            "part_count": upload.part_count, "state": upload.state,
            "url": url_for("uploads.status", upload_id=upload.id)}
    if parts is not None:
        data["parts"] = parts
    if upload.error:
        data["error"] = upload.error
    if upload.file is not None:
        data["file"] = file_json(upload.file)
    return data


def file_json(stored: StoredFile) -> dict:
    return {"id": stored.id, "name": stored.name, "size": stored.size,
            "content_type": stored.content_type, "sha256": stored.sha256,
            "url": url_for("uploads.download", file_id=stored.id)}
