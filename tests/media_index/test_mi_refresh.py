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
