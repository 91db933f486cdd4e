"""The search index follows the database through the outbox: in order, after commit, repaired
after a crash, safe with two syncs at once, rebuilt and swapped on demand."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from media_index import indexer as mi_indexer
from portal import jobs
from portal.db_types import utcnow
from portal.extensions import db
from portal.library import indexing
from portal.library.models import Material, OutboxEntry
from portal.library.services import set_subtitles

STAFF = {"everything": True}


def _outbox(app):
    with app.app_context():
        return [(r.id, r.slug) for r in db.session.execute(
            select(OutboxEntry).order_by(OutboxEntry.id)).scalars()]


def test_each_change_writes_an_outbox_row_and_is_searchable_after_commit(app, lib, vtt):
    lib.add("waste", {"en": "Waste management"}, {"fr": vtt((0, "Bonjour"), (42, "le tri des "
                                                            "déchets ménagers"))})
    assert {slug for _, slug in _outbox(app)} == {"waste"}
    assert lib.ids("dechets") == ["waste"]          # the sync job ran after the commit
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == "waste"))
        m.title = {"en": "Solid waste in Kitakyushu"}
        jobs.commit()
    assert lib.ids("kitakyushu") == ["waste"]
    with app.app_context():
        db.session.delete(db.session.scalar(select(Material).where(Material.slug == "waste")))
        jobs.commit()
    assert lib.ids("kitakyushu", STAFF) == []
    with app.app_context():
        assert indexing.lag().pending == 0


def test_rolled_back_changes_leave_no_outbox_row(app, lib):
    with app.app_context():
        db.session.add(Material(slug="never", title={"en": "Never"}))
        db.session.flush()
        db.session.rollback()
    assert _outbox(app) == []


def test_crash_between_commit_and_index_write_is_repaired_by_next_sync(app, lib):
    with app.app_context():
        db.session.add(Material(slug="orphan", title={"en": "Fisheries cooperatives"}))
        db.session.commit()           # committed, but the process "dies" before the sync job
    assert lib.ids("cooperatives") == []
    with app.app_context():
        assert indexing.lag().pending >= 1
        assert indexing.sync() >= 1
        assert indexing.lag().pending == 0
    assert lib.ids("cooperatives") == ["orphan"]


def test_crash_during_the_index_write_moves_no_marker(app, lib, monkeypatch):
    lib.add("first", {"en": "Irrigation canals"})
    with app.app_context():
        before = indexing.lag().last_applied
        db.session.add(Material(slug="second", title={"en": "Irrigation pumps"}))
        db.session.commit()

        def boom(*args, **kwargs):
            raise OSError("disk full")
        monkeypatch.setattr(mi_indexer, "_apply", boom)
        with pytest.raises(OSError):
            indexing.sync()
        monkeypatch.undo()
        assert indexing.lag().last_applied == before
        indexing.sync()
    assert sorted(lib.ids("irrigation")) == ["first", "second"]


def test_two_syncs_at_once_neither_corrupt_nor_lose(app, lib):
    with app.app_context():
        for n in range(30):
            db.session.add(Material(slug="m-%02d" % n, title={"en": "Water supply %d" % n}))
        db.session.commit()
    errors = []

    def run():
        try:
            with app.app_context():
                indexing.sync(batch=7, timeout=20)
        except Exception as exc:
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert lib.search("water", STAFF, per_page=100).total == 30
    with app.app_context():
        assert indexing.lag().pending == 0
        st = mi_indexer.status(indexing.index_dir())
        assert st.materials == 30


def test_a_gap_in_the_outbox_waits_for_the_late_transaction(app, lib):
    lib.add("early", {"en": "Early"})
    with app.app_context():
        last = indexing.lag().last_applied
        # Row last+2 is visible while last+1 is still being committed elsewhere.
        db.session.add(OutboxEntry(id=last + 2, slug="early"))
        db.session.commit()
        assert indexing.sync() == 0 and indexing.lag().last_applied == last
        # Much later the gap is taken as a rolled-back transaction and stepped over.
        row = db.session.get(OutboxEntry, last + 2)
        row.created_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert indexing.sync() == 1 and indexing.lag().last_applied == last + 2


def test_rebuild_swaps_a_fresh_index_and_keeps_the_marker(app, lib, vtt):
    lib.add("a", {"en": "Kaizen productivity"}, {"en": vtt((0, "five S in the workshop"))})
    lib.add("b", {"fr": "Éducation inclusive"})
    with app.app_context():
        generation = mi_indexer.status(indexing.index_dir()).generation
        st = indexing.rebuild_all()
        assert st.generation != generation and st.materials == 2
        assert st.last_applied == db.session.scalar(select(func.max(OutboxEntry.id)))
    assert lib.ids("workshop") == ["a"] and lib.ids("education") == ["b"]


def test_index_commands(app, lib, runner):
    lib.add("cli", {"en": "Disaster risk reduction"})
    out = runner.invoke(args=["index", "status"]).output
    assert "materials 1" in out and "pending 0" in out
    assert "segments 1; schema current" in out
    assert "applied 0" in runner.invoke(args=["index", "sync"]).output
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0 and "1 materials" in result.output


def test_subtitles_change_reindexes_the_material(app, lib, vtt):
    material_id = lib.add("subs", {"en": "Flood warning"})
    with app.app_context():
        m = db.session.get(Material, material_id)
        set_subtitles(m, "es", vtt((0, "Los albergues de evacuación abren antes")), None)
        jobs.commit()
    assert lib.ids("albergues") == ["subs"]


def test_health_check_reports_the_index(client, lib, login_as):
    lib.add("health", {"en": "Health"})
    admin, _ = login_as("admin")   # the details are for admins (issue 16)
    body = admin.get("/healthz").get_json()
    assert body["checks"]["search_index"]["ok"] and body["checks"]["search_index"]["materials"] == 1
