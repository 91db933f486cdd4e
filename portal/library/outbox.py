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
            slugs.update(_material_slugs(session, obj))
        elif isinstance(obj, (SubtitleTrack, MaterialFile, DocumentText)):
            slug = _owner_slug(session, obj)
            if slug:
                slugs.add(slug)
    return slugs


def _material_slugs(session: Session, material: Material) -> set[str]:
    """The ids a new, deleted or changed material is indexed under: its id, and the one it had
    before a rename. None when nothing the index holds changed."""
    if material in session.dirty and not _changes_the_index(session, material):
        return set()
    old = inspect(material).attrs.slug.history.deleted
    return {material.slug, *(s for s in old or () if s)}


def _changes_the_index(session: Session, material: Material) -> bool:
    """A dirty material is really modified, and not only by a view count the index need not
    follow yet."""
    if not session.is_modified(material):
        return False
    return not _views_only(material) or _view_count_worth_indexing(material.view_count or 0)


def _owner_slug(session: Session, row) -> str | None:
    """The id of the material a track, file or document text belongs to."""
    material = row.material or (session.get(Material, row.material_id)
                                if row.material_id else None)
    return material.slug if material is not None else None


@event.listens_for(Session, "before_flush")
def _write_outbox(session: Session, flush_context, instances) -> None:
    slugs = _touched_slugs(session)
    if not slugs:
        return
    for slug in sorted(slugs):
        session.add(OutboxEntry(slug=slug))
    jobs.queue_on(session, SYNC_JOB, once=True)
