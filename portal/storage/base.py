"""The storage interface every backend implements, and the registry that picks one by URL.

Keys are made by the server (never from a user's file name): a key is ``/``-separated segments
of ``[A-Za-z0-9._-]``, none empty, none starting with a dot. Objects are written from streams in
bounded chunks, so memory use does not grow with the file size.

Multipart uploads follow the S3 model on every backend: ``create_multipart`` returns a token,
parts (numbered from 1, each at least :data:`MIN_PART_SIZE` except the last, at most
:data:`MAX_PARTS`) are sent to ``part_target`` (a presigned URL) or, when that is ``None``, to
the portal which hands them to the local backend's ``write_part``; ``list_parts`` tells a client
what already arrived so it can resume; ``complete_multipart`` joins them.

Storage only stores: it knows no upload, purpose or owner. What may be uploaded (types, sizes,
archive bounds) and which types a download shows inline are the uploads package's policy
(``portal/uploads/purposes.py`` and ``checks.py``); the records of stored files and uploads
(``portal/uploads/models.py``) and the sweep of what was abandoned (``portal/uploads/sweep.py``)
are the uploads' too. tests/test_architecture.py keeps this package from importing any domain.
"""
from __future__ import annotations

import hashlib
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

if TYPE_CHECKING:  # Flask is needed only to build download responses
    from flask import Response

CHUNK_SIZE = 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
MAX_PARTS = 10_000
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\Z")


class StorageError(Exception):
    """Base of every storage failure. ``code`` is stable; the message is for logs only."""
    code = "storage_error"


class StorageUnavailable(StorageError):
    """The store did not answer (network down, timeout, server error): try again later."""
    code = "storage_unavailable"


class ObjectNotFound(StorageError):
    code = "not_found"


class RangeNotSatisfiable(StorageError):
    code = "range_not_satisfiable"


class InvalidKey(StorageError, ValueError):
    code = "invalid_key"


class MultipartNotFound(StorageError):
    """The multipart upload is unknown: never created, completed or aborted."""
    code = "multipart_not_found"


class PartRejected(StorageError):
    """A part (or the set of parts given to complete) breaks the multipart rules."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class WriteResult:
    size: int
    sha256: str | None  # None only from complete_multipart(..., hash=False) on a remote store


@dataclass(frozen=True)
class ObjectStat:
    size: int
    etag: str          # opaque, without quotes
    modified: datetime  # aware, UTC


@dataclass(frozen=True)
class ObjectInfo(ObjectStat):
    key: str


@dataclass(frozen=True)
class PartInfo:
    number: int
    size: int
    etag: str  # opaque, without quotes


@dataclass(frozen=True)
class MultipartInfo:
    key: str
    token: str
    initiated: datetime


def validate_key(key: str) -> str:
    """Return ``key`` if it is a well-formed server-made key, else raise :class:`InvalidKey`."""
    if not isinstance(key, str) or not key or len(key) > 512:
        raise InvalidKey("invalid key %r" % (key,))
    if not all(_SEGMENT.match(segment) for segment in key.split("/")):
        raise InvalidKey("invalid key %r" % (key,))
    return key


def validate_part_number(number: int) -> int:
    if not isinstance(number, int) or not 1 <= number <= MAX_PARTS:
        raise PartRejected("bad_part_number", "part number %r" % (number,))
    return number


def copy_hashing(source: IO[bytes], target: IO[bytes], *, limit: int | None = None,
                 algorithms: tuple[str, ...] = ("sha256",)) -> tuple[int, list]:
    """Copy ``source`` to ``target`` in chunks; return the size and one hash per algorithm.

    Reading stops at ``limit`` bytes plus one, so a caller can detect an oversized body
    (``size > limit``) without reading the rest.
    """
    hashes = [hashlib.new(name) for name in algorithms]
    size = 0
    while True:
        want = CHUNK_SIZE if limit is None else min(CHUNK_SIZE, limit + 1 - size)
        chunk = source.read(want) if want > 0 else b""
        if not chunk:
            return size, hashes
        for h in hashes:
            h.update(chunk)
        target.write(chunk)
        size += len(chunk)


class StorageBackend(ABC):
    """An object store. Subclasses register under a URL scheme with :func:`register`."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_url(cls, url: str, settings: Mapping[str, object]) -> StorageBackend:
        """Build the backend from ``STORAGE_URL`` and the other settings (S3_*, AWS_*)."""

    # -- objects ---------------------------------------------------------------------------
    @abstractmethod
    def write(self, key: str, stream: IO[bytes], *, content_type: str | None = None
              ) -> WriteResult:
        """Store ``stream`` under ``key`` (replacing any object), reading it in bounded chunks.

        The object appears whole or not at all. Returns its size and SHA-256.
        """

    @abstractmethod
    def open(self, key: str, start: int = 0, stop: int | None = None) -> IO[bytes]:
        """A readable binary stream of bytes ``[start, stop)`` of the object (close it after).

        ``stop`` beyond the end is clamped. Raises :class:`ObjectNotFound`, or
        :class:`RangeNotSatisfiable` when ``start`` is at or past the end of a non-empty object.
        """

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abstractmethod
    def stat(self, key: str) -> ObjectStat | None:
        """Size, ETag and modification time of the object, or ``None`` if it does not exist."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (a plain string prefix), in any order."""

    # -- multipart -------------------------------------------------------------------------
    @abstractmethod
    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        """Start a multipart upload to ``key``; return its opaque token."""

    @abstractmethod
    def part_target(self, key: str, token: str, part_number: int, *, expires: int = 3600
                    ) -> str | None:
        """A URL the client may PUT part ``part_number`` to directly, or ``None``.

        ``None`` means: send it to the portal, which stores it (the local backend's
        ``write_part``).
        """

    @abstractmethod
    def list_parts(self, key: str, token: str) -> list[PartInfo]:
        """Parts received so far, by ascending number. Raises :class:`MultipartNotFound`."""

    @abstractmethod
    def complete_multipart(self, key: str, token: str, parts: list[PartInfo] | None = None,
                           *, hash: bool = True) -> WriteResult:
        """Join ``parts`` (default: every part received) into the object ``key``.

        Parts must be in ascending order and all but the last at least :data:`MIN_PART_SIZE`
        (else :class:`PartRejected` ``part_too_small``/``bad_part_list``). Returns the size and
        SHA-256 of the whole object. A backend that cannot hash while joining (S3) reads the
        object back for it, unless ``hash`` is false: then ``sha256`` is ``None``.
        """

    @abstractmethod
    def abort_multipart(self, key: str, token: str) -> None:
        """Drop the upload and its parts; aborting an unknown upload is not an error."""

    @abstractmethod
    def list_multipart(self, prefix: str = "") -> Iterator[MultipartInfo]:
        """Unfinished multipart uploads to keys starting with ``prefix`` (for the sweeper)."""

    # -- operations --------------------------------------------------------------------------
    @abstractmethod
    def check(self) -> dict:
        """Probe the store. Returns ``{"ok": bool, "backend": name, "checks": [...]}`` where
        each check is ``{"name", "ok", "detail"}``. Never raises for an unreachable store."""

    @property
    def browser_origin(self) -> str | None:
        """The origin browsers reach directly (presigned URLs), for CSP and CORS; ``None`` when
        the portal serves every byte itself."""
        return None

    def init(self, origin: str | None = None) -> list[str]:
        """Create what the store needs (folder, bucket, CORS for ``origin``); return actions."""
        return []

    @abstractmethod
    def download_response(self, key: str, *, filename: str, content_type: str,
                          inline: bool = False, max_age: int = 0) -> Response:
        """A Flask response that gives the object to the browser.

        Served as an attachment named ``filename`` unless ``inline`` (media played in the page).
        Local backends stream with Range and conditional requests; remote ones redirect to a
        short-lived presigned URL that sets the content type and disposition.
        """


def read_sha256(backend: StorageBackend, key: str) -> WriteResult:
    """Read the object back and return its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with backend.open(key) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return WriteResult(size, digest.hexdigest())


class SeekableReader(io.RawIOBase):
    """Random access over an object by ranged reads: lets ``zipfile`` read only the central
    directory of an archive stored on S3 instead of downloading it."""

    def __init__(self, backend: StorageBackend, key: str, size: int):
        self._backend, self._key, self._size, self._pos = backend, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        with self._backend.open(self._key, self._pos, self._pos + want) as stream:
            data = stream.read(want)
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)


_REGISTRY: dict[str, type[StorageBackend]] = {}


def register(scheme: str):
    """Class decorator: make a backend available for ``STORAGE_URL``s of ``scheme``."""
    def decorate(cls: type[StorageBackend]) -> type[StorageBackend]:
        _REGISTRY[scheme] = cls
        return cls
    return decorate


def backend_for(url: str, settings: Mapping[str, object] | None = None) -> StorageBackend:
    """The backend named by ``url``'s scheme, configured from ``url`` and ``settings``."""
    scheme = urlsplit(url).scheme
    if scheme not in _REGISTRY:
        raise ValueError("STORAGE_URL scheme %r is not one of %s" % (scheme, sorted(_REGISTRY)))
    return _REGISTRY[scheme].from_url(url, settings or {})
