"""Removing what no one will finish or use: stale uploads and objects no record points to."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import delete, select

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from ..storage import StorageBackend
from .models import ABORTED, COMPLETING, EXPIRED, OPEN, REFUSED, StoredFile, Upload
from .services import KEY_PREFIX


@dataclass
class SweepReport:
    expired_uploads: int = 0
    orphan_multiparts: int = 0
    orphan_objects: int = 0
    forgotten_rows: int = 0
    removed: list[str] = field(default_factory=list)


def _batches(items, size=500):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def sweep(storage: StorageBackend, *, stale_after: timedelta = timedelta(days=7),
          grace: timedelta = timedelta(days=1), keep_rows: timedelta = timedelta(days=30),
          dry_run: bool = False, now: datetime | None = None) -> SweepReport:
    """Expire uploads idle longer than ``stale_after``; abort multipart uploads and delete
    objects that no row points to once older than ``grace`` (so nothing being written right now
    is touched); drop rows of unfinished uploads older than ``keep_rows``. Commits."""
    now = now or utcnow()
    report = SweepReport()
    _expire_stale(storage, report, now - stale_after, dry_run)
    _abort_orphan_multiparts(storage, report, now - grace, dry_run)
    _delete_orphan_objects(storage, report, now - grace, dry_run)
    _forget_rows(report, now - keep_rows, dry_run)
    return report


def _expire_stale(storage: StorageBackend, report: SweepReport, before: datetime,
                  dry_run: bool) -> None:
    stale = db.session.scalars(select(Upload).where(
        Upload.state.in_((OPEN, COMPLETING)), Upload.updated_at < before)).all()
    for upload in stale:
        report.expired_uploads += 1
        report.removed.append("upload %s (%s)" % (upload.id, upload.key))
        if not dry_run:
            storage.abort_multipart(upload.key, upload.token)
            upload.state = EXPIRED
    if not dry_run:
        jobs.commit()


def _abort_orphan_multiparts(storage: StorageBackend, report: SweepReport, before: datetime,
                             dry_run: bool) -> None:
    live_tokens = set(db.session.scalars(select(Upload.token).where(
        Upload.backend == storage.name, Upload.state.in_((OPEN, COMPLETING)))))
    for multipart in storage.list_multipart(KEY_PREFIX):
        if multipart.token in live_tokens or multipart.initiated > before:
            continue
        report.orphan_multiparts += 1
        report.removed.append("multipart %s" % multipart.key)
        if not dry_run:
            storage.abort_multipart(multipart.key, multipart.token)


def _delete_orphan_objects(storage: StorageBackend, report: SweepReport, before: datetime,
                           dry_run: bool) -> None:
    for batch in _batches(storage.list(KEY_PREFIX)):
        known = set(db.session.scalars(select(StoredFile.key).where(
            StoredFile.backend == storage.name, StoredFile.key.in_([o.key for o in batch]))))
        for obj in batch:
            if obj.key in known or obj.modified > before:
                continue
            report.orphan_objects += 1
            report.removed.append("object %s" % obj.key)
            if not dry_run:
                storage.delete(obj.key)


def _forget_rows(report: SweepReport, before: datetime, dry_run: bool) -> None:
    old = Upload.state.in_((ABORTED, EXPIRED, REFUSED)) & (Upload.updated_at < before)
    report.forgotten_rows = len(db.session.scalars(select(Upload.id).where(old)).all())
    if not dry_run:
        db.session.execute(delete(Upload).where(old))
        jobs.commit()
