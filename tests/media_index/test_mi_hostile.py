"""Hostile or malformed input: results or nothing, never an exception, never hidden items."""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from media_index.query import MAX_CLAUSES, parse_user_query

PUBLIC = {"kitakyushu-waste", "tohoku-drr", "solid-waste-handbook", "urban-transport",
          "rural-electrification"}
SYNTAX = ['"', "*", "?", ":", "(", ")", "[", "]", "{", "}", "^", "~", "-", "+", "\\", "/",
          " AND ", " OR ", " NOT ", " TO ", "'", "<", ">", "&", "\x00", "\u200b", "\n"]
WORDS = ["visibility", "registered", "course", "courses", "public", "id", "doc_type",
         "title_en", "spell", "zanzibar", "seaweed", "mangrove", "waste", "gestion",
         "déchets", "防災", "year", "2019", "GOV-2023-B", "parent", "window_en", "*:*"]
HOSTILE = settings(max_examples=150, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("query", [
    '"unbalanced', 'waste "', '"""', '"  "', "*", "**", "?", "*a*", "a" * 2000,
    "waste " * 400, "é" * 2000, "防" * 2000, ":", "title_en:", ":waste", "[* TO *]",
    "year:>2000", "waste^100", "waste~2", "(((waste", "\x00", "\ud800", "", "   ",
    "<script>alert(1)</script>",
])
def test_known_hostile_queries(shared_searcher, query):
    result = shared_searcher.search(query)
    assert {hit.id for hit in result.hits} <= PUBLIC
    shared_searcher.suggest_titles(query)


def test_markup_in_query_is_never_echoed_unescaped(shared_searcher):
    result = shared_searcher.search("<b>waste</b> management")
    for hit in result.hits:
        assert "<b>" not in hit.snippet
        assert all("<b>" not in m.text for m in hit.moments)


def test_long_query_is_capped():
    assert len(parse_user_query(" ".join(f"w{n}" for n in range(500)))) == MAX_CLAUSES


def test_non_string_query(shared_searcher):
    assert shared_searcher.search(None).total == 5
    assert shared_searcher.search(12345).total == 5
    assert shared_searcher.suggest_titles(None) == []


def test_bad_paging_and_options_are_coerced(shared_searcher):
    result = shared_searcher.search("waste", page="x", per_page=10**9, sort="drop table",
                                    lang="xx", filters={"year_from": "1990';", "kind": [None]})
    assert result.page == 1 and result.per_page == 100
    assert {hit.id for hit in result.hits} <= PUBLIC
    assert shared_searcher.search("waste", page=-3, per_page=0).per_page == 1


@HOSTILE
@given(st.text(max_size=300))
def test_any_text_is_safe(shared_searcher, text):
    result = shared_searcher.search(text)
    assert {hit.id for hit in result.hits} <= PUBLIC
    assert result.suggestion is None or isinstance(result.suggestion, str)
    assert all(s.id in PUBLIC for s in shared_searcher.suggest_titles(text))


@HOSTILE
@given(st.lists(st.sampled_from(WORDS + SYNTAX), max_size=25).map("".join))
def test_query_syntax_soup_is_safe(shared_searcher, text):
    result = shared_searcher.search(text, lang="fr")
    assert {hit.id for hit in result.hits} <= PUBLIC
    for counts in result.facets.values():
        assert "evaluation" not in counts and "education" not in counts
    assert all(s.id in PUBLIC for s in shared_searcher.suggest_titles(text))
