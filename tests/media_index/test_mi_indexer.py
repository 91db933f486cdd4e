"""Indexer: idempotent upserts, deletes, the outbox marker, locking, crashes, rebuilds."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.query import Term

from media_index import layout
from media_index.documents import InvalidMaterial
from media_index.indexer import Delete, IndexBusy, Indexer, Upsert, rebuild, status
from media_index.searcher import Searcher

ROOT = Path(__file__).resolve().parents[2]


def material(mid, text="Rainwater harvesting for small islands", visibility="public", **extra):
    cue_text = extra.pop("spoken", f"Today we discuss {text.lower()}.")
    return {"id": mid, "kind": "video", "visibility": visibility, "title": {"en": text},
            "transcripts": {"en": [(0, 5000, cue_text), (40_000, 45_000, "Questions please.")]},
            **extra}


def window_parents(base):
    ix = whoosh_index.open_dir(str(layout.current(base)))
    with ix.searcher() as s:
        return sorted(s.stored_fields(d)["parent"] for d in Term("doc_type", "window").docs(s))


def test_upsert_twice_is_harmless(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.upsert(material("rain"))
    indexer.upsert(material("rain"))
    indexer.apply([Upsert(material("rain")), Upsert(material("rain"))])
    st = indexer.status()
    assert (st.materials, st.windows) == (1, 2)
    with Searcher(tmp_path) as searcher:
        assert [h.id for h in searcher.search("rainwater").hits] == ["rain"]


def test_upsert_replaces_windows(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.upsert(material("rain", spoken="Cisterns store the monsoon rain."))
    indexer.upsert(material("rain", spoken="Gutters lead water to tanks."))
    with Searcher(tmp_path) as searcher:
        assert searcher.search("cisterns").total == 0
        assert searcher.search("gutters").hits[0].moments[0].start_ms == 0
    assert window_parents(tmp_path) == ["rain", "rain"]


def test_delete_removes_material_and_windows(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(material("rain")), Upsert(material("solar", "Solar pumps"))])
    indexer.delete("rain")
    indexer.delete("never-indexed")
    assert window_parents(tmp_path) == ["solar", "solar"]
    assert (indexer.status().materials, indexer.status().windows) == (1, 2)
    with Searcher(tmp_path) as searcher:
        assert searcher.search("rainwater").total == 0


def test_last_change_in_a_batch_wins(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(material("rain")), Delete("rain")])
    assert indexer.status().materials == 0
    indexer.apply([Delete("rain"), Upsert(material("rain"))])
    assert indexer.status().materials == 1


def test_marker_is_committed_with_changes_and_never_goes_back(tmp_path):
    indexer = Indexer(tmp_path)
    assert indexer.last_applied() is None
    indexer.apply([Upsert(material("rain"))], last_outbox_id=7)
    indexer.mark_applied(5)
    indexer.upsert(material("solar"))
    assert indexer.last_applied() == 7
    with indexer.batch(last_outbox_id=9) as batch:
        batch.upsert(material("wind", "Wind farms"))
        batch.delete("solar")
    st = indexer.status()
    assert (st.last_applied, st.materials) == (9, 2)


def test_failed_batch_changes_nothing(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(material("rain"))], last_outbox_id=1)
    with pytest.raises(InvalidMaterial):
        indexer.apply([Delete("rain"), Upsert({"id": "bad", "visibility": "secret"})],
                      last_outbox_id=2)
    st = indexer.status()
    assert (st.materials, st.last_applied) == (1, 1)


@pytest.mark.parametrize("bad", [
    {"visibility": "public"}, {"id": "", "visibility": "public"},
    {"id": "x"}, {"id": "x", "visibility": "public", "kind": "podcast"},
    {"id": "__meta__", "visibility": "public"},
])
def test_invalid_materials(tmp_path, bad):
    with pytest.raises(InvalidMaterial):
        Indexer(tmp_path).upsert(bad)


class Outbox:
    """A stand-in for the outbox table: rows of (id, change)."""

    def __init__(self):
        self.rows = []

    def add(self, change):
        self.rows.append((len(self.rows) + 1, change))

    def fetch(self, after):
        rows = [(i, c) for i, c in self.rows if after is None or i > after]
        return [c for _, c in rows], (rows[-1][0] if rows else after)


def test_crash_between_database_commit_and_index_is_repaired_by_next_sync(tmp_path):
    outbox, indexer = Outbox(), Indexer(tmp_path)
    outbox.add(Upsert(material("rain")))
    indexer.sync(outbox.fetch)
    outbox.add(Upsert(material("solar", "Solar pumps")))  # committed; the indexer "died"
    outbox.add(Delete("rain"))
    assert indexer.sync(outbox.fetch) == 3
    st = indexer.status()
    assert (st.materials, st.last_applied) == (1, 3)
    assert indexer.sync(outbox.fetch) == 3  # nothing new: harmless


KILLED_WRITER = """
import os, sys
sys.path.insert(0, {root!r})
from media_index.indexer import Indexer, Upsert
from media_index import indexer as mod
orig = mod._apply
def die_before_commit(writer, changes, last):
    orig(writer, changes, last)
    os._exit(3)  # killed after writing segments, before the commit
mod._apply = die_before_commit
Indexer({base!r}).apply([Upsert({{"id": "half", "visibility": "public",
                                   "title": {{"en": "Half written"}}}})], last_outbox_id=99)
"""


def test_indexer_killed_mid_batch_loses_nothing(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(material("rain"))], last_outbox_id=1)
    code = KILLED_WRITER.format(root=str(ROOT), base=str(tmp_path))
    assert subprocess.run([sys.executable, "-c", code]).returncode == 3
    st = indexer.status()
    assert (st.materials, st.last_applied) == (1, 1)  # the outbox still holds row 99
    indexer.apply([Upsert(material("half", "Half written"))], last_outbox_id=99)  # lock was freed
    assert indexer.status().materials == 2


def test_busy_index_raises_clear_error(tmp_path):
    indexer = Indexer(tmp_path, timeout=0.05, retries=1)
    writer = whoosh_index.open_dir(str(layout.current(tmp_path))).writer()
    try:
        with pytest.raises(IndexBusy, match="locked by another writer"):
            indexer.upsert(material("rain"))
    finally:
        writer.cancel()
    indexer.upsert(material("rain"))


def test_two_writer_threads_neither_corrupt_nor_lose(tmp_path):
    Indexer(tmp_path)
    errors = []

    def work(prefix):
        try:
            indexer = Indexer(tmp_path, timeout=10)
            for n in range(15):
                indexer.upsert(material(f"{prefix}-{n}", f"Topic {prefix} number {n}"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    st = status(tmp_path)
    assert (st.materials, st.windows) == (30, 60)


WRITER_PROCESS = """
import sys
sys.path.insert(0, {root!r})
from media_index.indexer import Indexer
for n in range(12):
    Indexer({base!r}, timeout=10).upsert({{"id": "{prefix}-%d" % n, "visibility": "public",
        "title": {{"en": "Process {prefix} item %d" % n}},
        "transcripts": {{"en": [(0, 1000, "hello")]}}}})
"""


def test_two_writer_processes_neither_corrupt_nor_lose(tmp_path):
    Indexer(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER_PROCESS.format(
        root=str(ROOT), base=str(tmp_path), prefix=p)]) for p in ("p", "q")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    st = status(tmp_path)
    assert (st.materials, st.windows) == (24, 24)
    with Searcher(tmp_path) as searcher:
        assert searcher.search("process").total == 24


def test_concurrent_syncs_apply_every_row_once_in_order(tmp_path):
    outbox = Outbox()
    for n in range(20):
        outbox.add(Upsert(material(f"m{n}", f"Material {n}")))
    barrier = threading.Barrier(2)

    def sync():
        barrier.wait()
        Indexer(tmp_path, timeout=10).sync(outbox.fetch)

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = status(tmp_path)
    assert (st.materials, st.last_applied) == (20, 20)


def test_rebuild_swaps_atomically_under_an_open_searcher(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(material(f"old-{n}", f"Old topic {n}")) for n in range(5)])
    searcher = Searcher(tmp_path, refresh_interval=0)
    assert searcher.search("topic").total == 5
    seen, stop = set(), threading.Event()

    def read():
        while not stop.is_set():
            seen.add(searcher.search("topic", per_page=1).total)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        fresh = [material(f"new-{n}", f"New topic {n}") for n in range(8)]
        st = rebuild(tmp_path, fresh, last_outbox_id=42)
    finally:
        stop.set()
        reader.join()
    assert seen <= {5, 8}  # never a half-built index
    assert (st.materials, st.last_applied, st.generation) == (8, 42, "gen-000002")
    assert searcher.search("topic").total == 8
    assert searcher.search("old").total == 0
    searcher.close()


def test_old_generation_kept_for_open_searchers_then_pruned(tmp_path):
    Indexer(tmp_path).upsert(material("a"))
    stale = Searcher(tmp_path, refresh_interval=3600)
    assert stale.search("rainwater").total == 1
    rebuild(tmp_path, [material("b")])
    assert stale.search("rainwater").total == 1  # still on gen 1, which still exists
    assert [h.id for h in stale.search("rainwater").hits] == ["a"]
    rebuild(tmp_path, [material("c")])
    assert [p.name for _, p in layout.generations(tmp_path)] == ["gen-000002", "gen-000003"]
    stale.refresh()
    assert [h.id for h in stale.search("rainwater").hits] == ["c"]
    stale.close()


def test_rebuild_that_dies_leaves_live_index_alone(tmp_path):
    Indexer(tmp_path).upsert(material("a"))

    def materials():
        yield material("b")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        rebuild(tmp_path, materials())
    assert status(tmp_path).generation == "gen-000001"
    assert status(tmp_path).materials == 1
    assert [p.name for _, p in layout.generations(tmp_path)] == ["gen-000001"]
    (tmp_path / "gen-000002").mkdir()  # as if a rebuild had been killed
    rebuild(tmp_path, [material("c")])
    assert [p.name for _, p in layout.generations(tmp_path)] == ["gen-000001", "gen-000003"]


def test_incremental_after_rebuild_goes_to_new_generation(tmp_path):
    indexer = Indexer(tmp_path)
    rebuild(tmp_path, [material("a")], last_outbox_id=10)
    indexer.apply([Upsert(material("b"))], last_outbox_id=11)
    st = indexer.status()
    assert (st.generation, st.materials, st.last_applied) == ("gen-000002", 2, 11)


def test_searcher_sees_commits_after_refresh_interval(tmp_path):
    indexer = Indexer(tmp_path)
    indexer.upsert(material("a"))
    lazy, eager = Searcher(tmp_path, refresh_interval=3600), Searcher(tmp_path, refresh_interval=0)
    assert lazy.search("rainwater").total == eager.search("rainwater").total == 1
    indexer.upsert(material("b"))
    assert eager.search("rainwater").total == 2
    assert lazy.search("rainwater").total == 1
    assert lazy.refresh() is True
    assert lazy.search("rainwater").total == 2
    lazy.close()
    eager.close()


def test_searcher_without_index_answers_empty(tmp_path):
    with Searcher(tmp_path / "missing") as searcher:
        assert searcher.search("anything").total == 0
        assert searcher.suggest_titles("any") == []
    assert not (tmp_path / "missing").exists()


def test_status_flags_an_index_built_with_another_schema(tmp_path):
    from whoosh.fields import ID, Schema
    assert Indexer(tmp_path).status().schema_current
    old = tmp_path / "old"
    generation = old / "gen-000001"
    generation.mkdir(parents=True)
    whoosh_index.create_in(str(generation), Schema(id=ID(stored=True), doc_type=ID()))
    layout.swap(old, generation)
    assert status(old).schema_current is False
    with Searcher(old) as searcher:  # an outdated index still answers
        assert searcher.search("anything").total == 0


def test_rebuild_leaves_one_segment(tmp_path):
    Indexer(tmp_path).apply([Upsert(material(f"old{n}")) for n in range(3)])
    Indexer(tmp_path).apply([Upsert(material("old3"))])
    rebuild(tmp_path, [material(f"m{n}", f"Topic {n}") for n in range(7)], last_outbox_id=3)
    ix = whoosh_index.open_dir(str(layout.current(tmp_path)))
    with ix.searcher() as searcher:
        assert len(list(searcher.reader().leaf_readers())) == 1


def test_small_segments_are_merged_on_commit(tmp_path):
    indexer = Indexer(tmp_path)
    for n in range(12):
        indexer.upsert(material(f"m{n}", f"Topic {n}"))
    indexer.upsert(material("m3", "Replaced topic"))
    indexer.delete("m4")
    st = indexer.status()
    assert st.segments == 1
    assert (st.materials, st.windows) == (11, 22)
    with Searcher(tmp_path) as searcher:
        assert searcher.search("topic").total == 11
        assert [h.id for h in searcher.search("replaced").hits] == ["m3"]


def test_large_segments_wait_for_a_rebuild(tmp_path, monkeypatch):
    from media_index import indexer as indexer_module
    monkeypatch.setattr(indexer_module, "SMALL_SEGMENT_DOCS", 3)
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(material(f"a{n}")) for n in range(3)])  # 6 docs: large
    indexer.apply([Upsert(material(f"b{n}")) for n in range(3)])
    assert indexer.status().segments == 2
    assert rebuild(tmp_path, [material("c")]).segments == 1
