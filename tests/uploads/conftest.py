"""Fixtures for the upload protocol: the app with the uploads blueprint, on either backend."""
from __future__ import annotations

import hashlib
import re
import uuid

import pytest
import urllib3

from portal.storage import backend_for
from portal.storage.testing import MotoServer, s3_settings

BUCKET = "portal-uploads-test"
MiB = 1024 * 1024


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    backend_for("s3://%s" % BUCKET, s3_settings(server.endpoint)).init("http://portal.test")
    yield server
    server.stop()


@pytest.fixture
def uploads_app(app):
    """The app (create_app wires the uploads blueprint and the storage commands)."""
    assert "uploads" in app.blueprints and "storage" in app.cli.commands
    return app


@pytest.fixture(params=["file", "s3"])
def backend(request, uploads_app):
    """The storage the app uses: its local folder, or an S3 prefix on moto."""
    if request.param == "s3":
        server = request.getfixturevalue("moto_server")
        uploads_app.extensions["storage"] = backend_for(
            "s3://%s/u-%s" % (BUCKET, uuid.uuid4().hex[:10]), s3_settings(server.endpoint))
    return uploads_app.extensions["storage"]


class Api:
    """The upload protocol as the widget speaks it (JSON, CSRF header, parts to wherever the
    portal says)."""

    def __init__(self, client):
        self.client = client
        self.token = client.csrf_token("/")
        self.http = urllib3.PoolManager()

    @property
    def headers(self):
        return {"X-CSRFToken": self.token, "Accept": "application/json"}

    def create(self, name="report.pdf", size=0, purpose="document", **extra):
        return self.client.post("/uploads", json={"name": name, "size": size,
                                                  "purpose": purpose, **extra},
                                headers=self.headers)

    def status(self, upload_id):
        return self.client.get("/uploads/%s" % upload_id, headers=self.headers)

    def target(self, upload_id, number):
        return self.client.get("/uploads/%s/parts/%d" % (upload_id, number), headers=self.headers)

    def put(self, upload_id, number, data: bytes) -> int:
        """Send a part where the portal says; return the HTTP status."""
        response = self.target(upload_id, number)
        assert response.status_code == 200, response.get_json()
        target = response.get_json()
        if target["direct"]:
            return self.http.request("PUT", target["url"], body=data, retries=False).status
        return self.client.put(target["url"], data=data, headers={
            **self.headers, "Content-Type": "application/octet-stream"}).status_code

    def send(self, upload, data: bytes, numbers=None):
        size = upload["part_size"]
        for n in numbers or range(1, upload["part_count"] + 1):
            assert self.put(upload["id"], n, data[(n - 1) * size:n * size]) == 200

    def complete(self, upload_id):
        return self.client.post("/uploads/%s/complete" % upload_id, headers=self.headers)

    def delete(self, upload_id):
        return self.client.delete("/uploads/%s" % upload_id, headers=self.headers)

    def upload(self, data: bytes, name="report.pdf", purpose="document", **extra):
        created = self.create(name, len(data), purpose, **extra)
        assert created.status_code == 201, created.get_json()
        upload = created.get_json()
        self.send(upload, data)
        return self.complete(upload["id"])


@pytest.fixture
def make_api(uploads_app):
    """``make_api(client)`` -> an :class:`Api` speaking through that (signed-in) client."""
    return Api


@pytest.fixture
def api_as(uploads_app, login_as):
    """``api_as(role, **user_fields)`` -> (Api, user) for a new signed-in user."""
    def make(role="participant", **fields):
        client, user = login_as(role, **fields)
        return Api(client), user
    return make


def pdf_bytes(size: int) -> bytes:
    """``size`` bytes that sniff as a PDF."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    body = hashlib.sha256(b"seed").digest() * (size // 32 + 1)
    return (head + body)[:size]


@pytest.fixture
def pdf():
    return pdf_bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def digest():
    return sha256


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
