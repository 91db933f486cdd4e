"""Issue 16: anonymous views cannot be inflated with fresh sessions."""
from sqlalchemy import select

from portal.extensions import db
from portal.library.models import Material


def test_fresh_sessions_do_not_count_again(app, lib):
    lib.add("watched-once", {"en": "Watched once"})
    page = "/library/m/watched-once"
    agent = {"User-Agent": "Mozilla/5.0 (same browser)"}
    for _ in range(5):   # a new session (cookie jar) each time, same address and browser
        visitor = app.test_client()
        assert visitor.submit(page + "/view", page=page, headers=agent).status_code == 204
    other = app.test_client()   # another browser behind the same address counts once more
    other.submit(page + "/view", page=page, headers={"User-Agent": "Another browser"})
    elsewhere = app.test_client()
    elsewhere.submit(page + "/view", page=page, headers=agent,
                     environ_base={"REMOTE_ADDR": "198.51.100.9"})
    with app.app_context():
        views = db.session.scalar(select(Material.view_count).where(
            Material.slug == "watched-once"))
    assert views == 3
