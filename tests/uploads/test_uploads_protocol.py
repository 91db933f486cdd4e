"""The resumable upload protocol, on the local folder and on S3 (moto over HTTP)."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.storage.base import read_sha256
from portal.uploads.models import StoredFile, Upload

MiB = 1024 * 1024
PART = 5 * MiB


def test_upload_in_parts(api_as, backend, pdf, digest, uploads_app):
    api, user = api_as("participant")
    data = pdf(2 * PART + 1000)
    created = api.create("../Country report — Bénin.pdf", len(data))
    assert created.status_code == 201
    upload = created.get_json()
    assert created.headers["Location"] == upload["url"]
    assert (upload["part_size"], upload["part_count"], upload["state"]) == (PART, 3, "open")
    assert upload["name"] == "Country report — Bénin.pdf"
    target = api.target(upload["id"], 1).get_json()
    assert target["direct"] is (backend.name == "s3") and target["size"] == PART
    assert api.target(upload["id"], 3).get_json()["size"] == 1000
    api.send(upload, data)
    listed = api.status(upload["id"]).get_json()
    assert [(p["number"], p["size"]) for p in listed["parts"]] == [(1, PART), (2, PART),
                                                                   (3, 1000)]
    done = api.complete(upload["id"])
    assert done.status_code == 200, done.get_json()
    file = done.get_json()["file"]
    assert file["sha256"] == digest(data)
    assert (file["size"], file["content_type"]) == (len(data), "application/pdf")
    with uploads_app.app_context():
        stored = db.session.get(StoredFile, file["id"])
        assert (stored.backend, stored.uploader_id, stored.purpose) == (backend.name, user.id,
                                                                         "document")
        assert stored.key.startswith("files/") and "Bénin" not in stored.key
        assert stored.sha256 == digest(data)
    assert read_sha256(backend, stored.key).sha256 == digest(data)
    again = api.complete(upload["id"])  # a retry after a lost response gets the same file
    assert again.status_code == 200 and again.get_json()["file"]["id"] == file["id"]


def test_interrupted_upload_resumes(api_as, backend, pdf, digest, client, auth, make_api):
    api, user = api_as("participant")
    data = pdf(3 * PART + 77)
    upload = api.create("plan.pdf", len(data)).get_json()
    api.send(upload, data, numbers=[1, 3])
    # the connection drops; later the same person comes back in another session
    assert auth.login(user.email).status_code == 302
    later = make_api(client)
    status = later.status(upload["id"]).get_json()
    assert [p["number"] for p in status["parts"]] == [1, 3]
    have = {p["number"] for p in status["parts"]}
    later.send(upload, data, numbers=[n for n in range(1, 5) if n not in have])
    done = later.complete(upload["id"]).get_json()
    assert done["state"] == "complete" and done["file"]["sha256"] == digest(data)


def test_declared_checksum_is_verified(api_as, backend, pdf, digest):
    api, _ = api_as("participant")
    data = pdf(1000)
    good = api.upload(data, sha256=digest(data).upper())
    assert good.status_code == 200 and good.get_json()["file"]["sha256"] == digest(data)
    bad = api.upload(data, sha256="0" * 64)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "checksum_mismatch"
    assert list(backend.list("files/")) != [] and len(list(backend.list("files/"))) == 1


def test_content_is_checked_at_completion(api_as, backend, uploads_app):
    api, _ = api_as("participant", language="fr")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
    response = api.upload(png, name="rapport.pdf")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "extension_mismatch"
    assert error["params"] == {"extension": ".pdf", "detected": ".png"}
    assert "(.png)" in error["message"] and "(.pdf)" in error["message"]
    assert error["message"] != ("The content of this file (.png) does not match its name "
                                "(.pdf). Rename it or choose the right file.")  # French
    assert list(backend.list("files/")) == []  # refused bytes are not kept
    with uploads_app.app_context():
        row = db.session.scalars(select(Upload)).one()
        assert (row.state, row.error) == ("refused", "extension_mismatch")


def test_zip_bomb_refused_by_its_directory(api_as, backend):
    api, _ = api_as("participant")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"\0" * MiB)
    data = bytearray(buffer.getvalue())
    # what a bomb's directory says: this entry unpacks to almost 4 GiB
    entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    data[entry + 24:entry + 28] = (0xFFFFFF00).to_bytes(4, "little")
    response = api.upload(bytes(data), name="plan.docx")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "archive_too_large"


@pytest.mark.parametrize("body, status, code", [
    ({"name": "a.pdf", "size": 0}, 422, "empty"),
    ({"name": "a.pdf", "size": 101 * MiB}, 413, "too_large"),
    ({"name": "a.exe", "size": 10}, 422, "type_not_allowed"),
    ({"name": "a.pdf", "size": "10"}, 400, "bad_request"),
    ({"name": None, "size": 10}, 400, "bad_request"),
    ({"name": "a.pdf", "size": 10, "sha256": "xyz"}, 400, "bad_request"),
    ({"name": "a.pdf", "size": 10, "purpose": "nope"}, 400, "purpose_unknown"),
    ({"name": "a.mp4", "size": 10, "purpose": "material"}, 403, "purpose_not_allowed"),
])
def test_declarations_refused_before_any_byte(api_as, backend, body, status, code):
    api, _ = api_as("participant")
    response = api.client.post("/uploads", json={"purpose": "document", **body},
                               headers=api.headers)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_limits_are_in_the_message(api_as, backend):
    api, _ = api_as("participant", language="es")
    error = api.create("a.pdf", 101 * MiB).get_json()["error"]
    assert error["params"] == {"size": 101 * MiB, "limit": 100 * MiB}
    assert "101 MB" in error["message"] and "100 MB" in error["message"]


def test_staff_may_send_large_media(api_as, backend):
    api, _ = api_as("instructor")
    created = api.create("Lecture 1.mp4", 3 * 1024 * MiB, purpose="material")
    assert created.status_code == 201
    assert created.get_json()["part_count"] == 615  # 3 GiB in 5 MiB parts
    huge = api.create("Lecture 1.mp4", 5 * 1024 * MiB, purpose="material").get_json()
    assert huge["part_count"] <= 10_000
    assert api.create("x.mp4", 5 * 1024 * MiB + 1, purpose="material").status_code == 413


def test_parts_must_have_the_announced_size(api_as, backend, pdf, uploads_app):
    if backend.name != "file":
        pytest.skip("parts go straight to S3, which checks sizes at completion")
    api, _ = api_as("participant")
    data = pdf(PART + 10)
    upload = api.create("a.pdf", len(data)).get_json()
    assert api.put(upload["id"], 1, data[:PART - 1]) == 400
    assert api.put(upload["id"], 2, data[PART:] + b"x") == 400
    url = "/uploads/%s/parts/%d" % (upload["id"], 3)
    assert api.client.put(url, data=b"x", headers=api.headers).status_code == 400
    assert api.target(upload["id"], 3).status_code == 400
    assert api.target(upload["id"], 0).status_code == 400


def test_complete_with_missing_parts_then_resume(api_as, backend, pdf, digest):
    api, _ = api_as("participant")
    data = pdf(2 * PART + 5)
    upload = api.create("a.pdf", len(data)).get_json()
    api.send(upload, data, numbers=[1, 3])
    response = api.complete(upload["id"])
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "parts_missing"
    assert response.get_json()["error"]["params"]["missing"] == [2]
    assert api.status(upload["id"]).get_json()["state"] == "open"
    api.send(upload, data, numbers=[2])
    assert api.complete(upload["id"]).get_json()["file"]["sha256"] == digest(data)


def test_a_short_part_is_caught_at_completion(api_as, backend, pdf):
    """On S3 the presigned URL takes any size: completion checks each part's size."""
    if backend.name != "s3":
        pytest.skip("the portal's part endpoint refuses a short part at once")
    api, _ = api_as("participant")
    data = pdf(PART + 10)
    upload = api.create("a.pdf", len(data)).get_json()
    assert api.put(upload["id"], 1, data[:PART - 1]) == 200
    api.send(upload, data, numbers=[2])
    response = api.complete(upload["id"])
    assert response.status_code == 409
    assert response.get_json()["error"]["params"]["missing"] == [1]


def test_cancel(api_as, backend, pdf):
    api, _ = api_as("participant")
    data = pdf(PART + 10)
    upload = api.create("a.pdf", len(data)).get_json()
    api.send(upload, data, numbers=[1])
    assert api.delete(upload["id"]).status_code == 204
    status = api.status(upload["id"]).get_json()
    assert (status["state"], status["parts"]) == ("aborted", [])
    assert list(backend.list_multipart("files/")) == []
    closed = api.target(upload["id"], 2)
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "upload_closed"
    assert api.complete(upload["id"]).status_code == 409
