"""Search that forgives: a respelling's results at once, suggestions from transcripts and
documents, a document's pages as moments, pages past the end, an index of an older schema."""

import pytest
from whoosh import index as whoosh_index

from media_index import layout
from media_index.analysis import guess_language
from media_index.indexer import Indexer, Upsert, rebuild, status
from media_index.schema import build_schema
from media_index.searcher import Searcher


def ids(result):
    return [h.id for h in result.hits]


def _aquaculture(make_cues):
    """A talk whose transcript alone says "zeolite", and a PDF whose page 3 says
    "ammonia" (pages 1 and 3 say "pond"), in French."""
    return [
        {"id": "fish-ponds", "kind": "video", "visibility": "public",
         "title": {"en": "Fish farming in small ponds"},
         "transcripts": {"en": make_cues("Welcome.", "The farmers add zeolite to the water.",
                                         "Thank you.")}},
        {"id": "pond-manual", "kind": "document", "visibility": "public",
         "title": {"fr": "Manuel de pisciculture"},
         "text": {"paged": True, "lang": None, "pages": [
             "Les étangs de pisciculture sont creusés dans une argile étanche.",
             "",  # a page without text (a picture)
             "Dans les étangs, l'ammoniac des déchets des poissons est toxique pour eux.",
             "Le zéolithe retient l'ammoniac."]}},
        {"id": "hidden-notes", "kind": "document", "visibility": "course", "courses": ["X"],
         "title": {"en": "Internal notes"},
         "text": {"paged": False, "lang": "en", "pages": ["The vermiculite order is late."]}},
    ]


@pytest.fixture
def aqua(tmp_path, make_cues, corpus):
    Indexer(tmp_path).apply([Upsert(m) for m in corpus + _aquaculture(make_cues)])
    with Searcher(tmp_path, refresh_interval=0) as searcher:
        yield searcher


def test_a_typo_shows_the_respellings_results_at_once(aqua):
    typed = aqua.search("zeolyte")
    assert typed.total == 0 and typed.suggestion == "zeolite"  # as typed (exact)
    corrected = aqua.search("zeolyte", correct=True)
    assert corrected.corrected_from == "zeolyte" and corrected.query == "zeolite"
    assert ids(corrected) == ["fish-ponds"] and corrected.suggestion is None
    # found in the transcript, at its cue: the moment is there as for any search
    assert [m.start_ms for m in corrected.hits[0].moments] == [10_000]
    # a query that finds something is never replaced
    assert aqua.search("zeolite", correct=True).corrected_from is None


def test_correction_keeps_filters_and_permissions(aqua):
    # among documents only, the closest word that finds one is the manual's own
    documents = aqua.search("zeolyte", correct=True, filters={"kind": "document"})
    assert (documents.query, ids(documents)) == ("zéolithe", ["pond-manual"])
    assert aqua.search("zeolyte", correct=True, filters={"year_from": 2000}).total == 0
    # a word of a hidden document's text is neither suggested nor searched instead
    hidden = aqua.search("vermiculyte", correct=True)
    assert hidden.total == 0 and hidden.corrected_from is None and hidden.suggestion is None
    staff = aqua.search("vermiculyte", correct=True, allowed={"everything": True})
    assert staff.corrected_from == "vermiculyte" and ids(staff) == ["hidden-notes"]


def test_pages_of_a_document_are_moments(aqua):
    result = aqua.search("ammoniac", lang="fr")
    assert ids(result) == ["pond-manual"]
    moments = result.hits[0].moments
    assert [(m.page, m.start_ms, m.lang) for m in moments] == [(3, 0, "fr"), (4, 0, "fr")]
    assert "<mark>ammoniac</mark>" in moments[0].text
    # stemmed and folded like any French text; the language was guessed from the words
    assert [m.page for m in aqua.search("etang").hits[0].moments] == [1, 3]
    # an unpaged text (a Word file) is searchable, without moments
    staff = aqua.search("vermiculite", allowed={"everything": True})
    assert ids(staff) == ["hidden-notes"] and staff.hits[0].moments == ()


def test_page_past_the_end_keeps_its_number(searcher):
    result = searcher.search("", page=1001, per_page=2)
    assert (result.page, result.total, result.hits) == (1001, 5, ())
    assert result.facets["kind"] == {"document": 1, "video": 4}  # facets still tell the whole
    assert ids(searcher.search("", page=3, per_page=2)) == ["rural-electrification"]


def test_guess_language():
    assert guess_language("The farmers add it to the water of the ponds.") == "en"
    assert guess_language("Les agriculteurs l'ajoutent à l'eau des étangs.") == "fr"
    assert guess_language("Los agricultores lo añaden al agua de los estanques.") == "es"
    assert guess_language("zeolite ammonia", default="ja") == "ja"


def test_an_index_of_the_older_schema_takes_new_documents(tmp_path, make_cues):
    """Deployed before `flask index rebuild`: syncs go on (the fields the old schema lacks
    are left out), status says to rebuild, and the rebuild brings the page moments."""
    old_schema = build_schema()
    old_schema.remove("page")
    old_schema.remove("text_language")
    generation = tmp_path / "gen-000001"
    generation.mkdir()
    whoosh_index.create_in(str(generation), old_schema)
    layout.swap(tmp_path, generation)
    materials = _aquaculture(make_cues)
    Indexer(tmp_path).apply([Upsert(m) for m in materials])
    assert status(tmp_path).schema_current is False
    with Searcher(tmp_path, refresh_interval=0) as searcher:
        assert ids(searcher.search("ammoniac")) == ["pond-manual"]
        rebuild(tmp_path, materials)
        assert status(tmp_path).schema_current is True
        searcher.refresh()
        assert [m.page for m in searcher.search("ammoniac").hits[0].moments] == [3, 4]


def test_the_speller_reads_only_the_segments_a_commit_added(tmp_path, corpus, make_cues,
                                                            monkeypatch):
    from media_index import indexer, spelling
    monkeypatch.setattr(indexer, "SMALL_SEGMENT_DOCS", 0)  # segments stay apart
    Indexer(tmp_path).apply([Upsert(m) for m in corpus])
    read = []
    original = spelling._vocabulary
    monkeypatch.setattr(spelling, "_vocabulary", lambda leaf: read.append(leaf) or original(leaf))
    with Searcher(tmp_path, refresh_interval=0) as searcher:
        assert searcher.search("tsnami").suggestion == "tsunami"
        assert len(read) == 1
        Indexer(tmp_path).apply([Upsert(_aquaculture(make_cues)[0])])  # a second segment
        searcher.refresh()
        corrected = searcher.search("zeolyte", correct=True)
        assert (corrected.query, ids(corrected)) == ("zeolite", ["fish-ponds"])
        assert len(read) == 2  # the new segment only; the first one's words were handed on
