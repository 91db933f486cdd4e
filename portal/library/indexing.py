"""Keeping the search index (media_index) in step with the database.

``sync`` applies the outbox rows after the index's marker, in order, with media_index's single
writer (its lock makes two syncs at once take turns; the marker is committed with the changes).
``rebuild`` builds a fresh index beside the live one and swaps. Web workers only read, through
:class:`LibraryIndex` (``app.extensions["search_index"]``).
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from media_index.indexer import Delete, IndexBusy, Indexer, Upsert, ensure_index, rebuild, status
from media_index.searcher import Searcher

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from .models import DOCUMENT, FAILED, Material, OutboxEntry
from .outbox import SYNC_JOB

log = logging.getLogger(__name__)
BATCH = 200
# An id missing from the outbox is a transaction still committing (PostgreSQL hands out ids
# before commit) or one rolled back. Wait this long for it before stepping over the gap.
GAP_GRACE = timedelta(seconds=30)


def index_dir(app: Flask | None = None) -> Path:
    return Path((app or current_app).config["SEARCH_INDEX_DIR"])


def material_document(material: Material) -> dict:
    """The plain dict media_index indexes (see ``media_index.documents``)."""
    return {
        "id": material.slug, "kind": material.kind, "title": material.title or {},
        "description": material.description or {}, "subjects": material.subjects or [],
        "keywords": material.keywords or [], "year": material.year,
        "audio_language": material.audio_language or "",
        "subtitle_languages": sorted(t.lang for t in material.subtitles),
        "visibility": material.visibility, "courses": material.courses or [],
        "view_count": material.view_count or 0,
        "created_ts": _timestamp(material.created_at),
        "transcripts": _transcripts(material), "text": _text(material),
    }


def _transcripts(material: Material) -> dict[str, list[tuple]]:
    """The cues of each subtitle track, by language."""
    return {t.lang: [tuple(c) for c in t.cues or ()] for t in material.subtitles}


def _timestamp(moment) -> int:
    """Whole seconds since the epoch; 0 when unknown."""
    return int(moment.timestamp()) if moment else 0


def _text(material: Material) -> dict | None:
    """The document's words, when they were read from the file it has now."""
    text, document = material.text, material.file(DOCUMENT)
    if text is None or document is None or text.file_id != document.id:
        return None
    return {"pages": text.pages or [], "paged": text.paged, "lang": text.lang}


def indexable(material: Material | None) -> bool:
    return material is not None and material.state != FAILED


def _contiguous(rows: list[OutboxEntry], last: int | None) -> list[OutboxEntry]:
    """The rows up to the first gap that may still fill (see ``GAP_GRACE``)."""
    if last is None:
        return rows
    kept, expected, old = [], last + 1, utcnow() - GAP_GRACE
    for row in rows:
        if row.id != expected and row.created_at > old:
            break
        kept.append(row)
        expected = row.id + 1
    return kept


def _changes_after(last: int | None, batch: int, counter: dict):
    rows = list(db.session.execute(
        select(OutboxEntry).where(OutboxEntry.id > (last or 0))
        .order_by(OutboxEntry.id).limit(batch)).scalars())
    counter["fetched"] = len(rows)
    rows = _contiguous(rows, last)
    counter["applied"] = len(rows)
    if not rows:
        return [], last
    slugs = list(dict.fromkeys(r.slug for r in rows))
    found = {m.slug: m for m in db.session.execute(
        select(Material).where(Material.slug.in_(slugs))
        .options(selectinload(Material.subtitles), selectinload(Material.text))).scalars()}
    changes = [Upsert(material_document(found[s])) if indexable(found.get(s)) else Delete(s)
               for s in slugs]
    return changes, rows[-1].id


def sync(batch: int = BATCH, timeout: float = 5.0) -> int:
    """Apply the outbox after the index's marker; returns how many rows were applied."""
    indexer = Indexer(index_dir(), timeout=timeout)
    applied = 0
    try:
        while True:
            counter: dict = {}
            indexer.sync(functools.partial(_changes_after, batch=batch, counter=counter))
            applied += counter.get("applied", 0)
            if counter.get("fetched", 0) < batch or counter.get("applied", 0) < counter["fetched"]:
                break
    finally:
        db.session.rollback()  # end the read transaction; this function writes nothing
    _refresh_local_searcher()
    return applied


def _refresh_local_searcher() -> None:
    component = current_app.extensions.get("search_index")
    if isinstance(component, LibraryIndex):
        component.searcher.refresh()


@jobs.job(SYNC_JOB, embedded_only=True)  # per host: the index worker in production
def sync_job() -> None:
    """Queued by the outbox hook; safe to re-run, and a busy index is caught up next time."""
    try:
        sync()
    except IndexBusy:
        log.warning("index busy; the next sync applies the outbox")


def rebuild_all(chunk: int = 200):
    """A complete new index from the database, swapped in atomically."""
    # The newest outbox id is read first: changes committed while we read are applied again by
    # the next sync, on top of the new index.
    last = db.session.scalar(select(func.max(OutboxEntry.id)))

    def materials():
        offset = 0
        while True:
            page = list(db.session.execute(
                select(Material).order_by(Material.id).offset(offset).limit(chunk)
                .options(selectinload(Material.subtitles), selectinload(Material.text)))
                .scalars())
            if not page:
                return
            for m in page:
                if indexable(m):
                    yield material_document(m)
            offset += chunk
            db.session.expunge_all()
    result = rebuild(index_dir(), materials(), last_outbox_id=last)
    db.session.rollback()
    _refresh_local_searcher()
    return result


@dataclass(frozen=True)
class Lag:
    last_outbox_id: int | None
    last_applied: int | None
    pending: int


def lag() -> Lag:
    ensure_index(index_dir())
    applied = status(index_dir()).last_applied
    newest = db.session.scalar(select(func.max(OutboxEntry.id)))
    pending = db.session.scalar(select(func.count()).select_from(OutboxEntry).where(
        OutboxEntry.id > (applied or 0)))
    return Lag(newest, applied, pending or 0)


def run_worker(interval: float = 1.0, once: bool = False) -> None:
    """The production indexer: apply the outbox continuously (one per host)."""
    while True:
        try:
            n = sync()
            if n:
                log.info("applied %d outbox rows", n)
        except IndexBusy:
            log.warning("index busy; retrying")
        except Exception:  # keep following the outbox; the failure is in the log
            log.exception("index sync failed")
            db.session.rollback()
        if once:
            return
        time.sleep(interval)


class LibraryIndex:
    """The search component of a web process: a read-only searcher and its health check."""

    def __init__(self, path: str, refresh_interval: float = 1.0):
        self.path = Path(path)
        self.searcher = Searcher(self.path, refresh_interval=refresh_interval)

    def check(self) -> dict:
        ensure_index(self.path)
        st = status(self.path)
        return {"generation": st.generation, "materials": st.materials,
                "last_applied": st.last_applied}
