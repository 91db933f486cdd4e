"""Relevance, snippets, moments, facets, sorting and type-ahead on the small corpus."""

from media_index.indexer import Indexer, Upsert
from media_index.searcher import Searcher

MEMBER = {"public": True, "registered": True, "courses": {"EDU-2024-A"}}
STAFF = {"everything": True}


def ids(result):
    return [hit.id for hit in result.hits]


def test_french_query_without_accents_finds_french_video(searcher):
    result = searcher.search("gestion des dechets", lang="fr")
    assert ids(result)[0] == "kitakyushu-waste"


def test_accented_and_unaccented_queries_agree(searcher):
    for query in ["electricite", "électricité", "ÉLECTRICITÉ", "Electricité"]:
        assert ids(searcher.search(query, lang="fr")) == ["rural-electrification"], query


def test_spanish_query(searcher):
    result = searcher.search("gestion de residuos", lang="es")
    assert set(ids(result)) == {"kitakyushu-waste", "solid-waste-handbook"}


def test_english_stemmed_query(searcher):
    result = searcher.search("managing wastes")
    assert ids(result)[:2] == ["kitakyushu-waste", "solid-waste-handbook"]


def test_title_match_outranks_transcript_only_match(tmp_path, make_cues):
    base = tmp_path / "ix"
    Indexer(base).apply([
        Upsert({"id": "spoken", "visibility": "public", "title": {"en": "Coastal livelihoods"},
                "transcripts": {"en": make_cues("Small fisheries feed the village.")}}),
        Upsert({"id": "titled", "visibility": "public", "title": {"en": "Small fisheries"}}),
    ])
    with Searcher(base) as searcher:
        assert ids(searcher.search("fisheries")) == ["titled", "spoken"]


def test_reader_language_is_boosted(tmp_path):
    base = tmp_path / "ix"
    Indexer(base).apply([
        Upsert({"id": "en-port", "visibility": "public",
                "title": {"en": "Yokohama port development"}}),
        Upsert({"id": "es-port", "visibility": "public",
                "title": {"es": "Desarrollo del puerto de Yokohama"}}),
    ])
    with Searcher(base) as searcher:
        assert ids(searcher.search("yokohama", lang="en")) == ["en-port", "es-port"]
        assert ids(searcher.search("yokohama", lang="es")) == ["es-port", "en-port"]


def test_query_in_another_language_still_finds(searcher):
    assert ids(searcher.search("transporte publico", lang="en")) == ["urban-transport"]


def test_all_words_required_then_relaxed(searcher):
    strict = searcher.search("tsunami recycling")
    assert strict.relaxed
    assert set(ids(strict)) == {"tohoku-drr", "kitakyushu-waste", "solid-waste-handbook"}
    assert not searcher.search("tsunami warning").relaxed


def test_phrase(searcher):
    assert ids(searcher.search('"waste management"')) == ["kitakyushu-waste",
                                                         "solid-waste-handbook"]
    # Exact in titles and descriptions; a transcript only needs all the words.
    assert ids(searcher.search('"management waste"')) == ["kitakyushu-waste"]
    assert ids(searcher.search('"handbook waste"')) == []


def test_snippet_is_escaped_and_marked(searcher):
    hit = searcher.search("recyclage", lang="fr").hits[0]
    assert "<mark>recyclage</mark>" in hit.snippet
    hit = searcher.search("electricite", lang="fr").hits[0]
    assert "<mark>" in hit.moments[0].text
    assert "L&#x27;" in hit.moments[0].text  # the apostrophe is escaped


def test_moments_at_the_right_times(searcher):
    hit = searcher.search("dechets", lang="fr").hits[0]
    assert [(m.start_ms, m.lang) for m in hit.moments] == [(95_000, "fr"), (180_000, "fr")]
    assert "<mark>déchets</mark>" in hit.moments[0].text


def test_moment_starts_at_the_matching_cue_not_the_window(searcher):
    # The window starting at 60 s also holds filler cues; the word is at 64 s.
    hit = searcher.search("tsunami warning", lang="en").hits[0]
    assert hit.moments[0].start_ms == 64_000
    assert hit.moments[0].lang == "en"


def test_same_passage_in_two_languages_is_one_moment(searcher):
    hit = searcher.search("tsunami").hits[0]
    assert len(hit.moments) == 1


def test_japanese_bigrams_search(searcher):
    assert ids(searcher.search("防災", lang="ja")) == ["tohoku-drr"]
    hit = searcher.search("津波警報", lang="ja").hits[0]
    assert hit.moments[0].start_ms == 64_000 and hit.moments[0].lang == "ja"


def test_facets_over_matches(searcher):
    result = searcher.search("management")
    assert result.facets["subject"]["environmental-management"] == 2
    assert result.facets["kind"] == {"video": 1, "document": 1}
    assert result.facets["year"] == {2018: 1, 2021: 1}


def test_filters(searcher):
    assert ids(searcher.search("management", filters={"kind": "document"})) == [
        "solid-waste-handbook"]
    assert ids(searcher.search("", filters={"year_from": 2019, "year_to": 2021})) == [
        "solid-waste-handbook", "tohoku-drr"]  # newest production first
    assert ids(searcher.search("", filters={"year_to": 2015})) == ["rural-electrification"]
    assert ids(searcher.search("", filters={"subtitle_language": "fr",
                                            "subject": "rural-development"})) == [
        "rural-electrification"]
    assert ids(searcher.search("", filters={"audio_language": "es"})) == ["urban-transport"]
    assert searcher.search("", filters={"year_from": "abc"}).total == 5


def test_browse_sorted_newest_and_by_views(searcher):
    newest = ids(searcher.search(""))  # by production year (2021, 2019...), not by when added
    assert newest == ["solid-waste-handbook", "tohoku-drr", "kitakyushu-waste",
                      "urban-transport", "rural-electrification"]
    views = ids(searcher.search("", sort="views"))
    assert views == ["tohoku-drr", "urban-transport", "kitakyushu-waste",
                     "solid-waste-handbook", "rural-electrification"]


def test_pagination(searcher):
    pages = [ids(searcher.search("", sort="views", page=p, per_page=2)) for p in (1, 2, 3, 4)]
    assert pages == [["tohoku-drr", "urban-transport"],
                     ["kitakyushu-waste", "solid-waste-handbook"],
                     ["rural-electrification"], []]
    assert searcher.search("", page=3, per_page=2).total == 5


def test_did_you_mean(searcher):
    result = searcher.search("tsnami evacuaton")
    assert result.total == 0 or result.relaxed
    assert result.suggestion == "tsunami evacuation"


def test_no_suggestion_when_results_are_plenty(searcher):
    assert searcher.search("management").suggestion is None


def test_suggest_titles_prefix_and_accents(searcher):
    found = searcher.suggest_titles("gestion des dech", lang="fr")
    assert [(s.id, s.title) for s in found] == [
        ("kitakyushu-waste", "La gestion des déchets à Kitakyushu")]
    found = searcher.suggest_titles("electri", lang="en")
    assert [(s.id, s.title, s.lang) for s in found] == [
        ("rural-electrification", "Electricity for rural villages", "en")]
    assert [s.id for s in searcher.suggest_titles("wa")] == ["kitakyushu-waste",
                                                            "solid-waste-handbook"]


def test_staff_sees_everything(searcher):
    assert searcher.search("", allowed=STAFF).total == 9
    assert searcher.search("", allowed=MEMBER).total == 8


def test_phrase_over_keywords_field_without_positions(searcher):
    assert ids(searcher.search('"local government"')) == ["kitakyushu-waste"]


def test_search_across_segments_with_replacements(tmp_path, monkeypatch, corpus, make_cues):
    from media_index import indexer as indexer_module
    monkeypatch.setattr(indexer_module, "SMALL_SEGMENT_DOCS", 0)  # keep every segment
    indexer = Indexer(tmp_path)
    for material in corpus:
        indexer.upsert(material)
    changed = dict(corpus[1], transcripts={"en": make_cues("Nothing here.", "The sirens sounded.")})
    indexer.upsert(changed)
    assert indexer.status().segments == len(corpus) + 1
    with Searcher(tmp_path) as searcher:
        assert searcher.search("tsunami").hits[0].moments == ()  # title still matches
        hit = searcher.search("sirens").hits[0]
        assert (hit.id, [m.start_ms for m in hit.moments]) == ("tohoku-drr", [10_000])
        assert searcher.search("", sort="views").total == 5
        assert searcher.search("").facets["subject"]["disaster-risk-reduction"] == 1
        assert [s.id for s in searcher.suggest_titles("disas")] == ["tohoku-drr"]
