"""Writing the index: incremental batches, the outbox marker, and rebuilds.

Consistency design: the database is the source of truth and every change
adds an outbox row in the same transaction. The indexer applies outbox rows
with one Whoosh writer and stores the id of the last row applied in a ``meta``
document *in the same commit* as the changes, so the marker can never claim
more than the index holds. A crash anywhere (before the database commit,
between it and the index commit, during the index commit) leaves rows after
the marker, and the next sync applies them again. Re-applying is harmless: an
upsert deletes the material and its windows and adds them afresh.
"""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.query import Term

from . import layout
from .documents import material_documents
from .schema import MATERIAL, META, META_ID, WINDOW, build_schema

# About 50 materials with 20-minute transcripts in two or three languages.
SMALL_SEGMENT_DOCS = 5_000


class IndexBusy(RuntimeError):
    """Another writer held the index lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class Upsert:
    """Add or replace a material (a plain dict, see `material_documents`)."""

    material: Mapping[str, Any]

    @property
    def material_id(self) -> str:
        return self.material.get("id")


@dataclass(frozen=True)
class Delete:
    """Remove a material and its transcript windows."""

    material_id: str


@dataclass(frozen=True)
class IndexStatus:
    """Counts and outbox position of the live index.

    ``schema_current`` is False when the index was built by an older version
    of this package: searching still works, but run a rebuild. Every search
    pays for each of the ``segments``: rebuild when there are more than a
    handful (see docs/SEARCH.md).
    """

    path: str
    generation: str
    materials: int
    windows: int
    last_applied: int | None
    size_bytes: int
    schema_current: bool = True
    segments: int = 1


@dataclass
class Batch:
    """Changes collected by `Indexer.batch`; applied when the block exits."""

    changes: list = field(default_factory=list)

    def upsert(self, material: Mapping[str, Any]) -> None:
        self.changes.append(Upsert(material))

    def delete(self, material_id: str) -> None:
        self.changes.append(Delete(material_id))


OPEN_ATTEMPTS = 5


class Indexer:
    """The single writer of one index folder (``SEARCH_INDEX_DIR``).

    ``timeout`` is how long one attempt waits for the Whoosh write lock and
    ``retries`` how many more attempts are made before `IndexBusy`.
    """

    def __init__(self, base_dir, *, timeout: float = 5.0, retries: int = 2):
        self.base_dir = Path(base_dir)
        self.timeout = timeout
        self.retries = retries
        ensure_index(self.base_dir)

    def apply(self, changes: Iterable[Upsert | Delete], *,
              last_outbox_id: int | None = None) -> int:
        """Apply changes in one commit; return how many materials were touched.

        When several changes name the same material the last one wins. If
        ``last_outbox_id`` is given it is stored with the commit (it never
        moves backwards).
        """
        with self._writer() as writer:
            return _apply(writer, changes, last_outbox_id)

    def sync(self, fetch: Callable[[int | None], tuple[Iterable, int | None]]) -> int | None:
        """Apply the outbox rows after the marker, holding the write lock throughout.

        ``fetch(last_applied)`` returns ``(changes, last_outbox_id)`` for the
        rows after ``last_applied`` (``None`` when nothing was ever applied).
        Reading the marker and the rows under the lock means two syncs running
        at once apply in turn instead of racing. Returns the new marker.
        """
        with self._writer() as writer:
            changes, last_id = fetch(_read_marker(writer.searcher()))
            _apply(writer, changes, last_id)
            return last_id

    @contextmanager
    def batch(self, *, last_outbox_id: int | None = None) -> Iterator[Batch]:
        """``with indexer.batch(last_outbox_id=n) as b: b.upsert(m); b.delete(id)``."""
        collected = Batch()
        yield collected
        self.apply(collected.changes, last_outbox_id=last_outbox_id)

    def upsert(self, material: Mapping[str, Any]) -> None:
        """Add or replace one material (one commit)."""
        self.apply([Upsert(material)])

    def delete(self, material_id: str) -> None:
        """Remove one material and its windows (one commit)."""
        self.apply([Delete(material_id)])

    def mark_applied(self, outbox_id: int) -> None:
        """Record ``outbox_id`` as applied without changing any material."""
        self.apply([], last_outbox_id=outbox_id)

    def last_applied(self) -> int | None:
        """The last outbox id committed to the index, or ``None``."""
        return status(self.base_dir).last_applied

    def status(self) -> IndexStatus:
        return status(self.base_dir)

    @contextmanager
    def _writer(self):
        writer = self._open()
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit(mergetype=merge_small_segments)

    def _open(self):
        """The index and its writer. Opening reads the table of contents without the lock, so a
        commit by another writer can delete the file just listed: open again, as Whoosh would
        have seen the new one had it looked a moment later."""
        for attempt in range(OPEN_ATTEMPTS):
            try:
                ix = whoosh_index.open_dir(str(layout.current(self.base_dir)))
                return self._open_writer(ix)
            except FileNotFoundError:
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("not reached")

    def _open_writer(self, ix):
        for attempt in range(self.retries + 1):
            try:
                return ix.writer(timeout=self.timeout, delay=0.05)
            except LockError:
                time.sleep(min(0.1 * 2 ** attempt, 1.0))
        waited = self.timeout * (self.retries + 1)
        raise IndexBusy(f"index {self.base_dir} still locked by another writer after {waited:.1f}s")


def merge_small_segments(writer, segments):
    """Whoosh merge policy: fold every segment of at most `SMALL_SEGMENT_DOCS`
    documents into the segment being committed.

    Each sync commit adds a segment, and every search pays for each segment.
    Whoosh's default policy lets about twenty pile up; merging them all
    (``optimize``) rewrites the index under the lock, as slowly as indexing.
    Merging only small ones bounds the pause to a few seconds; larger
    segments (big batches) wait for the next rebuild.
    """
    from whoosh.reading import SegmentReader

    small = [s for s in segments if s.doc_count_all() <= SMALL_SEGMENT_DOCS]
    if not small:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in small]


def _apply(writer, changes: Iterable, last_outbox_id: int | None) -> int:
    # Whoosh deletes only reach committed segments, so a material changed twice
    # in one batch would otherwise be added twice.
    latest: dict[str, Upsert | Delete] = {}
    for change in changes:
        latest[change.material_id] = change
    prepared = [(mid, material_documents(c.material) if isinstance(c, Upsert) else None)
                for mid, c in latest.items()]
    fit = _fitter(writer.schema)
    for material_id, docs in prepared:
        writer.delete_by_term("parent", material_id)
        writer.delete_by_term("id", material_id)
        if docs is not None:
            material_doc, windows = docs
            writer.add_document(**fit(material_doc))
            for window in windows:
                writer.add_document(**fit(window))
    if last_outbox_id is not None:
        previous = _read_marker(writer.searcher())
        if previous is None or last_outbox_id > previous:
            writer.update_document(id=META_ID, doc_type=META, outbox_id=int(last_outbox_id))
    return len(prepared)


def _fitter(schema):
    """Documents as an index built by an older version can hold them: its schema lacks the
    newer fields (``page``, ``text_language``), which Whoosh would refuse. What they carry
    is missing until `rebuild` (``status().schema_current`` says so); search goes on."""
    missing = _field_names() - set(schema.names())
    if not missing:
        return lambda doc: doc
    return lambda doc: {k: v for k, v in doc.items() if k not in missing}


@functools.cache
def _field_names() -> frozenset[str]:
    return frozenset(build_schema().names())


def _read_marker(searcher) -> int | None:
    meta = searcher.document(id=META_ID)
    return meta.get("outbox_id") if meta else None


def ensure_index(base_dir: Path) -> Path:
    """Create an empty first generation if ``base_dir`` has no index yet."""
    try:
        return layout.current(base_dir)
    except layout.IndexMissing:
        pass
    base_dir.mkdir(parents=True, exist_ok=True)
    with _rebuild_lock(base_dir):
        try:
            return layout.current(base_dir)
        except layout.IndexMissing:
            generation = layout.next_generation(base_dir)
            _create(generation).writer().commit()
            layout.swap(base_dir, generation)
            return generation


def rebuild(base_dir, materials: Iterable[Mapping[str, Any]], *,
            last_outbox_id: int | None = None, limitmb: int = 256) -> IndexStatus:
    """Build a complete index from ``materials`` beside the live one, then swap.

    Read ``last_outbox_id`` (the newest outbox row) *before* reading the
    materials: rows committed meanwhile are then applied again by the next
    sync, on top of the new index. The replaced generation is kept until the
    next rebuild, so searchers still open on it keep working until they
    refresh. If building fails, the live index is untouched.
    """
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    with _rebuild_lock(base_dir):
        try:
            previous = {layout.current(base_dir).name}
        except layout.IndexMissing:
            previous = set()
        generation = layout.next_generation(base_dir)
        try:
            _build(generation, materials, last_outbox_id, limitmb)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        layout.fsync_tree(generation)
        layout.swap(base_dir, generation)
        layout.prune(base_dir, keep=previous)
    return status(base_dir)


def _build(generation: Path, materials, last_outbox_id: int | None, limitmb: int) -> None:
    # One writer, one segment: committing in chunks builds about a third
    # faster but leaves a segment per chunk (Whoosh merges large segments only
    # rarely, and slowly), and every search pays for each segment.
    writer = _create(generation).writer(limitmb=limitmb)
    try:
        for material in materials:
            material_doc, windows = material_documents(material)
            writer.add_document(**material_doc)
            for window in windows:
                writer.add_document(**window)
        if last_outbox_id is not None:
            writer.add_document(id=META_ID, doc_type=META, outbox_id=int(last_outbox_id))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _create(generation: Path):
    generation.mkdir(parents=True)
    return whoosh_index.create_in(str(generation), build_schema())


@contextmanager
def _rebuild_lock(base_dir: Path):
    lock = FileStorage(str(base_dir)).lock("REBUILD_LOCK")
    lock.acquire(blocking=True)
    try:
        yield
    finally:
        lock.release()


def status(base_dir) -> IndexStatus:
    """Counts of live (not deleted) documents and the outbox marker."""
    base_dir = Path(base_dir)
    generation = layout.current(base_dir)
    ix = whoosh_index.open_dir(str(generation))
    with ix.searcher() as searcher:
        materials = sum(1 for _ in Term("doc_type", MATERIAL).docs(searcher))
        windows = sum(1 for _ in Term("doc_type", WINDOW).docs(searcher))
        marker = _read_marker(searcher)
        segments = len(list(searcher.reader().leaf_readers()))
    size = sum(p.stat().st_size for p in generation.iterdir() if p.is_file())
    current = schema_signature(ix.schema) == schema_signature(build_schema())
    return IndexStatus(str(base_dir), generation.name, materials, windows, marker, size, current,
                       segments)


def schema_signature(schema) -> list[tuple]:
    """Field names, types and posting formats: what a rebuild would change."""
    return sorted((name, type(f).__name__, type(f.format).__name__ if f.format else "",
                   bool(f.column_type)) for name, f in schema.items())
