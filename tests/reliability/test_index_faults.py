"""The index worker killed (SIGKILL) in the middle of a batch: the index keeps its last commit
(no half batch, no stale lock), and the next sync makes it match the database exactly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media_index import layout

MATERIALS = 300
ROOT = Path(__file__).resolve().parents[2]


def _vtt(n: int) -> bytes:
    lines = ["WEBVTT", ""]
    for i in range(120):
        lines += ["00:%02d:%02d.000 --> 00:%02d:%02d.500" % (i // 60, i % 60, i // 60, i % 60),
                  "Material %d, cue %d: irrigation, gestion de l'eau, agua potable, 防災 %d"
                  % (n, i, n * i), ""]
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def materials(local_app, portal):
    from portal.auth import services as accounts
    from portal.extensions import db
    from portal.library import services as library
    from portal.library.models import Material

    with local_app.app_context():
        staff = accounts.create_user("indexer@reliability.example.org", "Ines Indexer",
                                     "coordinator", password="reliability password 2026")
        db.session.flush()
        for n in range(MATERIALS):
            m = Material(slug="rel-%03d" % n, kind="document", state="ready",
                         title={"en": "Water services %d" % n, "fr": "Services d'eau %d" % n},
                         description={"en": "Utility management, lesson %d." % n},
                         subjects=["water-resources"], visibility="public", courses=[],
                         created_by_id=staff.id)
            db.session.add(m)
            db.session.flush()
            library.set_subtitles(m, "fr", _vtt(n), staff.id)
        db.session.commit()
        db.session.remove()
    return MATERIALS


def _holds_write_lock(pid: int) -> bool:
    try:
        return any(os.readlink(fd).endswith("WRITELOCK")
                   for fd in Path("/proc/%d/fd" % pid).iterdir())
    except OSError:
        return False


def _indexed(base: Path) -> dict[str, str]:
    from whoosh import index as whoosh_index
    ix = whoosh_index.open_dir(str(layout.current(base)))
    with ix.searcher() as s:
        return {f["id"]: f.get("kind", "") for f in s.all_stored_fields()
                if f.get("doc_type") == "material"}


def _database(local_app) -> set[str]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.library.models import Material
    with local_app.app_context():
        slugs = set(db.session.scalars(select(Material.slug)))
        db.session.remove()
    return slugs


def test_kill9_the_index_worker_mid_batch(portal, local_app, materials):
    from media_index.indexer import ensure_index, status

    base = Path(local_app.config["SEARCH_INDEX_DIR"])
    ensure_index(base)
    before = status(base)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi",
                               "index", "worker", "--interval", "0.2"], cwd=ROOT,
                              env=portal.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    start, killed_after = time.time(), None
    while time.time() - start < 120 and worker.poll() is None:
        if _holds_write_lock(worker.pid):   # the writer is at work on a batch
            time.sleep(0.5)
            if status(base).last_applied == before.last_applied:
                os.killpg(worker.pid, signal.SIGKILL)
                killed_after = time.time() - start
            break
        time.sleep(0.02)
    worker.wait(30)
    assert killed_after is not None, "the worker never started writing"
    after_kill = status(base)
    partial = _indexed(base)
    # either the batch had not committed (nothing new) or it committed whole: never half
    assert len(partial) in (before.materials, before.materials + 200,
                            before.materials + MATERIALS), len(partial)
    sync = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "index",
                           "sync"], cwd=ROOT, env=portal.env, capture_output=True, text=True,
                          timeout=600)
    assert sync.returncode == 0, sync.stderr[-2000:]   # no stale lock left by the dead writer
    indexed = _indexed(base)
    assert set(indexed) == _database(local_app)
    from media_index.searcher import Searcher
    with Searcher(base, refresh_interval=0) as searcher:   # every transcript is searchable
        found = searcher.search("irrigation", lang="fr", allowed={"everything": True})
    assert found.total == MATERIALS, found.total
    final = status(base)
    test_kill9_the_index_worker_mid_batch.figures = (
        "index worker killed %.1f s into a %d-material outbox (%d indexed at the kill, "
        "marker %s); next sync: %d materials, marker %s, index == database"
        % (killed_after, MATERIALS, len(partial), after_kill.last_applied, final.materials,
           final.last_applied))
    print("\n" + test_kill9_the_index_worker_mid_batch.figures)
