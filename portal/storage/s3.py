"""Any S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage...) through boto3.

``STORAGE_URL=s3://bucket/prefix``; everything else comes from settings: ``S3_ENDPOINT_URL``
(omit for AWS), ``S3_PUBLIC_ENDPOINT_URL`` (the address browsers use, when it differs),
``S3_REGION``, ``S3_ADDRESSING_STYLE`` (``path`` or ``virtual``; default ``path`` when an endpoint
is set), ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (else boto3's usual chain),
``S3_CONNECT_TIMEOUT``/``S3_READ_TIMEOUT`` (seconds) and ``S3_MAX_ATTEMPTS`` (attempts in all).

The defaults, the configuration table's (2 s to connect, 4 s without a byte while reading, 2
attempts), make a store that is down, unreachable or hung fail with :class:`StorageUnavailable`
in under 10 seconds. The one exception is joining a multipart upload, which may legitimately take
minutes before answering: it waits up to ``S3_COMPLETE_TIMEOUT`` (600 s) for a store that
accepted the connection.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
)

from .. import config
from .base import (
    MultipartInfo,
    MultipartNotFound,
    ObjectInfo,
    ObjectNotFound,
    ObjectStat,
    PartInfo,
    PartRejected,
    RangeNotSatisfiable,
    StorageBackend,
    StorageError,
    StorageUnavailable,
    WriteResult,
    read_sha256,
    register,
    validate_key,
    validate_part_number,
)
from .http import content_disposition

WRITE_CHUNK = 8 * 1024 * 1024  # part size for server-side writes: bounds memory per write
_NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})
_BAD_PARTS = frozenset({"InvalidPart", "InvalidPartOrder", "MalformedXML"})
_UNAVAILABLE = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"})
# The store's error codes that name a missing thing, and the storage API's error for each.
_MISSING = {**dict.fromkeys(_NOT_FOUND, ObjectNotFound), "NoSuchUpload": MultipartNotFound,
            "InvalidRange": RangeNotSatisfiable}
# The store's error codes that refuse a multipart upload's parts, and the refusal's code.
_PART_REFUSALS = {"EntityTooSmall": "part_too_small", **dict.fromkeys(_BAD_PARTS, "bad_part_list")}


def _client_error(exc: ClientError, what: str) -> StorageError:
    """The storage API's error for an error the store answered."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _MISSING:
        return _MISSING[code](what)
    if code in _PART_REFUSALS:
        return PartRejected(_PART_REFUSALS[code], str(exc))
    if code in _UNAVAILABLE or status >= 500:
        return StorageUnavailable("%s: %s" % (what, exc))
    return StorageError("%s: %s" % (what, exc))


@contextmanager
def _translated(what: str = ""):
    """Turn botocore's exceptions into the storage API's."""
    try:
        yield
    except ClientError as exc:
        raise _client_error(exc, what) from exc
    except (BotoConnectionError, HTTPClientError) as exc:
        raise StorageUnavailable("object storage unreachable (%s): %s" % (what, exc)) from exc
    except BotoCoreError as exc:
        raise StorageError("%s: %s" % (what, exc)) from exc


class _Body(io.RawIOBase):
    """A ``get_object`` body whose network errors come out as :class:`StorageUnavailable`."""

    def __init__(self, body, what: str):
        self._body, self._what = body, what

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        with _translated(self._what):
            return self._body.read(None if size is None or size < 0 else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _read_full(stream: IO[bytes], size: int) -> bytes:
    """Read up to ``size`` bytes, looping over short reads (sockets, WSGI input)."""
    chunks, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# Settings not given fall back on the configuration table's defaults, the only ones.
_DEFAULTS = {setting.env: setting.default for setting in config.SETTINGS}


def _setting(settings: Mapping[str, object], name: str):
    value = settings.get(name)
    return _DEFAULTS[name] if value in (None, "") else value


@register("s3")
class S3Storage(StorageBackend):
    name = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 public_endpoint_url: str | None = None, region: str | None = None,
                 addressing_style: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, connect_timeout: float, read_timeout: float,
                 max_attempts: int, complete_timeout: float):
        if not bucket:
            raise ValueError("s3:// STORAGE_URL needs a bucket: s3://bucket/prefix")
        style = addressing_style or ("path" if endpoint_url else "virtual")
        if style not in ("path", "virtual", "auto"):
            raise ValueError("S3_ADDRESSING_STYLE must be path or virtual, not %r" % style)
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.region = region
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": style},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            # boto3 >= 1.36 adds CRC32 checksums that many S3-compatible servers reject.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            tcp_keepalive=True,
        )
        session = boto3.session.Session(aws_access_key_id=access_key,
                                        aws_secret_access_key=secret_key, region_name=region)
        self.client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # Joining a multipart upload of gigabytes may take minutes on some stores (moto, Ceph)
        # before the first byte of the answer: that one call waits longer, and is not retried
        # (a retry after a join that did happen gets NoSuchUpload; the caller checks the object).
        self.joiner = session.client("s3", endpoint_url=endpoint_url, config=config.merge(Config(
            read_timeout=complete_timeout, retries={"total_max_attempts": 1, "mode": "standard"})))
        self.presigner = (session.client("s3", endpoint_url=public_endpoint_url, config=config)
                          if public_endpoint_url else self.client)

    @classmethod
    def from_url(cls, url: str, settings: Mapping[str, object]) -> S3Storage:
        parts = urlsplit(url)
        return cls(
            parts.netloc, parts.path,
            endpoint_url=_setting(settings, "S3_ENDPOINT_URL"),
            public_endpoint_url=_setting(settings, "S3_PUBLIC_ENDPOINT_URL"),
            region=_setting(settings, "S3_REGION"),
            addressing_style=_setting(settings, "S3_ADDRESSING_STYLE"),
            access_key=_setting(settings, "AWS_ACCESS_KEY_ID"),
            secret_key=_setting(settings, "AWS_SECRET_ACCESS_KEY"),
            connect_timeout=float(_setting(settings, "S3_CONNECT_TIMEOUT")),
            read_timeout=float(_setting(settings, "S3_READ_TIMEOUT")),
            max_attempts=int(_setting(settings, "S3_MAX_ATTEMPTS")),
            complete_timeout=float(_setting(settings, "S3_COMPLETE_TIMEOUT")),
        )

    def __repr__(self) -> str:
        return "<S3Storage s3://%s/%s at %s>" % (self.bucket, self.prefix,
                                                 self.client.meta.endpoint_url)

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    # -- objects -----------------------------------------------------------------------------
    def write(self, key, stream, *, content_type=None) -> WriteResult:
        full = self._key(key)
        extra = {"ContentType": content_type} if content_type else {}
        digest = hashlib.sha256()
        chunk = _read_full(stream, WRITE_CHUNK)
        digest.update(chunk)
        if len(chunk) < WRITE_CHUNK:
            with _translated(key):
                self.client.put_object(Bucket=self.bucket, Key=full, Body=chunk, **extra)
            return WriteResult(len(chunk), digest.hexdigest())
        with _translated(key):
            token = self.client.create_multipart_upload(Bucket=self.bucket, Key=full,
                                                        **extra)["UploadId"]
        try:
            parts, size, number = [], 0, 1
            while chunk:
                with _translated(key):
                    etag = self.client.upload_part(Bucket=self.bucket, Key=full, UploadId=token,
                                                   PartNumber=number, Body=chunk)["ETag"]
                parts.append({"PartNumber": number, "ETag": etag})
                size += len(chunk)
                number += 1
                chunk = _read_full(stream, WRITE_CHUNK)
                digest.update(chunk)
            with _translated(key):
                self.joiner.complete_multipart_upload(
                    Bucket=self.bucket, Key=full, UploadId=token,
                    MultipartUpload={"Parts": parts})
        except BaseException:
            self._abort_quietly(full, token)
            raise
        return WriteResult(size, digest.hexdigest())

    def _abort_quietly(self, full: str, token: str) -> None:
        with contextlib.suppress(BotoCoreError, ClientError):  # the sweeper removes what is left
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=token)

    def open(self, key, start=0, stop=None) -> IO[bytes]:
        if start < 0 or (stop is not None and stop < start):
            raise ValueError("bad range %r-%r" % (start, stop))
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if stop == start:
            if self.stat(key) is None:
                raise ObjectNotFound(key)
            return io.BytesIO(b"")
        if start or stop is not None:
            params["Range"] = "bytes=%d-%s" % (start, "" if stop is None else stop - 1)
        with _translated(key):
            body = self.client.get_object(**params)["Body"]
        return io.BufferedReader(_Body(body, key), 1024 * 1024)

    def delete(self, key) -> None:
        with _translated(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def stat(self, key) -> ObjectStat | None:
        try:
            with _translated(key):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ObjectNotFound:
            return None
        return ObjectStat(head["ContentLength"], head["ETag"].strip('"'), head["LastModified"])

    def list(self, prefix="") -> Iterator[ObjectInfo]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        with _translated("list %s" % prefix):
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Size"], item["ETag"].strip('"'), item["LastModified"],
                                     item["Key"][len(self.prefix):])

    # -- multipart ---------------------------------------------------------------------------
    def create_multipart(self, key, content_type=None) -> str:
        extra = {"ContentType": content_type} if content_type else {}
        with _translated(key):
            return self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self._key(key), **extra)["UploadId"]

    def part_target(self, key, token, part_number, *, expires=3600) -> str:
        validate_part_number(part_number)
        with _translated(key):
            return self.presigner.generate_presigned_url(
                "upload_part", ExpiresIn=expires,
                Params={"Bucket": self.bucket, "Key": self._key(key), "UploadId": token,
                        "PartNumber": part_number})

    def list_parts(self, key, token) -> list[PartInfo]:
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=self._key(key), UploadId=token)
        with _translated(key):
            return [PartInfo(p["PartNumber"], p["Size"], p["ETag"].strip('"'))
                    for page in pages for p in page.get("Parts", [])]

    def complete_multipart(self, key, token, parts=None, *, hash=True) -> WriteResult:
        if parts is None:
            parts = self.list_parts(key, token)
        if not parts:
            raise PartRejected("no_parts")
        numbers = [p.number for p in parts]
        if numbers != sorted(set(numbers)):
            raise PartRejected("bad_part_list", "parts not in ascending order")
        with _translated(key):
            self.joiner.complete_multipart_upload(
                Bucket=self.bucket, Key=self._key(key), UploadId=token,
                MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": '"%s"' % p.etag}
                                           for p in parts]})
        if not hash:
            stat = self.stat(key)
            if stat is None:
                raise ObjectNotFound(key)
            return WriteResult(stat.size, None)
        # S3 offers no whole-object SHA-256 of a multipart object: read it back once.
        return read_sha256(self, key)

    def abort_multipart(self, key, token) -> None:
        try:
            with _translated(key):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._key(key),
                                                   UploadId=token)
        except MultipartNotFound:
            pass

    def list_multipart(self, prefix="") -> Iterator[MultipartInfo]:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        with _translated("list uploads %s" % prefix):
            for page in pages:
                for item in page.get("Uploads", []):
                    yield MultipartInfo(item["Key"][len(self.prefix):], item["UploadId"],
                                        item["Initiated"])

    # -- operations --------------------------------------------------------------------------
    @property
    def browser_origin(self) -> str:
        url = self.presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.prefix + "x"}, ExpiresIn=60)
        parts = urlsplit(url)
        return "%s://%s" % (parts.scheme, parts.netloc)

    def _bucket_exists(self) -> bool:
        try:
            with _translated("bucket %s" % self.bucket):
                self.client.head_bucket(Bucket=self.bucket)
        except ObjectNotFound:
            return False
        return True

    def cors_rules(self) -> list[dict]:
        try:
            return self.client.get_bucket_cors(Bucket=self.bucket)["CORSRules"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchCORSConfiguration":
                return []
            with _translated("CORS of %s" % self.bucket):
                raise
        except BotoCoreError:
            with _translated("CORS of %s" % self.bucket):
                raise

    def init(self, origin=None) -> list[str]:
        done = []
        if not self._bucket_exists():
            extra = {}
            if self.region and self.region != "us-east-1":
                extra["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            with _translated("create bucket %s" % self.bucket):
                self.client.create_bucket(Bucket=self.bucket, **extra)
            done.append("created bucket %s" % self.bucket)
        if origin:
            rules = [r for r in self.cors_rules() if r.get("AllowedOrigins") != [origin]]
            rules.append({"AllowedOrigins": [origin], "AllowedMethods": ["PUT", "GET", "HEAD"],
                          "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"],
                          "MaxAgeSeconds": 3600})
            with _translated("CORS of %s" % self.bucket):
                self.client.put_bucket_cors(Bucket=self.bucket,
                                            CORSConfiguration={"CORSRules": rules})
            done.append("set CORS for %s (PUT, GET, HEAD; exposes ETag)" % origin)
        return done

    def check(self) -> dict:
        checks = []

        def record(name: str, ok: bool, detail: str = "") -> bool:
            checks.append({"name": name, "ok": ok, "detail": detail})
            return ok

        def attempt(name: str, func) -> bool:
            try:
                result = func()
            except StorageError as exc:
                return record(name, False, "%s: %s" % (exc.code, exc))
            return record(name, bool(result[0]), result[1])

        def probe():
            key = "_probe/%s" % secrets.token_hex(8)
            self.write(key, io.BytesIO(b"probe"))
            with self.open(key) as stream:
                same = stream.read() == b"probe"
            self.delete(key)
            return same, "" if same else "read back different bytes"

        def cors():
            rules = self.cors_rules()
            good = [r for r in rules if "PUT" in r.get("AllowedMethods", [])
                    and "etag" in [h.lower() for h in r.get("ExposeHeaders", [])]]
            origins = sorted({o for r in good for o in r.get("AllowedOrigins", [])})
            return bool(good), ("origins: %s" % ", ".join(origins) if good
                                else "no rule allows PUT and exposes ETag: run flask storage init")

        endpoint = self.client.meta.endpoint_url
        if attempt("bucket", lambda: (self._bucket_exists(), "%s at %s" % (self.bucket, endpoint))):
            attempt("write-read-delete", probe)
            attempt("cors", cors)
        return {"backend": self.name, "ok": all(c["ok"] for c in checks), "checks": checks}

    def download_response(self, key, *, filename, content_type, inline=False, max_age=0):
        from flask import redirect

        params = {"Bucket": self.bucket, "Key": self._key(key),
                  "ResponseContentType": content_type,
                  "ResponseContentDisposition": content_disposition(filename, inline),
                  "ResponseCacheControl": "private, max-age=%d" % max_age}
        with _translated(key):
            url = self.presigner.generate_presigned_url("get_object", Params=params,
                                                        ExpiresIn=max(max_age, 300))
        response = redirect(url, 302)
        response.headers["Cache-Control"] = "no-store"  # the URL carries a signature
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
