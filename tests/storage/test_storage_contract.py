"""The contract every storage backend honours; run against the local folder and S3 (moto)."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest

from portal.storage import backend_for
from portal.storage.base import (
    MIN_PART_SIZE,
    InvalidKey,
    MultipartNotFound,
    ObjectNotFound,
    PartInfo,
    PartRejected,
    RangeNotSatisfiable,
    SeekableReader,
    read_sha256,
)
from portal.uploads.checks import UploadPolicy, UploadRefused, check_archive

MiB = 1024 * 1024


class Trickle(io.RawIOBase):
    """A non-seekable stream that returns short reads, like a socket."""

    def __init__(self, data: bytes, step: int = 300_001):
        self._data, self._pos, self._step = data, 0, step

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self._step, len(self._data) - self._pos)
        buffer[:n] = self._data[self._pos:self._pos + n]
        self._pos += n
        return n


def read_all(store, key, *args):
    with store.open(key, *args) as stream:
        return stream.read()


@pytest.mark.parametrize("size", [0, 1, 3 * MiB + 7, 17 * MiB + 3])
def test_write_streams_and_reports_size_and_sha256(store, size):
    data = os.urandom(size)
    result = store.write("docs/a.bin", Trickle(data), content_type="application/octet-stream")
    assert (result.size, result.sha256) == (size, hashlib.sha256(data).hexdigest())
    assert read_all(store, "docs/a.bin") == data
    stat = store.stat("docs/a.bin")
    assert stat.size == size and stat.etag and stat.modified.tzinfo is not None
    assert read_sha256(store, "docs/a.bin") == result


def test_write_replaces(store):
    store.write("k", io.BytesIO(b"first version"))
    store.write("k", io.BytesIO(b"second"))
    assert read_all(store, "k") == b"second"


def test_ranges(store):
    data = bytes(range(256)) * 40
    store.write("r/x", io.BytesIO(data))
    assert read_all(store, "r/x", 10, 20) == data[10:20]
    assert read_all(store, "r/x", 10) == data[10:]
    assert read_all(store, "r/x", 0, 1) == data[:1]
    assert read_all(store, "r/x", len(data) - 5, len(data) + 100) == data[-5:]
    assert read_all(store, "r/x", 7, 7) == b""
    with pytest.raises(RangeNotSatisfiable):
        read_all(store, "r/x", len(data))
    with pytest.raises(ValueError):
        read_all(store, "r/x", 20, 10)


def test_missing_objects(store):
    assert store.stat("nope/x") is None
    with pytest.raises(ObjectNotFound):
        read_all(store, "nope/x")
    store.delete("nope/x")  # not an error


def test_delete(store):
    store.write("d/1", io.BytesIO(b"x"))
    store.delete("d/1")
    assert store.stat("d/1") is None
    assert list(store.list("d/")) == []


def test_list_by_prefix(store):
    for key in ("a/1", "a/2", "ab/3", "b/4"):
        store.write(key, io.BytesIO(key.encode()))
    keys = lambda prefix: sorted(o.key for o in store.list(prefix))  # noqa: E731
    assert keys("a/") == ["a/1", "a/2"]
    assert keys("a") == ["a/1", "a/2", "ab/3"]
    assert keys("") == ["a/1", "a/2", "ab/3", "b/4"]
    assert keys("zzz") == []
    assert {o.key: o.size for o in store.list("b")} == {"b/4": 3}


@pytest.mark.parametrize("key", ["", "../x", "/abs", "a//b", ".hidden", "a/../b", "a\\b",
                                 "a/./b", "x\x00", "a b", "é"])
def test_keys_are_validated(store, key):
    with pytest.raises(InvalidKey):
        store.write(key, io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.stat(key)


def test_multipart_interrupted_then_resumed(store, send_part):
    data = os.urandom(2 * MIN_PART_SIZE + 12345)
    chunks = [data[:MIN_PART_SIZE], data[MIN_PART_SIZE:2 * MIN_PART_SIZE],
              data[2 * MIN_PART_SIZE:]]
    key = "uploads/resumed.bin"
    token = store.create_multipart(key, "application/octet-stream")
    send_part(store, key, token, 1, chunks[0])
    send_part(store, key, token, 2, chunks[1])
    # the client drops; later another process (same configuration) picks the upload up
    again = type(store).from_url(*_url_and_settings(store))
    parts = again.list_parts(key, token)
    assert [(p.number, p.size) for p in parts] == [(1, MIN_PART_SIZE), (2, MIN_PART_SIZE)]
    assert parts[0].etag == hashlib.md5(chunks[0]).hexdigest()
    send_part(again, key, token, 3, chunks[2])
    result = again.complete_multipart(key, token)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert read_all(store, key) == data
    assert list(store.list_multipart("uploads/")) == []
    with pytest.raises(MultipartNotFound):
        store.list_parts(key, token)


def test_multipart_part_sent_twice_keeps_the_last(store, send_part):
    key = "uploads/twice"
    token = store.create_multipart(key)
    send_part(store, key, token, 1, b"a" * MIN_PART_SIZE)
    send_part(store, key, token, 1, b"b" * MIN_PART_SIZE)
    send_part(store, key, token, 2, b"tail")
    assert [p.size for p in store.list_parts(key, token)] == [MIN_PART_SIZE, 4]
    store.complete_multipart(key, token)
    assert read_all(store, key, 0, 2) == b"bb"


def test_multipart_with_explicit_parts(store, send_part):
    key = "uploads/explicit"
    token = store.create_multipart(key)
    etag1 = send_part(store, key, token, 1, b"1" * MIN_PART_SIZE)
    etag2 = send_part(store, key, token, 2, b"2" * 10)
    with pytest.raises(PartRejected) as refused:
        store.complete_multipart(key, token, [PartInfo(1, MIN_PART_SIZE, "0" * 32),
                                              PartInfo(2, 10, etag2)])
    assert refused.value.code == "bad_part_list"
    with pytest.raises(PartRejected):
        store.complete_multipart(key, token, [PartInfo(2, 10, etag2), PartInfo(1, 0, etag1)])
    result = store.complete_multipart(key, token, [PartInfo(1, MIN_PART_SIZE, etag1),
                                                   PartInfo(2, 10, etag2)])
    assert result.size == MIN_PART_SIZE + 10


def test_multipart_small_part_refused(store, send_part):
    key = "uploads/small"
    token = store.create_multipart(key)
    send_part(store, key, token, 1, b"x" * 1024)
    send_part(store, key, token, 2, b"y" * 1024)
    with pytest.raises(PartRejected) as refused:
        store.complete_multipart(key, token)
    assert refused.value.code == "part_too_small"
    assert store.stat(key) is None
    store.abort_multipart(key, token)


def test_multipart_single_small_part_is_fine(store, send_part):
    token = store.create_multipart("uploads/one")
    send_part(store, "uploads/one", token, 1, b"short")
    assert store.complete_multipart("uploads/one", token).size == 5


def test_multipart_abort(store, send_part):
    key = "uploads/aborted"
    token = store.create_multipart(key)
    send_part(store, key, token, 1, b"x" * 100)
    assert [(u.key, u.token) for u in store.list_multipart("uploads/")] == [(key, token)]
    store.abort_multipart(key, token)
    store.abort_multipart(key, token)  # twice is fine
    with pytest.raises(MultipartNotFound):
        store.list_parts(key, token)
    assert list(store.list_multipart("uploads/")) == []
    assert store.stat(key) is None


def test_multipart_token_is_bound_to_its_key(local_store):
    token = local_store.create_multipart("uploads/a")
    with pytest.raises(MultipartNotFound):
        local_store.list_parts("uploads/b", token)
    with pytest.raises(MultipartNotFound):
        local_store.write_part("uploads/a", "../../etc", 1, io.BytesIO(b"x"))


@pytest.mark.parametrize("number", [0, 10_001])
def test_part_numbers_are_bounded(store, number):
    token = store.create_multipart("uploads/n")
    with pytest.raises(PartRejected):
        store.part_target("uploads/n", token, number)


def test_archive_directory_read_through_ranges(store):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(30):
            archive.writestr("f%02d.txt" % i, b"0" * 100_000)
    store.write("z/a.zip", io.BytesIO(buffer.getvalue()))
    size = len(buffer.getvalue())
    reader = SeekableReader(store, "z/a.zip", size)
    policy = UploadPolicy(frozenset({"application/zip"}), 10 * MiB, max_archive_entries=100,
                          max_archive_unpacked=10 * MiB)
    assert reader.seek(0, io.SEEK_END) == size
    assert check_archive(reader, size, policy) == 30
    tight = UploadPolicy(frozenset({"application/zip"}), 10 * MiB, max_archive_unpacked=MiB)
    with pytest.raises(UploadRefused) as refused:
        check_archive(SeekableReader(store, "z/a.zip", size), size, tight)
    assert refused.value.code == "archive_too_large"


def test_check_reports_a_working_store(store):
    store.init("http://portal.test")
    report = store.check()
    assert report["ok"], report
    assert report["backend"] == store.name
    assert list(store.list("_probe")) == []


def _url_and_settings(store):
    if store.name == "file":
        return "file://%s" % store.root, {}
    endpoint = store.client.meta.endpoint_url
    return ("s3://%s/%s" % (store.bucket, store.prefix),
            {"S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing"})


def test_backend_for_rejects_unknown_schemes():
    with pytest.raises(ValueError):
        backend_for("ftp://host/x")
    with pytest.raises(ValueError):
        backend_for("file://relative/path")
