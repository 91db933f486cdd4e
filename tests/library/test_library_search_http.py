"""Search through HTTP: three languages, moments at the right second, facets and filters,
permissions inside the query (results, facets, suggestions), hostile input, the API shape and
the OpenAPI document."""
import json
import re
from datetime import UTC, datetime

import pytest


@pytest.fixture
def corpus(lib, vtt):
    with lib.batch():
        _corpus(lib, vtt)


def _corpus(lib, vtt):
    lib.add("kitakyushu-waste", {"en": "Waste management in Kitakyushu",
                                 "fr": "La gestion des déchets à Kitakyushu",
                                 "es": "La gestión de residuos en Kitakyushu"},
            {"fr": vtt((0, "Bonjour et bienvenue."), (40, "Les habitants trient leurs déchets."),
                       (95.4, "La gestion des déchets devient l'affaire de tous.")),
             "es": vtt((0, "Buenos días."), (95.4, "La gestión de residuos es de todos.")),
             "en": vtt((0, "Good morning."), (95.4, "Waste management is everyone's task."))},
            description={"en": "How a city and its residents reduced waste."},
            subjects=["environmental-management"], year=2018, audio_language="ja",
            keywords=["recycling"])
    lib.add("toyama-fisheries", {"en": "Community fisheries in Toyama Bay",
                                 "fr": "La pêche communautaire dans la baie de Toyama"},
            {"en": vtt((12, "The fishers' cooperative closes areas to let stocks recover."))},
            subjects=["agriculture"], year=2021, audio_language="ja")
    lib.add("inclusive-education", {"es": "Educación inclusiva en el aula"},
            {"es": vtt((7, "Cada niño tiene derecho a aprender en la escuela."))},
            subjects=["education"], year=2020, audio_language="es",
            created_at=datetime(2030, 5, 1, tzinfo=UTC))  # the newest
    lib.add("secret-registered", {"en": "Flood warning drills for registered users"},
            {"en": vtt((5, "Zanzibar evacuation drills."))}, subjects=["disaster-risk-reduction"],
            year=2023, visibility="registered", audio_language="sw")
    lib.add("secret-course", {"en": "Irrigation for course members"},
            {"en": vtt((5, "Zanzibar irrigation canals."))}, subjects=["water-resources"],
            year=2019, visibility="course", courses=["IRR-2026"], audio_language="sw")


def _api(client, **params):
    response = client.get("/api/v1/library/search", query_string=params)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def body_facets(client):
    return _api(client, q="")["facets"]


def _ids(body):
    return [r["id"] for r in body["results"]]


def test_french_query_without_accents_finds_the_moment(client, corpus):
    body = _api(client, q="gestion des dechets", lang="fr")
    assert _ids(body)[0] == "kitakyushu-waste"
    hit = body["results"][0]
    assert "<mark>" in hit["snippet"] or hit["moments"]
    starts = [m["start_ms"] for m in hit["moments"]]
    assert 95400 in starts
    moment = next(m for m in hit["moments"] if m["start_ms"] == 95400)
    assert moment["url"] == "/library/m/kitakyushu-waste?t=95#t=95"
    assert "<mark>" in moment["text"]


def test_spanish_and_english_queries(client, corpus):
    assert _ids(_api(client, q="escuela", lang="es")) == ["inclusive-education"]
    assert _ids(_api(client, q="gestión residuos", lang="es"))[0] == "kitakyushu-waste"
    assert _ids(_api(client, q="fisher cooperatives", lang="en")) == ["toyama-fisheries"]


def test_the_moment_link_opens_the_player_at_that_second(client, corpus):
    url = _api(client, q="fishers")["results"][0]["moments"][0]["url"]
    assert url.endswith("?t=12#t=12")
    page = client.get(url.split("#")[0]).get_data(as_text=True)  # (no video: coming soon)
    current = re.search(r'<li class="current" aria-current="true" data-start="([\d.]+)"', page)
    assert current and float(current.group(1)) == 12.0


def test_html_results_page_has_snippets_moments_and_facets(client, corpus):
    page = client.get("/library/search?q=dechets", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<mark>" in html and "?t=95#t=95" in html and "1:35" in html
    assert 'name="subject" value="environmental-management"' in html


def test_facets_filters_sort_and_pagination(client, corpus):
    body = _api(client, q="")
    assert body["total"] == 3  # anonymous: public only
    assert body["facets"]["subject"] == {"agriculture": 1, "education": 1,
                                         "environmental-management": 1}
    assert body["facets"]["year"] == {"2018": 1, "2020": 1, "2021": 1}
    assert set(body) == {"query", "total", "page", "per_page", "pages", "results", "facets",
                         "suggestion", "correction"}
    assert set(body["facets"]) == {"subject", "year", "audio_language", "subtitle_language",
                                   "kind"}
    assert body["facets"]["kind"] == {"video": 3}
    assert body["facets"]["subtitle_language"] == {"en": 2, "es": 2, "fr": 1}
    assert body["pages"] == 1 and body["correction"] is None
    assert _ids(_api(client, subject="education")) == ["inclusive-education"]
    assert _ids(_api(client, audio_language="es")) == ["inclusive-education"]
    assert sorted(_ids(_api(client, year="2019-2020"))) == ["inclusive-education"]
    assert _ids(_api(client, year="2021")) == ["toyama-fisheries"]
    # newest production first (2021, 2020, 2018), whatever order they were added in
    assert _ids(_api(client, sort="newest")) == ["toyama-fisheries", "inclusive-education",
                                                 _ids(_api(client, year="2018"))[0]]
    first = _api(client, per_page=2, page=1, sort="newest")
    second = _api(client, per_page=2, page=2, sort="newest")
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert not set(_ids(first)) & set(_ids(second))
    html = client.get("/library/search?subtitle_language=es&kind=video").get_data(as_text=True)
    assert "inclusive-education" in html and "toyama-fisheries" not in html


def test_past_the_last_page_offers_the_way_back(client, corpus):
    html = client.get("/library/search?q=&per_page=2&page=7",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Les résultats s’arrêtent à la page 2." in html
    assert 'href="/library/search?q=&amp;per_page=2&amp;page=2"' in html
    assert "Aucun résultat" not in html


def test_a_page_past_the_end_keeps_its_number_in_the_page_and_the_api(client, corpus):
    body = _api(client, q="", per_page=2, page=1001)
    assert (body["page"], body["pages"], body["total"], body["results"]) == (1001, 2, 3, [])
    assert body["facets"]["kind"] == {"video": 3}
    html = client.get("/library/search?q=&per_page=2&page=1001").get_data(as_text=True)
    assert "The results end on page 2." in html and "Page 1000" not in html
    assert 'href="/library/search?q=&amp;per_page=2&amp;page=2"' in html
    assert _api(client, q="", page="100000000")["page"] == 100000  # absurd: clamped
    assert _api(client, q="nothingatallhere", page=5)["pages"] == 0


def test_the_library_home_lists_most_viewed_only_when_something_was_viewed(app, client, corpus):
    """With no view yet "Most viewed" would repeat "Newest": it is left out until a material
    is viewed, then lists only viewed materials."""
    home = client.get("/library/").get_data(as_text=True)
    assert "Most viewed" not in home
    newest = home.split("Newest")[1]
    assert newest.index("toyama-fisheries") < newest.index("inclusive-education")  # by year
    slug = _ids(_api(client, year="2018"))[0]
    from sqlalchemy import select

    from portal import jobs
    from portal.extensions import db
    from portal.library.models import Material
    from portal.library.services import record_view
    with app.app_context():
        record_view(db.session.scalar(select(Material).filter_by(slug=slug)), "visitor-1")
        jobs.commit()  # the count reaches the index with the outbox, as after a real view
    viewed = client.get("/library/").get_data(as_text=True).split("Most viewed")[1]
    assert slug in viewed and "toyama-fisheries" not in viewed


def test_did_you_mean_and_type_ahead(client, corpus):
    body = _api(client, q="fisheriez", exact="1")  # as typed: nothing, and "did you mean"
    assert body["suggestion"] == "fisheries" and body["total"] == 0
    assert body["correction"] is None
    suggestions = client.get("/api/v1/library/suggest?q=Kitak&lang=fr").get_json()
    assert [s["id"] for s in suggestions["suggestions"]] == ["kitakyushu-waste"]
    assert suggestions["suggestions"][0]["title"].startswith("La gestion")


@pytest.mark.parametrize("role", [None, "participant"])
def test_hidden_materials_never_show_through(app, login_as, client, corpus, role):
    c = client if role is None else login_as(role)[0]
    body = _api(c, q="zanzibar")
    expected = [] if role is None else ["secret-registered"]
    assert _ids(body) == expected
    assert "water-resources" not in body["facets"]["subject"]
    assert "sw" not in body["facets"]["audio_language"] or role is not None
    assert body["suggestion"] is None or "irrigation" not in body["suggestion"]
    everything = _api(c, q="")
    assert "2019" not in everything["facets"]["year"]  # only the course item is from 2019
    titles = c.get("/api/v1/library/suggest?q=irrig").get_json()["suggestions"]
    assert titles == []
    if role is None:
        assert c.get("/api/v1/library/suggest?q=flood").get_json()["suggestions"] == []
        assert _api(c, q="flod")["suggestion"] is None
        assert _api(c, q="flod")["correction"] is None and _api(c, q="flod")["total"] == 0
        # a word heard only in a hidden transcript is never offered, nor searched instead
        assert _api(c, q="irigation")["correction"] is None
    html = c.get("/library/search?q=zanzibar").get_data(as_text=True)
    assert "secret-course" not in html and ("secret-registered" in html) == (role is not None)
    for slug in ("secret-course",) + (("secret-registered",) if role is None else ()):
        assert c.get("/library/m/%s" % slug).status_code == 404
        assert c.get("/api/v1/library/materials/%s" % slug).status_code == 404
        assert c.get("/library/m/%s/subtitles/en.vtt" % slug).status_code == 404


def test_course_members_and_staff_see_course_materials(app, login_as, corpus, enrolled):
    member, user = login_as("participant")
    enrolled(user.id, "IRR-2026")
    assert sorted(_ids(_api(member, q="zanzibar"))) == ["secret-course", "secret-registered"]
    assert member.get("/library/m/secret-course").status_code == 200
    other, other_user = login_as("participant")
    enrolled(other_user.id, "IRR-2026", status="withdrawn")
    assert _ids(_api(other, q="zanzibar")) == ["secret-registered"]
    staff, _ = login_as("instructor")
    assert _api(staff, q="")["total"] == 5


HOSTILE = ['"unbalanced', "*", "?", "title_en:*", "visibility:course", "(((", ")", "a" * 2000,
           "AND OR NOT", "\x00\x01", "' OR 1=1 --", "<script>alert(1)</script>", "日本語",
           "[1 TO 9999]", "~~~^2", "\\", "%", "title:* OR zanzibar", "é" * 700]


def test_hostile_queries_never_fail(client, corpus):
    for query in HOSTILE:
        body = _api(client, q=query)
        assert "secret-course" not in _ids(body) and "secret-registered" not in _ids(body)
        page = client.get("/library/search", query_string={"q": query})
        assert page.status_code == 200, query
        assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
        assert client.get("/api/v1/library/suggest", query_string={"q": query}).status_code == 200


def test_bad_parameters_are_ignored_not_errors(client, corpus):
    for params in ({"page": "-3"}, {"page": "x"}, {"per_page": "100000"}, {"year": "abcd"},
                   {"year": "3000-1000"}, {"sort": "drop"}, {"lang": "xx"},
                   {"subject": ["a"] * 50}, {"page": "99999999999999999999"}):
        body = _api(client, **params)
        assert body["per_page"] <= 50 and body["page"] >= 1


def test_material_api_and_openapi_document(client, corpus):
    body = client.get("/api/v1/library/materials/kitakyushu-waste?lang=es").get_json()
    assert body["id"] == "kitakyushu-waste" and body["title"].startswith("La gestión")
    assert set(body["subtitles"]) == {"en", "es", "fr"}
    assert client.get("/api/v1/library/materials/nope").status_code == 404
    assert client.get("/api/v1/library/materials/..%2F..").status_code == 404
    response = client.get("/api/v1/openapi.json")
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/library/search", "/api/v1/library/materials/{id}",
            "/api/v1/library/suggest"} <= set(doc["paths"])
    schema = doc["paths"]["/api/v1/library/search"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert set(schema["required"]) == {"query", "total", "page", "per_page", "pages",
                                       "results", "facets", "suggestion", "correction"}
    assert set(schema["properties"]["facets"]["properties"]) == set(body_facets(client))
    params = {p["name"] for p in doc["paths"]["/api/v1/library/search"]["get"]["parameters"]}
    assert {"q", "lang", "subject", "year", "audio_language", "page", "per_page"} <= params


def test_the_search_pages_link_to_each_other_with_the_query_kept(client, corpus):
    first = client.get("/library/search?q=&per_page=2&sort=newest").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="prev"' not in first
    assert 'href="/library/search?q=&amp;per_page=2&amp;sort=newest&amp;page=2" rel="next"' \
        in first
    second = client.get("/library/search?q=&per_page=2&sort=newest&page=2").get_data(
        as_text=True)
    assert "Page 2 of 2" in second and 'rel="next"' not in second
    assert 'page=1" rel="prev"' in second
