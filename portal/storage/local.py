"""A folder on the local disk (the default backend).

Layout under the root: objects at their key's path; ``.tmp/`` for files being written (then renamed
into place, so a reader never sees half a file); ``.multipart/<token>/`` per unfinished upload, with
``meta.json`` and one file per part named ``<number>-<md5>``. Keys never start a segment with a dot,
so these folders cannot collide with objects.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import stat as statmod
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from .base import (
    CHUNK_SIZE,
    MAX_PART_SIZE,
    MIN_PART_SIZE,
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
    WriteResult,
    copy_hashing,
    register,
    validate_key,
    validate_part_number,
)
from .http import content_disposition, security_headers

_TOKEN = re.compile(r"[0-9a-f]{32}\Z")
_PART = re.compile(r"(\d{5})-([0-9a-f]{32})\Z")


class _RangeFile(io.RawIOBase):
    """At most ``length`` bytes of an open file, from its current position."""

    def __init__(self, raw: IO[bytes], length: int):
        self._raw, self._left = raw, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[:self._left]
        n = self._raw.readinto(view) or 0
        self._left -= n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@register("file")
class LocalStorage(StorageBackend):
    name = "file"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        if not self.root.is_absolute():
            raise ValueError("file:// STORAGE_URL needs an absolute path, got %r" % str(root))

    @classmethod
    def from_url(cls, url: str, settings: Mapping[str, object]) -> LocalStorage:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError("file:// STORAGE_URL must be file:///absolute/path, got %r" % url)
        return cls(unquote(parts.path))

    def __repr__(self) -> str:
        return "<LocalStorage %s>" % self.root

    # -- helpers -----------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _tempfile(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False)

    def _place(self, tmp_name: str, target: Path) -> None:
        try:
            for attempt in range(3):  # a concurrent delete may prune the folder in between
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.replace(tmp_name, target)
                    return
                except FileNotFoundError:
                    if attempt == 2:
                        raise
        except BaseException:
            _unlink(tmp_name)
            raise

    def _upload_dir(self, key: str, token: str) -> Path:
        validate_key(key)
        if not isinstance(token, str) or not _TOKEN.match(token):
            raise MultipartNotFound(token)
        folder = self.root / ".multipart" / token
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except (OSError, ValueError):
            raise MultipartNotFound(token) from None
        if meta.get("key") != key:
            raise MultipartNotFound(token)
        return folder

    # -- objects -----------------------------------------------------------------------------
    def write(self, key, stream, *, content_type=None) -> WriteResult:
        target = self._path(key)
        with self._tempfile(self.root / ".tmp") as tmp:
            try:
                size, (digest,) = copy_hashing(stream, tmp)
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                _unlink(tmp.name)
                raise
        self._place(tmp.name, target)
        return WriteResult(size, digest.hexdigest())

    def open(self, key, start=0, stop=None) -> IO[bytes]:
        path = self._path(key)
        try:
            raw = open(path, "rb", buffering=0)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        size = os.fstat(raw.fileno()).st_size
        if start < 0 or (stop is not None and stop < start):
            raw.close()
            raise ValueError("bad range %r-%r" % (start, stop))
        if size and start >= size:
            raw.close()
            raise RangeNotSatisfiable("%s: start %d, size %d" % (key, start, size))
        stop = size if stop is None else min(stop, size)
        raw.seek(start)
        return io.BufferedReader(_RangeFile(raw, stop - start), CHUNK_SIZE)

    def delete(self, key) -> None:
        path = self._path(key)
        _unlink(path)
        _prune(path.parent, self.root)

    def stat(self, key) -> ObjectStat | None:
        try:
            st = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not statmod.S_ISREG(st.st_mode):
            return None
        return ObjectStat(st.st_size, _etag(st), _mtime(st))

    def list(self, prefix="") -> Iterator[ObjectInfo]:
        folder = prefix.rpartition("/")[0]
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = os.path.relpath(dirpath, self.root)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                key = name if rel == "." else "%s/%s" % (rel.replace(os.sep, "/"), name)
                if key.startswith(prefix):
                    st = os.stat(os.path.join(dirpath, name))
                    yield ObjectInfo(st.st_size, _etag(st), _mtime(st), key)

    # -- multipart ---------------------------------------------------------------------------
    def create_multipart(self, key, content_type=None) -> str:
        validate_key(key)
        token = secrets.token_hex(16)
        folder = self.root / ".multipart" / token
        folder.mkdir(parents=True)
        meta = {"key": key, "content_type": content_type,
                "initiated": datetime.now(UTC).isoformat()}
        (folder / "meta.json").write_text(json.dumps(meta))
        return token

    def part_target(self, key, token, part_number, *, expires=3600) -> None:
        self._upload_dir(key, token)
        validate_part_number(part_number)

    def write_part(self, key, token, part_number, stream) -> PartInfo:
        """Store one part the portal received (``part_target`` is ``None`` here), replacing a
        previous copy of that part. Only this backend takes parts through the portal."""
        folder = self._upload_dir(key, token)
        validate_part_number(part_number)
        with self._tempfile(folder) as tmp:
            try:
                size, (md5,) = copy_hashing(stream, tmp, limit=MAX_PART_SIZE, algorithms=("md5",))
                if size > MAX_PART_SIZE:
                    raise PartRejected("part_too_large")
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                _unlink(tmp.name)
                raise
        name = "%05d-%s" % (part_number, md5.hexdigest())
        self._place(tmp.name, folder / name)
        for old in folder.glob("%05d-*" % part_number):
            if old.name != name:
                _unlink(old)
        return PartInfo(part_number, size, md5.hexdigest())

    def _parts(self, folder: Path) -> dict[int, tuple[PartInfo, Path]]:
        found: dict[int, tuple[PartInfo, Path, float]] = {}
        for entry in os.scandir(folder):
            match = _PART.match(entry.name)
            if not match:
                continue
            st = entry.stat()
            number = int(match.group(1))
            if number not in found or st.st_mtime > found[number][2]:
                info = PartInfo(number, st.st_size, match.group(2))
                found[number] = (info, Path(entry.path), st.st_mtime)
        return {n: (info, path) for n, (info, path, _) in found.items()}

    def list_parts(self, key, token) -> list[PartInfo]:
        parts = self._parts(self._upload_dir(key, token))
        return [parts[n][0] for n in sorted(parts)]

    def complete_multipart(self, key, token, parts=None, *, hash=True) -> WriteResult:
        # joining reads every byte anyway, so the SHA-256 is always computed
        folder = self._upload_dir(key, token)
        received = self._parts(folder)
        chosen = _choose_parts(received, parts, MIN_PART_SIZE)
        target = self._path(key)
        digest, size = hashlib.sha256(), 0
        with self._tempfile(self.root / ".tmp") as tmp:
            try:
                for path in chosen:
                    with open(path, "rb") as part:
                        while chunk := part.read(CHUNK_SIZE):
                            digest.update(chunk)
                            tmp.write(chunk)
                            size += len(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                _unlink(tmp.name)
                raise
        self._place(tmp.name, target)
        shutil.rmtree(folder, ignore_errors=True)
        return WriteResult(size, digest.hexdigest())

    def abort_multipart(self, key, token) -> None:
        try:
            folder = self._upload_dir(key, token)
        except MultipartNotFound:
            return
        shutil.rmtree(folder, ignore_errors=True)

    def list_multipart(self, prefix="") -> Iterator[MultipartInfo]:
        base = self.root / ".multipart"
        if not base.is_dir():
            return
        for entry in sorted(os.scandir(base), key=lambda e: e.name):
            try:
                meta = json.loads(Path(entry.path, "meta.json").read_text())
            except (OSError, ValueError):
                continue
            if meta["key"].startswith(prefix):
                initiated = datetime.fromisoformat(meta["initiated"])
                yield MultipartInfo(meta["key"], entry.name, initiated)

    # -- operations --------------------------------------------------------------------------
    def init(self, origin=None) -> list[str]:
        done = []
        for folder in (self.root, self.root / ".tmp", self.root / ".multipart"):
            if not folder.is_dir():
                folder.mkdir(parents=True)
                done.append("created %s" % folder)
        return done

    def check(self) -> dict:
        checks = []

        def record(name: str, ok: bool, detail: str = "") -> bool:
            checks.append({"name": name, "ok": ok, "detail": detail})
            return ok

        if record("root", self.root.is_dir(), str(self.root)):
            probe = "_probe/%s" % secrets.token_hex(8)
            try:
                self.write(probe, io.BytesIO(b"probe"))
                with self.open(probe) as stream:
                    ok = stream.read() == b"probe"
                self.delete(probe)
                record("write-read-delete", ok)
            except (OSError, StorageError) as exc:
                record("write-read-delete", False, "%s: %s" % (type(exc).__name__, exc))
        return {"backend": self.name, "ok": all(c["ok"] for c in checks), "checks": checks}

    def download_response(self, key, *, filename, content_type, inline=False, max_age=0):
        from flask import send_file

        path = self._path(key)
        st = self.stat(key)
        if st is None:
            raise ObjectNotFound(key)
        response = send_file(path, mimetype=content_type, conditional=True, etag=st.etag,
                             last_modified=st.modified, max_age=max_age)
        response.headers["Content-Disposition"] = content_disposition(filename, inline)
        response.headers.update(security_headers(inline))
        response.headers["Cache-Control"] = "private, max-age=%d" % max_age
        return response


def _choose_parts(received: dict[int, tuple[PartInfo, Path]], wanted: list[PartInfo] | None,
                  min_size: int) -> list[Path]:
    """Validate the part list as S3 does and return the files to join, in order."""
    if wanted is None:
        wanted = [received[n][0] for n in sorted(received)]
    if not wanted:
        raise PartRejected("no_parts")
    numbers = [p.number for p in wanted]
    if numbers != sorted(set(numbers)):
        raise PartRejected("bad_part_list", "parts not in ascending order")
    last = len(wanted) - 1
    return [_received_part(received, part, min_size if index < last else 0)
            for index, part in enumerate(wanted)]


def _received_part(received: dict[int, tuple[PartInfo, Path]], part: PartInfo,
                   min_size: int) -> Path:
    """The file of one part the list names: received, the same as the list's ETag says (when it
    gives one) and of at least ``min_size`` bytes (the last part has no minimum)."""
    have = received.get(part.number)
    if have is None or (part.etag and part.etag.strip('"') != have[0].etag):
        raise PartRejected("bad_part_list", "part %d missing or changed" % part.number)
    info, path = have
    if info.size < min_size:
        raise PartRejected("part_too_small", "part %d" % part.number)
    return path


def _etag(st: os.stat_result) -> str:
    return "%x-%x" % (st.st_mtime_ns, st.st_size)


def _mtime(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def _unlink(path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _prune(folder: Path, root: Path) -> None:
    """Remove empty folders left by a delete, up to (not including) the root."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
