"""Anonymous readers never see registered or course materials: not in results,
facet counts, moments, suggestions or type-ahead."""

import pytest

PUBLIC = {"kitakyushu-waste", "tohoku-drr", "solid-waste-handbook", "urban-transport",
          "rural-electrification"}
REGISTERED = {"fisheries-comanagement", "mangrove-restoration"}
EDU_COURSE = {"inclusive-education"}
GOV_COURSE = {"zanzibar-pilot"}
SIGNED_IN = {"public": True, "registered": True, "courses": set()}


def all_ids(searcher, query="", **kwargs):
    return {hit.id for hit in searcher.search(query, per_page=100, **kwargs).hits}


@pytest.mark.parametrize("allowed, expected", [
    (None, PUBLIC),
    ({}, PUBLIC),
    (SIGNED_IN, PUBLIC | REGISTERED),
    ({"registered": True, "courses": ["EDU-2024-A"]}, PUBLIC | REGISTERED | EDU_COURSE),
    ({"courses": ["GOV-2023-B"]}, PUBLIC | GOV_COURSE),
    ({"public": False, "courses": ["GOV-2023-B"]}, GOV_COURSE),
    ({"everything": True}, PUBLIC | REGISTERED | EDU_COURSE | GOV_COURSE),
])
def test_visible_sets(shared_searcher, allowed, expected):
    assert all_ids(shared_searcher, allowed=allowed) == expected
    assert shared_searcher.search("", allowed=allowed).total == len(expected)


def test_nothing_allowed_means_nothing_not_everything(shared_searcher):
    # Whoosh treats an empty filter set as "no filter"; the searcher must not.
    result = shared_searcher.search("", allowed={"public": False})
    assert result.total == 0 and result.hits == ()
    assert shared_searcher.search("management", allowed={"public": False}).total == 0
    assert shared_searcher.suggest_titles("wa", allowed={"public": False}) == []


def test_hidden_words_find_nothing_for_anonymous(shared_searcher):
    for query in ["zanzibar", "seaweed", "mangrove", "cooperative fishing", "inclusive"]:
        result = shared_searcher.search(query)
        assert result.total == 0 and result.hits == (), query
        assert all(counts == {} for counts in result.facets.values()), query
        assert result.suggestion is None, query


def test_course_items_need_the_course(shared_searcher):
    assert all_ids(shared_searcher, "zanzibar", allowed=SIGNED_IN) == set()
    assert all_ids(shared_searcher, "zanzibar", allowed={"courses": ["GOV-2023-B"]}) == GOV_COURSE
    assert all_ids(shared_searcher, "zanzibar", allowed={"courses": ["EDU-2024-A"]}) == set()


def test_facets_count_only_visible(shared_searcher):
    facets = shared_searcher.search("").facets
    assert "evaluation" not in facets["subject"]
    assert "education" not in facets["subject"]
    assert "natural-environment-conservation" not in facets["subject"]
    assert set(facets["year"]) == {2015, 2017, 2018, 2019, 2021}
    assert facets["kind"] == {"video": 4, "document": 1}
    # "coastal" is in a registered title only; "management" in a registered description.
    assert shared_searcher.search("management").facets["subject"] == {
        "environmental-management": 2, "urban-regional": 1}
    signed_in = shared_searcher.search("management", allowed=SIGNED_IN).facets["subject"]
    assert signed_in["natural-resources-energy"] == 1


def test_suggestions_never_reveal_hidden_words(shared_searcher):
    assert shared_searcher.search("seaweeed").suggestion is None
    assert shared_searcher.search("zanzibr").suggestion is None
    staff = {"everything": True}
    assert shared_searcher.search("seaweeed", allowed=staff).suggestion == "seaweed"
    assert shared_searcher.search("mangrovs restoraton").suggestion is None
    assert shared_searcher.search("mangrove restoraton",
                                  allowed=SIGNED_IN).suggestion == "mangrove restoration"


def test_type_ahead_never_reveals_hidden_titles(shared_searcher):
    for prefix in ["zan", "confidential", "mang", "fisheries co", "inclus"]:
        assert shared_searcher.suggest_titles(prefix) == [], prefix
    assert [s.id for s in shared_searcher.suggest_titles("mang", allowed=SIGNED_IN)] == [
        "mangrove-restoration"]


@pytest.mark.parametrize("query", [
    "visibility:registered", "visibility:course", "courses:GOV-2023-B", "id:zanzibar-pilot",
    "doc_type:material", "title_en:zanzibar", "year:[2000 TO 2030]", "*:*", "zanz*",
    "seaweed OR tsunami", "NOT public", "spell:seaweed", "title_words:mangrove",
    "parent:inclusive-education", "(visibility:public OR visibility:course)", "*",
])
def test_field_syntax_cannot_escape_the_filter(shared_searcher, query):
    found = all_ids(shared_searcher, query)
    assert found <= PUBLIC
    assert all(s.id in PUBLIC for s in shared_searcher.suggest_titles(query))
