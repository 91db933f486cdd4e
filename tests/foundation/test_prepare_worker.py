"""A serving process readied once it has loaded the app (``portal.app.prepare_worker``, run by
gunicorn's ``post_worker_init`` from gunicorn.conf.py): the search index opened before the
first search, and what is alive so far kept out of the garbage collector's full collections."""
from __future__ import annotations

import gc
import runpy
import weakref
from types import SimpleNamespace

import pytest

from portal.app import YOUNG_COLLECTION, create_app, prepare_worker
from portal.config import ROOT
from portal.library.indexing import ensure_index
from tests.conftest import _test_config


@pytest.fixture
def app(tmp_path):
    app = create_app(_test_config("sqlite:///" + str(tmp_path / "x.db"), tmp_path / "i"))
    ensure_index(app.extensions["search_index"].path)
    threshold = gc.get_threshold()
    yield app
    gc.unfreeze()  # the test process's objects go back to the collector's care
    gc.set_threshold(*threshold)


def _opened(app) -> bool:
    return app.extensions["search_index"].searcher._view is not None


def test_the_worker_opens_the_index_and_freezes_what_it_has_loaded(app):
    assert not _opened(app) and gc.get_freeze_count() == 0
    prepare_worker(app)
    assert _opened(app)
    assert gc.get_freeze_count() > 10_000  # the app's code, templates and catalogs
    marker = [object()]                    # made afterwards: collected as before
    assert any(o is marker for o in gc.get_objects())


def test_the_youngest_objects_are_collected_less_often_but_still_collected(app):
    older = gc.get_threshold()[1:]
    prepare_worker(app)
    assert gc.get_threshold() == (YOUNG_COLLECTION, *older)
    assert YOUNG_COLLECTION > 700   # Python's own: mid-request, every other request

    class Node:
        pass
    node = Node()
    node.me = node                   # a cycle: garbage only the collector frees
    gone = weakref.ref(node)
    del node
    kept = [[] for _ in range(YOUNG_COLLECTION + 10)]  # enough new objects to run it
    assert gone() is None and kept


def test_gunicorns_hook_readies_the_loaded_app(app):
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hooks["post_worker_init"](SimpleNamespace(wsgi=app))
    assert _opened(app) and gc.get_freeze_count() > 0


def test_no_index_yet_is_no_error(tmp_path):
    app = create_app(_test_config("sqlite:///" + str(tmp_path / "x.db"), tmp_path / "i"))
    threshold = gc.get_threshold()
    try:
        prepare_worker(app)   # a fresh deployment: the first sync makes the index
        assert not _opened(app)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
