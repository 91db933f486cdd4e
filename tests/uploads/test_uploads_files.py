"""Downloads (the owning domain decides), the plain-form fallback, and the storage commands."""
from __future__ import annotations

import io
import time
import uuid
from datetime import timedelta

from sqlalchemy import select

from portal.db_types import utcnow
from portal.extensions import db
from portal.storage import backend_for
from portal.storage.base import read_sha256
from portal.storage.testing import MotoServer, s3_settings
from portal.uploads.models import StoredFile, Upload

MiB = 1024 * 1024
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 5000


def test_the_uploader_downloads_an_attachment(api_as, backend, pdf):
    api, _ = api_as("participant")
    data = pdf(200_000)
    file = api.upload(data, name="Plan d'action — Bénin.pdf").get_json()["file"]
    response = api.client.get(file["url"])
    if backend.name == "file":
        assert response.status_code == 200 and response.get_data() == data
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        ranged = api.client.get(file["url"], headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.get_data() == data[:10]
    else:
        assert response.status_code == 302
        assert "response-content-type=application%2Fpdf" in response.headers["Location"]
    disposition = (response.headers.get("Content-Disposition") or
                   response.headers["Location"])
    assert "attachment" in disposition
    assert ("UTF-8''Plan%20d%27action%20%E2%80%94%20B%C3%A9nin.pdf" in disposition or
            "UTF-8%27%27Plan%2520d%2527action" in disposition)


def test_media_play_inline(api_as, backend):
    api, _ = api_as("instructor")
    file = api.upload(MP4, name="lecture.mp4", purpose="material").get_json()["file"]
    response = api.client.get(file["url"])
    if backend.name == "file":
        assert response.headers["Content-Disposition"].startswith("inline")
        assert "sandbox" not in response.headers.get("Content-Security-Policy", "")
        assert response.headers["Accept-Ranges"] == "bytes"
        forced = api.client.get(file["url"] + "?download=1")
        assert forced.headers["Content-Disposition"].startswith("attachment")
    else:
        assert "response-content-disposition=inline" in response.headers["Location"]


def test_others_do_not_get_the_file(api_as, backend, pdf, uploads_app):
    api, _ = api_as("participant")
    file = api.upload(pdf(5000)).get_json()["file"]
    other, _ = api_as("participant")
    assert other.client.get(file["url"]).status_code == 404
    assert uploads_app.test_client().get(file["url"]).status_code == 404
    admin, _ = api_as("admin")
    assert admin.client.get(file["url"]).status_code in (200, 302)
    assert other.client.get("/files/999999").status_code == 404


def test_the_rule_named_by_the_purpose_decides(api_as, backend, pdf, uploads_app, monkeypatch):
    """The purpose names its download rule; the rule, looked up when asked, answers: here,
    public to everyone."""
    monkeypatch.setattr("portal.uploads.purposes.uploader_or_admin", lambda user, stored: True)
    api, _ = api_as("participant")
    file = api.upload(pdf(5000)).get_json()["file"]
    assert uploads_app.test_client().get(file["url"]).status_code in (200, 302)


# -- the form without JavaScript -------------------------------------------------------------------
def _form(api, **fields):
    data = {"csrf_token": api.token, "purpose": "document", **fields}
    return api.client.post("/uploads/form", data=data, content_type="multipart/form-data")


def test_form_takes_a_small_file(api_as, backend, pdf, digest, uploads_app):
    api, user = api_as("participant")
    page = api.client.get("/uploads/new?purpose=document")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html and "js/uploader.js" in html
    assert "100 MB" in html and "32 MB" in html and ".docx" in html  # limits told up front
    assert "<script>" not in html  # no inline script (CSP)
    data = pdf(300_000)
    response = _form(api, file=(io.BytesIO(data), "../../Informe país.pdf"))
    assert response.status_code == 200
    assert "Informe país.pdf" in response.get_data(as_text=True)
    with uploads_app.app_context():
        stored = db.session.scalars(select(StoredFile)).one()
        assert (stored.name, stored.sha256, stored.uploader_id) == ("Informe país.pdf",
                                                                    digest(data), user.id)
    assert read_sha256(backend, stored.key).sha256 == digest(data)


def test_form_refusal_keeps_the_page(api_as, backend):
    api, _ = api_as("participant", language="fr")
    response = _form(api, file=(io.BytesIO(b"<html><script>alert(1)</script>"), "note.txt"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Envoyer un fichier" in html and 'aria-invalid="true"' in html
    assert "(.html)" in html
    assert list(backend.list("files/")) == []
    empty = _form(api, file=(io.BytesIO(b""), "vide.pdf"))
    assert empty.status_code == 422 and "Le fichier est vide." in empty.get_data(as_text=True)
    assert _form(api).status_code == 422


def test_form_size_limit(api_as, backend, pdf, uploads_app):
    uploads_app.config["UPLOAD_FORM_MAX"] = 100_000
    api, _ = api_as("participant")
    response = _form(api, file=(io.BytesIO(pdf(100_001)), "big.pdf"))
    assert response.status_code == 422
    assert "Without JavaScript" in response.get_data(as_text=True)


def test_form_accepts_a_file_the_widget_uploaded(api_as, backend, pdf):
    api, _ = api_as("participant")
    file = api.upload(pdf(5000)).get_json()["file"]
    response = _form(api, file_id=str(file["id"]))
    assert response.status_code == 200 and "report.pdf" in response.get_data(as_text=True)
    other, _ = api_as("participant")
    assert _form(other, file_id=str(file["id"])).status_code == 422


# -- outage ------------------------------------------------------------------------------
def test_storage_outage_is_a_clear_error(api_as, uploads_app, pdf, make_api):
    server = MotoServer().start()
    try:
        store = backend_for("s3://outage/x", s3_settings(server.endpoint))
        store.init()
        uploads_app.extensions["storage"] = store
        api, _ = api_as("participant")
        data = pdf(5 * MiB + 10)
        upload = api.create("a.pdf", len(data)).get_json()
        api.send(upload, data, numbers=[1])
        server.stop()
        started = time.monotonic()
        response = api.create("b.pdf", 1000)
        assert time.monotonic() - started < 10
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "storage_unavailable" and "try again" in error["message"]
        failed = api.complete(upload["id"])
        assert failed.status_code == 503
        assert api.status(upload["id"]).status_code == 503
        server.start()
        assert api.status(upload["id"]).get_json()["state"] == "open"  # released, not lost
        api.send(upload, data, numbers=[2])
        assert api.complete(upload["id"]).status_code == 200
    finally:
        server.stop()


# -- commands ------------------------------------------------------------------------------------
def test_storage_check_and_init_against_moto(uploads_app, moto_server):
    # A bucket of this run's own: the moto server outlives one parametrization (sqlite, then
    # postgresql), and "created bucket" must be true each time.
    bucket = "fresh-%s" % uuid.uuid4().hex[:10]
    uploads_app.extensions["storage"] = backend_for("s3://%s/p" % bucket,
                                                    s3_settings(moto_server.endpoint))
    runner = uploads_app.test_cli_runner()
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code != 0 and "FAIL" in result.output
    result = runner.invoke(args=["storage", "init"])  # PUBLIC_URL is the origin
    assert result.exit_code == 0, result.output
    assert "created bucket %s" % bucket in result.output and "http://portal.test" in result.output
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert "storage ok" in result.output and "origins: http://portal.test" in result.output


def test_storage_check_local(uploads_app):
    result = uploads_app.test_cli_runner().invoke(args=["storage", "check"])
    assert result.exit_code == 0 and "write-read-delete" in result.output


def test_sweep(api_as, backend, pdf, uploads_app):
    api, _ = api_as("participant")
    data = pdf(5 * MiB + 10)
    stale = api.create("stale.pdf", len(data)).get_json()
    api.send(stale, data, numbers=[1])
    fresh = api.create("fresh.pdf", len(data)).get_json()
    kept = api.upload(pdf(1000)).get_json()["file"]
    backend.write("files/2020/01/orphan", io.BytesIO(b"nobody points here"))
    orphan_token = backend.create_multipart("files/2020/01/orphan-upload")
    with uploads_app.app_context():
        db.session.get(Upload, stale["id"]).updated_at = utcnow() - timedelta(days=8)
        db.session.commit()
    runner = uploads_app.test_cli_runner()
    dry = runner.invoke(args=["storage", "sweep", "--dry-run", "--grace-hours", "0"])
    assert "would remove upload %s" % stale["id"] in dry.output
    assert backend.stat("files/2020/01/orphan") is not None
    result = runner.invoke(args=["storage", "sweep", "--grace-hours", "0"])
    assert result.exit_code == 0, result.output
    assert "1 uploads expired, 1 orphan multipart uploads, 1 orphan objects" in result.output
    assert backend.stat("files/2020/01/orphan") is None
    remaining = [m.token for m in backend.list_multipart("files/")]
    assert remaining == [_token(uploads_app, fresh["id"])] and orphan_token not in remaining
    assert api.client.get(kept["url"]).status_code in (200, 302)
    assert api.status(stale["id"]).get_json()["state"] == "expired"


def _token(app, upload_id):
    with app.app_context():
        return db.session.get(Upload, upload_id).token
