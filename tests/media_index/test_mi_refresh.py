"""A refreshed searcher sees deletions and replacements committed after it opened."""
from media_index.indexer import Delete, Indexer, Upsert
from media_index.searcher import Searcher

STAFF = {"everything": True}


def _material(title):
    return {"id": "waste", "kind": "video", "visibility": "public", "title": {"en": title}}


def test_refresh_sees_deletes_and_replacements(tmp_path):
    indexer = Indexer(tmp_path)
    searcher = Searcher(tmp_path, refresh_interval=0)
    indexer.apply([Upsert(_material("Waste management"))], last_outbox_id=1)
    assert [h.id for h in searcher.search("waste", allowed=STAFF).hits] == ["waste"]
    indexer.apply([Upsert(_material("Waste sorting"))], last_outbox_id=2)
    searcher.refresh()
    assert searcher.search("waste", allowed=STAFF).total == 1
    assert searcher.search("management", allowed=STAFF).total == 0
    indexer.apply([Delete("waste")], last_outbox_id=3)
    searcher.refresh()
    assert searcher.search("waste", allowed=STAFF).total == 0
    assert searcher.search("", allowed=STAFF).total == 0
    searcher.close()


def test_an_index_never_written_to_answers_empty(tmp_path):
    Indexer(tmp_path)  # creates the empty first generation
    with Searcher(tmp_path) as searcher:
        result = searcher.search("", allowed=STAFF)
        assert result.total == 0 and searcher.search("water").total == 0
        assert searcher.suggest_titles("wat") == []


def test_answers_are_kept_per_reader_and_per_index_state(tmp_path):
    """The view keeps whole answers; a reader who may see less never gets another's answer,
    and a change to the index is seen at once by an eager searcher."""
    indexer = Indexer(tmp_path)
    hidden = {"id": "hidden", "kind": "video", "visibility": "course", "courses": ["C1"],
              "title": {"en": "Waste audit"}}
    indexer.apply([Upsert(_material("Waste management")), Upsert(hidden)], last_outbox_id=1)
    searcher = Searcher(tmp_path, refresh_interval=0)
    assert searcher.search("waste", allowed=STAFF).total == 2
    assert searcher.search("waste").total == 1  # anonymous: the course's video stays hidden
    assert searcher.search("waste", allowed={"courses": ["C1"]}).total == 2
    view = searcher._view
    before = view.result_hits
    again = searcher.search("waste")
    assert view.result_hits == before + 1 and [h.id for h in again.hits] == ["waste"]
    assert searcher.search("waste", page=2).hits == ()  # another page: its own answer
    indexer.apply([Delete("waste")], last_outbox_id=2)
    assert searcher.search("waste").total == 0
    view = searcher._view
    view.results_size = 3
    for word in ("a", "b", "c", "d", "e"):
        searcher.search(word)
    assert len(view._results) == 3
    searcher.close()
