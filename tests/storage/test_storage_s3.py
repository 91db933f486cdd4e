"""S3-only behaviour: outages, presigning, CORS, addressing and checksum settings."""
from __future__ import annotations

import hashlib
import io
import os
import socket
import time

import pytest
import urllib3

from portal.storage import StorageUnavailable, backend_for
from portal.storage.base import MIN_PART_SIZE


def test_outage_is_reported_quickly_and_loses_nothing(make_moto_server, send_part, s3_settings):
    server = make_moto_server()
    store = backend_for("s3://outage-bucket/p", s3_settings(server.endpoint))
    store.init()
    data = os.urandom(2 * MIN_PART_SIZE + 100)
    key = "uploads/during-outage"
    token = store.create_multipart(key)
    send_part(store, key, token, 1, data[:MIN_PART_SIZE])
    send_part(store, key, token, 2, data[MIN_PART_SIZE:2 * MIN_PART_SIZE])
    store.write("kept", io.BytesIO(b"stored before the outage"))

    server.stop()
    for operation in (lambda: store.list_parts(key, token),
                      lambda: store.write("new", io.BytesIO(b"x")),
                      lambda: store.stat("kept"),
                      lambda: store.open("kept").read()):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as failed:
            operation()
        assert time.monotonic() - started < 10
        assert "unreachable" in str(failed.value)
    started = time.monotonic()
    report = store.check()
    assert not report["ok"] and report["checks"][0]["detail"].startswith("storage_unavailable")
    assert time.monotonic() - started < 10

    server.start()  # same port, same moto state: the service comes back
    assert [p.number for p in store.list_parts(key, token)] == [1, 2]
    send_part(store, key, token, 3, data[2 * MIN_PART_SIZE:])
    result = store.complete_multipart(key, token)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    with store.open("kept") as stream:
        assert stream.read() == b"stored before the outage"


def test_hung_server_is_reported_within_10_seconds(s3_settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (the kernel does), never answers
    try:
        endpoint = "http://127.0.0.1:%d" % listener.getsockname()[1]
        store = backend_for("s3://hung", s3_settings(endpoint))
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            store.stat("anything")
        assert time.monotonic() - started < 10
    finally:
        listener.close()


def test_keys_carry_the_prefix(s3_store):
    s3_store.write("a/b", io.BytesIO(b"x"))
    raw = s3_store.client.list_objects_v2(Bucket=s3_store.bucket, Prefix=s3_store.prefix)
    assert [o["Key"] for o in raw["Contents"]] == [s3_store.prefix + "a/b"]
    assert s3_store.prefix.startswith("t-") and s3_store.prefix.endswith("/")


def test_client_configuration(s3_store):
    config = s3_store.client.meta.config
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.connect_timeout <= 3 and config.read_timeout <= 10
    assert config.retries["total_max_attempts"] <= 3
    assert config.s3["addressing_style"] == "path"


def test_presigned_urls_use_the_public_endpoint(moto_server, s3_settings):
    settings = dict(s3_settings(moto_server.endpoint),
                    S3_PUBLIC_ENDPOINT_URL="https://files.portal.example")
    store = backend_for("s3://portal-test/pub", settings)
    token = store.create_multipart("uploads/x")
    url = store.part_target("uploads/x", token, 1)
    assert url.startswith("https://files.portal.example/portal-test/pub/uploads/x?")
    assert "partNumber=1" in url and "uploadId=" in url
    store.abort_multipart("uploads/x", token)


def test_presigned_part_url_takes_a_browser_put(s3_store):
    token = s3_store.create_multipart("uploads/browser")
    url = s3_store.part_target("uploads/browser", token, 1)
    # a browser sends its own Content-Type; the signature must not depend on it
    response = urllib3.request("PUT", url, body=b"abc", headers={"Content-Type": "text/plain"})
    assert response.status == 200 and response.headers["ETag"]
    assert s3_store.complete_multipart("uploads/browser", token).size == 3


def test_init_sets_cors_and_check_sees_it(moto_server, s3_settings):
    store = backend_for("s3://cors-bucket", s3_settings(moto_server.endpoint))
    assert "created bucket cors-bucket" in store.init()
    report = store.check()
    assert not report["ok"]
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["cors"]
    store.init("https://portal.example")
    store.init("https://portal.example")  # idempotent
    rules = store.cors_rules()
    assert len(rules) == 1 and rules[0]["ExposeHeaders"] == ["ETag"]
    assert store.check()["ok"]


def test_unknown_bucket_fails_check(moto_server, s3_settings):
    report = backend_for("s3://no-such-bucket", s3_settings(moto_server.endpoint)).check()
    assert not report["ok"] and report["checks"][0]["name"] == "bucket"


def test_complete_without_hash_and_browser_origin(s3_store, send_part, moto_server):
    token = s3_store.create_multipart("uploads/nohash")
    send_part(s3_store, "uploads/nohash", token, 1, b"abc")
    result = s3_store.complete_multipart("uploads/nohash", token, hash=False)
    assert (result.size, result.sha256) == (3, None)
    assert s3_store.browser_origin == moto_server.endpoint


def test_joining_parts_may_take_longer(s3_store):
    joiner = s3_store.joiner.meta.config
    assert joiner.read_timeout == 600 and joiner.retries["total_max_attempts"] == 1
    assert joiner.connect_timeout == s3_store.client.meta.config.connect_timeout
    assert joiner.request_checksum_calculation == "when_required"


def test_join_timeout_comes_from_the_environment(tmp_path):
    from portal.config import load_config
    from portal.storage import settings_of
    conf = load_config(tmp_path, {"S3_COMPLETE_TIMEOUT": "90",
                                  "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    store = backend_for("s3://bucket/prefix", settings_of(conf))
    assert store.joiner.meta.config.read_timeout == 90
    assert store.client.meta.config.read_timeout == 4
