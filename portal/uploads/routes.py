"""The upload protocol (JSON), the plain-form fallback and file downloads.

Every upload route answers only to the upload's owner: anyone else's id is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from .. import jobs
from ..access import AUTHENTICATED, PUBLIC, allow
from ..domain_errors import DomainError, Invalid, explain, field_errors
from ..errors import render_error
from ..extensions import db
from ..storage import ObjectNotFound, StorageUnavailable
from ..storage.base import PartRejected
from . import services
from .checks import UploadRefused
from .messages import message
from .models import StoredFile
from .purposes import get_purpose

bp = Blueprint("uploads", __name__)


def _error(code: str, status: int, params: dict | None = None):
    params = {k: v for k, v in (params or {}).items() if isinstance(v, (str, int, list))}
    body = {"error": {"status": status, "code": code, "message": message(code, params),
                      "params": params}}
    return jsonify(body), status


@bp.errorhandler(services.UploadError)
def upload_error(exc: services.UploadError):
    return _error(exc.code, exc.status, exc.params)


@bp.errorhandler(UploadRefused)
def upload_refused(exc: UploadRefused):
    status = 413 if exc.code in ("too_large", "too_large_for_form") else 422
    return _error(exc.code, status, exc.params)


@bp.errorhandler(PartRejected)
def part_rejected(exc: PartRejected):
    return _error("part_invalid", 400)


@bp.errorhandler(StorageUnavailable)
def storage_unavailable(exc: StorageUnavailable):
    current_app.logger.warning("storage unavailable on %s: %s", request.path, exc)
    if request.endpoint == "uploads.download":
        return render_error(503)
    return _error("storage_unavailable", 503)


@bp.errorhandler(ObjectNotFound)
def object_not_found(exc: ObjectNotFound):
    current_app.logger.error("stored object missing on %s: %s", request.path, exc)
    return render_error(404)


def _own(upload_id: str):
    upload = services.get_upload(upload_id, current_user)
    if upload is None:
        abort(404)
    return upload


# -- the protocol ----------------------------------------------------------------------------------
@bp.post("/uploads")
@allow(AUTHENTICATED)
def create():
    """Declare an upload: ``{"name", "size", "purpose", "type"?, "sha256"?}``."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error("bad_request", 400)
    upload = services.create_upload(current_user, data.get("purpose"), data.get("name"),
                                    data.get("size"), data.get("type"), data.get("sha256"))
    jobs.commit()
    response = jsonify(services.upload_json(upload, parts=[]))
    response.headers["Location"] = url_for("uploads.status", upload_id=upload.id)
    return response, 201


@bp.get("/uploads/<upload_id>")
@allow(AUTHENTICATED)
def status(upload_id):
    """The upload's state and the parts received so far (to resume)."""
    upload = _own(upload_id)
    return jsonify(services.upload_json(upload, services.received_parts(upload)))


@bp.get("/uploads/<upload_id>/parts/<int:number>")
@allow(AUTHENTICATED)
def part(upload_id, number):
    """Where to send part ``number``."""
    return jsonify(services.part_target(_own(upload_id), number))


@bp.put("/uploads/<upload_id>/parts/<int:number>")
@allow(AUTHENTICATED)
def put_part(upload_id, number):
    """Receive one part, streamed to storage (the local backend's part endpoint)."""
    upload = _own(upload_id)
    if upload.backend != "file":
        abort(404)  # parts go straight to the object store
    received = services.receive_part(upload, number, request.stream, request.content_length)
    jobs.commit()
    response = jsonify(received)
    response.headers["ETag"] = '"%s"' % received["etag"]
    return response


@bp.post("/uploads/<upload_id>/complete")
@allow(AUTHENTICATED)
def complete(upload_id):
    """Join and check the file; with ``{"form": ref}`` it then belongs to that form at once
    (the purpose's ``keep`` rule), so leaving the page or a form error never loses it."""
    upload = _own(upload_id)
    stored = services.complete(upload)
    jobs.commit()
    answer = services.upload_json(upload)
    data = request.get_json(silent=True)
    form_ref = data.get("form") if isinstance(data, dict) else None
    if isinstance(form_ref, str) and form_ref:
        try:
            remove_url = get_purpose(upload.purpose).keep(current_user, stored, form_ref[:200])
            jobs.commit()
        except DomainError as refused:
            db.session.rollback()
            if isinstance(refused, UploadRefused):
                raise  # answered as any refused upload (upload_refused)
            return _not_kept(refused)
        answer["kept"] = {"remove_url": remove_url}
    return jsonify(answer)


def _not_kept(refused: DomainError):
    """The file is stored but its form refused it (too many files, a report already sent)."""
    text = " ".join(field_errors(refused).values()) if isinstance(refused, Invalid) \
        else explain(refused)
    status = refused.status if refused.status >= 400 else 422
    return jsonify({"error": {"status": status, "code": refused.code, "message": text,
                              "params": {}}}), status


@bp.delete("/uploads/<upload_id>")
@allow(AUTHENTICATED)
def cancel(upload_id):
    services.abort(_own(upload_id))
    jobs.commit()
    return "", 204


# -- pages ---------------------------------------------------------------------------------------
def _page_purpose():
    purpose = get_purpose(request.values.get("purpose", "document"))
    if purpose is None:
        abort(404)
    if current_user.role not in purpose.roles:
        abort(403)
    return purpose


@bp.get("/uploads/new")
@allow(AUTHENTICATED)
def new():
    """Send a file: the upload widget, or an ordinary form without JavaScript."""
    purpose = _page_purpose()
    return render_template("uploads/new.html", purpose=purpose,
                           form_limit=services.form_limit(purpose))


@bp.post("/uploads/form")
@allow(AUTHENTICATED)
def form():
    """The form's target: a small file sent in the request, or the id of a file the widget
    already uploaded."""
    purpose = _page_purpose()
    error = None
    stored = None
    if request.form.get("file_id"):
        stored = services.claim_file(request.form["file_id"], current_user, purpose.name)
        error = None if stored else message("no_file")
    elif request.files.get("file") and request.files["file"].filename:
        try:
            stored = services.store_form_file(current_user, purpose.name, request.files["file"])
            jobs.commit()
        except UploadRefused as refused:
            error = explain(refused)
        except StorageUnavailable:
            error = message("storage_unavailable")
    else:
        error = message("no_file")
    if error:
        return render_template("uploads/new.html", purpose=purpose, error=error,
                               note=request.form.get("note", ""),
                               form_limit=services.form_limit(purpose)), 422
    return render_template("uploads/done.html", file=stored, note=request.form.get("note", ""))


# -- downloads -------------------------------------------------------------------------------------
@bp.get("/files/<int:file_id>")
@allow(PUBLIC)
def download(file_id):
    """A stored file, if its owning domain says this user may have it (else 404)."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not services.may_download(current_user, stored):
        abort(404)
    return services.download_response(stored, force_attachment="download" in request.args)
