"""Fixtures for the storage contract suite: both backends, S3 over real HTTP against moto."""
from __future__ import annotations

import uuid

import pytest

from portal.storage import backend_for
from portal.storage.local import LocalStorage
from portal.storage.testing import MotoServer, s3_settings

BUCKET = "portal-test"


@pytest.fixture(name="s3_settings")
def s3_settings_fixture():
    return s3_settings


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer()
    server.start()
    backend_for("s3://%s" % BUCKET, s3_settings(server.endpoint)).init()
    yield server
    server.stop()


@pytest.fixture
def make_moto_server():
    """Start private moto servers (for outage tests); all are stopped at the end."""
    servers = []

    def make() -> MotoServer:
        server = MotoServer()
        server.start()
        servers.append(server)
        return server
    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def local_store(tmp_path):
    store = LocalStorage(tmp_path / "store")
    store.init()
    return store


@pytest.fixture
def s3_store(moto_server):
    # a fresh prefix per test keeps listings independent
    url = "s3://%s/t-%s" % (BUCKET, uuid.uuid4().hex[:12])
    return backend_for(url, s3_settings(moto_server.endpoint))


@pytest.fixture(params=["file", "s3"])
def store(request):
    return request.getfixturevalue("local_store" if request.param == "file" else "s3_store")


@pytest.fixture
def send_part():
    """Send one part the way a client does: to the presigned URL if there is one, else to the
    portal (``write_part``). Returns the part's ETag."""
    import io

    import urllib3

    http = urllib3.PoolManager()

    def send(store, key: str, token: str, number: int, data: bytes) -> str:
        url = store.part_target(key, token, number)
        if url is None:
            return store.write_part(key, token, number, io.BytesIO(data)).etag
        response = http.request("PUT", url, body=data, retries=False)
        assert response.status == 200, response.data[:500]
        return response.headers["ETag"].strip('"')
    yield send
    http.clear()
