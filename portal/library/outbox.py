"""The outbox: every change to a searchable record adds a row in the same transaction.

A ``before_flush`` hook watches materials and their subtitle tracks, files and document text;
whatever code changed them (a form, the importer, the processing job, a shell), the outbox row
is flushed with the change and commits or rolls back with it. The hook also queues the
``library.index_sync`` job on the same transaction, which ``jobs.commit()`` runs after the
commit (the embedded default).
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .. import jobs
from .models import DocumentText, Material, MaterialFile, OutboxEntry, SubtitleTrack

SYNC_JOB = "library.index_sync"


def _views_only(material: Material) -> bool:
    state = inspect(material)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return changed <= {"view_count", "updated_at"}


def _view_count_worth_indexing(count: int) -> bool:
    """The index copy of the view count only orders "most viewed" results: refreshing it on
    every view would re-index a whole transcript per page view. The database stays exact."""
    return count <= 20 or count % 10 == 0


def _touched_slugs(session: Session) -> set[str]:
    slugs: set[str] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Material):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            if obj in session.dirty and _views_only(obj) and not _view_count_worth_indexing(
                    obj.view_count or 0):
                continue
            slugs.add(obj.slug)
            old = inspect(obj).attrs.slug.history.deleted
            slugs.update(s for s in old or () if s)  # a renamed material leaves the old id
        elif isinstance(obj, (SubtitleTrack, MaterialFile, DocumentText)):
            material = obj.material or (session.get(Material, obj.material_id)
                                        if obj.material_id else None)
            if material is not None and material.slug:
                slugs.add(material.slug)
    return slugs


@event.listens_for(Session, "before_flush")
def _write_outbox(session: Session, flush_context, instances) -> None:
    slugs = _touched_slugs(session)
    if not slugs:
        return
    for slug in sorted(slugs):
        session.add(OutboxEntry(slug=slug))
    jobs.queue_on(session, SYNC_JOB, once=True)
