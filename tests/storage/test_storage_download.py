"""Download responses: streamed with Range and conditional requests locally, presigned on S3."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import urllib3
from flask import Flask, request

from portal.storage.http import ascii_fallback, content_disposition

DATA = bytes(range(256)) * 64
NAME = "Rapport été 2024.pdf"
DISPOSITION = ("attachment; filename=\"Rapport ete 2024.pdf\"; "
               "filename*=UTF-8''Rapport%20%C3%A9t%C3%A9%202024.pdf")


def make_client(store):
    app = Flask(__name__)

    @app.get("/f/<path:key>")
    def download(key):
        return store.download_response(key, filename=request.args.get("name", NAME),
                                       content_type=request.args.get("type", "application/pdf"),
                                       inline="inline" in request.args)
    store.write("files/a", io.BytesIO(DATA))
    return app.test_client()


@pytest.fixture
def client(store):
    return make_client(store)


@pytest.fixture
def local_client(local_store):
    return make_client(local_store)


@pytest.fixture
def s3_client(s3_store):
    return make_client(s3_store)


def fetch(client, store, path, headers=None):
    """Follow the S3 redirect to the presigned URL with a real HTTP client."""
    response = client.get(path, headers=headers or {})
    if store.name == "file":
        body = response.get_data()
        response.close()
        return response.status_code, response.headers, body
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    remote = urllib3.request("GET", response.headers["Location"], headers=headers or {},
                             redirect=False)
    return remote.status, remote.headers, remote.data


def test_attachment_with_rfc6266_name(client, store):
    status, headers, body = fetch(client, store, "/f/files/a")
    assert status == 200 and body == DATA
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == DISPOSITION


def test_range(client, store):
    status, headers, body = fetch(client, store, "/f/files/a", {"Range": "bytes=10-19"})
    assert status == 206 and body == DATA[10:20]
    assert headers["Content-Range"] == "bytes 10-19/%d" % len(DATA)
    status, headers, body = fetch(client, store, "/f/files/a", {"Range": "bytes=-5"})
    assert status == 206 and body == DATA[-5:]


def test_unsatisfiable_range(client, store):
    status, headers, _ = fetch(client, store, "/f/files/a", {"Range": "bytes=%d-" % len(DATA)})
    assert status == 416


def test_local_security_headers(local_client):
    client = local_client
    response = client.get("/f/files/a")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Accept-Ranges"] == "bytes"
    response.close()
    inline = client.get("/f/files/a?type=video/mp4&name=talk.mp4&inline=1")
    assert inline.headers["Content-Disposition"] == 'inline; filename="talk.mp4"'
    assert "Content-Security-Policy" not in inline.headers
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    inline.close()


def test_local_conditional_requests(local_client, local_store):
    client = local_client
    first = client.get("/f/files/a")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    first.close()
    assert client.get("/f/files/a", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/f/files/a", headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    response = client.get("/f/files/a", headers={"If-Modified-Since": earlier})
    assert response.status_code == 200
    response.close()
    local_store.write("files/a", io.BytesIO(b"changed"))
    response = client.get("/f/files/a", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_data() == b"changed"
    response.close()


def test_s3_redirect_sets_type_and_disposition(s3_client):
    client = s3_client
    response = client.get("/f/files/a?type=video/mp4&name=Leçon 1.mp4&inline=1")
    location = response.headers["Location"]
    assert "response-content-type=video%2Fmp4" in location
    assert "response-content-disposition=inline" in location
    remote = urllib3.request("GET", location)
    assert remote.headers["Content-Disposition"] == content_disposition("Leçon 1.mp4", True)


@pytest.mark.parametrize("name, fallback", [
    ("report.pdf", "report.pdf"), ("Rapport été.pdf", "Rapport ete.pdf"),
    ("報告書.pdf", "download.pdf"), ('a"b\\c.txt', "abc.txt"), ("100%.txt", "100.txt"),
    ("Информация", "download")])
def test_ascii_fallback(name, fallback):
    assert ascii_fallback(name) == fallback
    value = content_disposition(name)
    assert value.isascii() and '"%s"' % fallback in value
