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
