"""The one rule of a long job on a material (portal/library/heartbeat.py), used by processing
and transcription: a percent written when a beat is due or it moved, the work left to a newer
job once the row is no longer this one's, a busy database never failing the job, a job silent
for STALE_AFTER taken as stopped. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from portal.db_types import utcnow
from portal.extensions import db
from portal.library import heartbeat
from portal.library.models import Material


def _material(slug: str, step: str = "converting", beat=None) -> int:
    m = Material(slug=slug, title={"en": slug}, state="processing", processing_step=step,
                 heartbeat_at=beat)
    db.session.add(m)
    db.session.commit()
    return m.id


def _beat(material_id: int) -> heartbeat.Heartbeat:
    def still_ours(**values):
        return update(Material).where(Material.id == material_id,
                                      Material.processing_step != "queued").values(**values)
    return heartbeat.Heartbeat(still_ours, "test of material %s" % material_id)


def _row(material_id: int) -> Material:
    db.session.expire_all()
    return db.session.get(Material, material_id)


def test_progress_is_written_when_it_moved_or_a_beat_is_due(app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(heartbeat.time, "monotonic", lambda: clock[0])
    with app.app_context():
        mid = _material("beating")
        beat = _beat(mid)
        clock[0] += 1
        beat.progress(50)                  # moved a lot, but within QUIET_S of the start
        assert _row(mid).progress is None
        clock[0] += heartbeat.QUIET_S
        beat.progress(50)
        assert _row(mid).progress == 50
        clock[0] += heartbeat.QUIET_S
        beat.progress(52)                  # moved less than STEP: kept for the next beat
        assert _row(mid).progress == 50
        clock[0] += heartbeat.HEARTBEAT_S
        before = _row(mid).heartbeat_at
        beat.progress(53, processing_step="converting")
        row = _row(mid)
        assert row.progress == 53 and row.heartbeat_at >= before


def test_a_row_queued_again_supersedes_the_job(app):
    with app.app_context():
        mid = _material("requeued")
        beat = _beat(mid)
        beat.write(progress=10)
        db.session.execute(update(Material).where(Material.id == mid)
                           .values(processing_step="queued"))
        db.session.commit()
        with pytest.raises(heartbeat.Superseded):
            beat.write(progress=20)
        assert _row(mid).progress == 10


def test_a_busy_database_skips_a_beat_and_the_job_goes_on(app, monkeypatch):
    with app.app_context():
        mid = _material("busy")
        beat = _beat(mid)

        def busy(*args, **kwargs):
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        with monkeypatch.context() as patch:
            patch.setattr(db.session, "execute", busy)
            beat.write(progress=30)        # no exception: the next beat will do
        beat.write(progress=40)
        assert _row(mid).progress == 40


def test_silent_means_no_beat_for_stale_after_or_none_ever(app):
    with app.app_context():
        now = utcnow()
        ids = {"fresh": _material("fresh", beat=now),
               "stale": _material("stale", beat=now - heartbeat.STALE_AFTER - timedelta(1)),
               "never": _material("never")}
        found = set(db.session.scalars(select(Material.slug).where(
            Material.id.in_(ids.values()), heartbeat.silent(Material.heartbeat_at, now))))
        assert found == {"stale", "never"}
