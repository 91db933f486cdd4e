"""Statistics: the figures on the pages and in the CSV add up to the database; the charts are
accessible SVG; the by-center pages are for coordinators and admins only."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from sqlalchemy import select

from portal.extensions import db


@pytest.fixture
def data(make_course, make_user, enroll, this_year):
    """Three years of courses; participants from four regions, plus Japan and no country."""
    a = make_course("AG-1", subject="agriculture", training_center="Chubu")
    b = make_course("HE-1", subject="health", training_center="Kansai")
    c = make_course("HE-0", subject="health", training_center="Kansai", fiscal_year=this_year - 1)
    make_course("ED-2", subject="education", training_center="Tokyo", fiscal_year=this_year + 1)
    people = {country: make_user("participant", country=country, password=None) for country in
              ("SN", "KE", "VN", "BO", "IN", "JP")}
    people[None] = make_user("participant", password=None)
    for country in ("SN", "KE", "VN", "BO", "JP"):
        enroll(a, people[country].id)
    enroll(b, people["SN"].id, "completed")
    enroll(b, people["IN"].id, "in_progress")
    enroll(b, people[None].id, "accepted")
    enroll(b, people["KE"].id, "nominated")   # not a participant (yet)
    enroll(b, people["VN"].id, "withdrawn")   # not a participant
    enroll(c, people["BO"].id, "completed")
    return {"a": a, "b": b, "c": c}


def _truth(app, year):
    """What the database says, counted here independently of the statistics module."""
    from portal.auth.models import User
    from portal.catalogue.regions import region_of
    from portal.courses.models import Course, Enrollment
    with app.app_context():
        courses = db.session.execute(select(Course.subject, Course.fiscal_year)).all()
        rows = db.session.execute(select(User.country, Enrollment.status, Course.fiscal_year)
                                  .join(Enrollment.user).join(Enrollment.course)).all()
    subjects = Counter(s for s, y in courses if year is None or y == year)
    regions = Counter(region_of(country) for country, status, y in rows
                      if status in ("accepted", "in_progress", "completed")
                      and (year is None or y == year))
    return subjects, regions


def _table(html: str, heading_id: str) -> dict[str, int]:
    section = html.split('id="%s"' % heading_id, 1)[1].split("</section>", 1)[0]
    return {k: int(v) for k, v in re.findall(r'data-key="([^"]+)">(\d+)<', section)}


@pytest.mark.parametrize("which", ["this", "last", "all"])
def test_pages_add_up_to_the_database(app, client, data, this_year, which):
    year = {"this": this_year, "last": this_year - 1, "all": None}[which]
    html = client.get("/statistics?year=%s" % (year or "all")).get_data(as_text=True)
    subjects, regions = _truth(app, year)
    shown_subjects = _table(html, "subjects-heading")
    assert {k: v for k, v in shown_subjects.items() if v} == dict(subjects)
    assert _table(html, "regions-heading") == {k: regions.get(k, 0) for k in
                                               _table(html, "regions-heading")}
    assert sum(_table(html, "regions-heading").values()) == sum(regions.values())
    totals = re.findall(r'<td class="total">(\d+)</td>', html)
    assert [int(t) for t in totals] == [sum(subjects.values()), sum(regions.values())]


def test_known_figures_of_this_year(client, data, this_year):
    html = client.get("/statistics?year=%d" % this_year).get_data(as_text=True)
    regions = _table(html, "regions-heading")
    # AG-1: SN KE VN BO JP; HE-1: SN (completed), IN, no country. Nominee and withdrawal left out.
    assert regions == {"africa": 3, "southeast-asia-pacific": 1, "latin-america-caribbean": 1,
                       "south-asia": 1, "middle-east-europe": 0,
                       "east-central-asia-caucasus": 0, "other": 2}
    assert _table(html, "subjects-heading")["health"] == 1
    assert "38%" in html  # 3 of 8 participants in Africa
    french = client.get("/statistics?year=%d" % this_year,
                        headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "38\u00a0%" in french and "38%" not in french  # a share written by Babel


def test_charts_are_accessible_svg(client, data, this_year):
    html = client.get("/statistics?year=%d" % this_year).get_data(as_text=True)
    assert html.count('<svg role="img"') == 2
    assert '<title id="subjects-title">' in html and '<desc id="regions-desc">' in html
    # every bar has its figure written as text beside it, not colour only
    svg = html.split('<svg role="img"', 2)[2].split("</svg>")[0]
    assert re.search(r">Africa</text>", svg) and re.search(r">3</text>", svg)


def test_csv_exports_match_the_pages(app, client, data, this_year):
    subjects, regions = _truth(app, this_year)
    for table, truth in (("subjects", subjects), ("regions", regions)):
        response = client.get("/statistics.csv?table=%s&year=%d" % (table, this_year))
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        body = {r[0]: int(r[2]) for r in rows[1:-1]}
        assert {k: v for k, v in body.items() if v} == dict(truth)
        assert rows[-1][2] == str(sum(truth.values()))
    rows = list(csv.reader(io.StringIO(client.get("/statistics.csv?table=years")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1:-1] == [[str(this_year - 1), "1", "1"], [str(this_year), "2", "8"],
                          [str(this_year + 1), "1", "0"]]
    assert rows[-1][1:] == ["4", "9"]


def test_years_across_and_unknown_year_falls_back(client, data, this_year):
    html = client.get("/statistics?year=1850").get_data(as_text=True)
    assert _table(html, "subjects-heading")["agriculture"] == 1  # current year shown
    for query in ("year=abc", "year=-1", "table=../../etc", "year=" + "9" * 50):
        assert client.get("/statistics.csv?" + query).status_code == 200


def test_empty_database_gives_zeros_not_errors(client):
    response = client.get("/statistics")
    assert response.status_code == 200
    assert re.findall(r'<td class="total">(\d+)</td>', response.get_data(as_text=True)) == \
        ["0", "0"]


def test_by_training_center_for_coordinators_and_admins(app, client, data, login_as,
                                                        this_year):
    for role in ("coordinator", "admin"):
        c, _ = login_as(role)
        html = c.get("/statistics/centers?year=%d" % this_year).get_data(as_text=True)
        rows = {name: (int(n), int(p)) for name, n, p in re.findall(
            r'<tr><th scope="row">(\w+)</th><td>(\d+)</td><td>(\d+)</td></tr>', html)}
        assert rows.pop("Total") == (2, 8)
        assert rows == {"Chubu": (1, 5), "Kansai": (1, 3)}
        assert "Statistics by training center" in html
        out = c.get("/statistics/centers.csv?year=all").get_data(as_text=True)
        assert "Tokyo,1,0" in out and "Kansai,2,4" in out
    for role in ("participant", "instructor"):
        c, _ = login_as(role)
        assert c.get("/statistics/centers").status_code == 403
        assert c.get("/statistics/centers.csv").status_code == 403
    assert client.get("/statistics/centers").status_code == 302


def test_region_table_covers_the_programs_countries():
    from portal.catalogue.regions import COUNTRY_REGION, OTHER, region_of
    from portal.i18n import is_country
    assert all(is_country(code) for code in COUNTRY_REGION)   # Kosovo (XK) too
    assert region_of("sn") == "africa" and region_of("EG") == "middle-east-europe"
    assert region_of("AF") == "south-asia" and region_of("GE") == "east-central-asia-caucasus"
    assert region_of("JP") == OTHER and region_of(None) == OTHER
    assert len(COUNTRY_REGION) > 140
