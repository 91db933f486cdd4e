"""The search page's kept content (portal/library/search.py ResultsCache): the same page again
comes from memory, but never across readers who may see different things, never in another
language, and never once the index has changed."""
from __future__ import annotations

import re


def _page(client, **params) -> str:
    """The page, its CSRF tokens blanked: a token carries the second it was made, so two pages
    made a second apart differ there and nowhere else (the header's forms are not kept)."""
    response = client.get("/library/search", query_string=params)
    assert response.status_code == 200
    return re.sub(r'(name="csrf_token" value=")[^"]+"', r'\1"', response.get_data(as_text=True))


def _cache(app):
    return app.extensions["library_results"]


def test_the_same_page_again_comes_from_memory(app, client, lib, vtt):
    lib.add("waste-video", {"en": "Waste management in Kitakyushu"},
            {"en": vtt((3, "Residents sort their waste."))})
    first = _page(client, q="waste")
    hits = _cache(app).hits
    assert _page(client, q="waste") == first and "Kitakyushu" in first
    assert _cache(app).hits == hits + 1
    _page(client, q="waste", page=2)  # another query string: made, not taken
    assert _cache(app).hits == hits + 1


def test_a_change_to_the_index_is_seen_at_once(app, client, lib, vtt):
    lib.add("waste-video", {"en": "Waste management in Kitakyushu"})
    assert "Osaka" not in _page(client, q="waste")
    lib.add("osaka-waste", {"en": "Waste collection in Osaka"})
    assert "Osaka" in _page(client, q="waste")


def test_readers_who_may_see_more_never_share_a_page(app, client, lib, login_as, enrolled):
    lib.add("open-irrigation", {"en": "Irrigation for everyone"})
    lib.add("course-irrigation", {"en": "Irrigation canals for course members"},
            visibility="course", courses=["IRR-2026"])
    member, user = login_as("participant")
    enrolled(user.id, "IRR-2026")
    assert "course members" in _page(member, q="irrigation")
    assert "course members" not in _page(client, q="irrigation")  # anonymous, same words
    outsider, _ = login_as("participant")
    assert "course members" not in _page(outsider, q="irrigation")
    assert "course members" in _page(member, q="irrigation")


def test_each_interface_language_has_its_own_page(app, client, lib):
    lib.add("waste-video", {"en": "Waste management", "fr": "Gestion des déchets"})
    assert "1 material" in _page(client, q="waste")
    client.submit("/language", {"lang": "fr", "next": "/"})
    french = _page(client, q="waste")
    assert "1 support" in french and "1 material" not in french
