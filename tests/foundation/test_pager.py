"""One pager for every list (templates/_pager.html): Previous / "Page n of m" / Next, each link
the same list with its filters at the next or previous page."""
from __future__ import annotations

import re

from portal.extensions import db
from tests.performance.test_query_counts import _course

PAGER = re.compile(r'<nav aria-label="Pages" class="pager">(.*?)</nav>', re.S)


def _pager(html: str) -> tuple[str, dict[str, str]]:
    found = PAGER.search(html)
    assert found, "no pager"
    text = re.sub(r"<[^>]+>", " ", found.group(1))
    links = {rel: href.replace("&amp;", "&") for href, rel in
             re.findall(r'href="([^"]+)" rel="(prev|next)"', found.group(1))}
    return " ".join(text.split()), links


def test_the_users_list_pages_keep_its_filters(app, login_as, make_user, monkeypatch):
    from portal.admin import routes
    monkeypatch.setattr(routes, "PER_PAGE", 2)
    client, _admin = login_as("admin")
    for n in range(5):
        make_user("instructor", name="Pager Person %d" % n)
    first = client.get("/admin/users?role=instructor&q=Pager").get_data(as_text=True)
    text, links = _pager(first)
    assert "Page 1 of 3" in text and "prev" not in links
    assert links["next"].startswith("/admin/users?") and "page=2" in links["next"]
    assert "role=instructor" in links["next"] and "q=Pager" in links["next"]
    last = client.get("/admin/users?role=instructor&q=Pager&page=3").get_data(as_text=True)
    text, links = _pager(last)
    assert "Page 3 of 3" in text and "next" not in links and "page=2" in links["prev"]
    one = client.get("/admin/users?role=instructor&q=Pager+Person+4").get_data(as_text=True)
    assert not PAGER.search(one)  # one page: no pager at all


def test_the_course_list_pages_keep_its_filters(app, login_as, monkeypatch):
    from portal.courses import routes
    monkeypatch.setattr(routes, "PER_PAGE", 2)
    client, _admin = login_as("admin")
    with app.app_context():
        for n in range(3):
            _course("PAGER-%d" % n)
        db.session.commit()
    html = client.get("/courses?q=PAGER&page=2").get_data(as_text=True)
    text, links = _pager(html)
    assert "Page 2 of 2" in text and "next" not in links
    assert "page=1" in links["prev"] and "q=PAGER" in links["prev"]


def test_a_page_past_the_end_shows_the_last_one(app, login_as, make_user, monkeypatch):
    """An old link (or rows removed since) never shows an empty list that holds rows: every
    list the database pages gives its last page; a page that is not a number, the first."""
    from portal.admin import routes
    monkeypatch.setattr(routes, "PER_PAGE", 2)
    client, _admin = login_as("admin")
    for n in range(3):
        make_user("instructor", name="Pager Person %d" % n)
    past = client.get("/admin/users?role=instructor&page=9")
    assert past.status_code == 200
    text, links = _pager(past.get_data(as_text=True))
    assert "Page 2 of 2" in text and "next" not in links and "page=1" in links["prev"]
    assert "Pager Person 2" in past.get_data(as_text=True)
    for odd in ("abc", "0", "-3"):
        first = client.get("/admin/users?role=instructor&page=" + odd)
        assert first.status_code == 200
        assert "Page 1 of 2" in _pager(first.get_data(as_text=True))[0]
    nothing = client.get("/admin/users?q=nobody-like-this&page=4")
    assert nothing.status_code == 200 and not PAGER.search(nothing.get_data(as_text=True))
