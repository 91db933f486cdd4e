"""The search page's result cards load their materials in a fixed number of queries: saying
"Audio" for a recording needs its original's content type, read with the cards, not one card at
a time."""
import io

from sqlalchemy import event, select, update

from portal import jobs
from portal.extensions import db
from portal.library.models import Material
from portal.library.services import attach_file, store_file


def _recording(app, lib, slug, content_type):
    lib.add(slug, {"en": "Harbour recording %s" % slug})
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        attach_file(m, "original", store_file(io.BytesIO(b"bytes of " + slug.encode()),
                                              slug + ".bin", content_type, None))
        jobs.commit()


def _statements(app, client, path):
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get(path).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), html


def test_cards_read_their_files_in_as_many_queries_for_one_card_as_for_five(app, client, lib):
    _recording(app, lib, "solo-talk", "audio/mpeg")
    for n in range(4):
        _recording(app, lib, "harbour-%d" % n, "audio/mpeg" if n % 2 else "video/mp4")
    one, html_one = _statements(app, client, "/library/search?q=solo")
    five, html_five = _statements(app, client, "/library/search?q=harbour+recording")
    assert html_one.count('class="library-card"') == 1
    assert html_five.count('class="library-card"') == 5
    assert five == one
    cards = {slug: html_five.split("/library/m/%s\"" % slug)[1].split("</article>")[0]
             for slug in ("solo-talk", "harbour-0", "harbour-1")}
    assert "Audio" in cards["solo-talk"] and "Audio" in cards["harbour-1"]
    assert "Audio" not in cards["harbour-0"] and "Video" in cards["harbour-0"]


def test_library_home_reads_as_many_queries_for_one_card_as_for_five(app, client, lib):
    """The "Most viewed" list keeps the cards whose materials were viewed: their view counts
    come with the cards, not one query a card."""
    def viewed():
        with app.app_context():
            db.session.execute(update(Material).values(view_count=3))
            db.session.commit()

    _recording(app, lib, "viewed-0", "video/mp4")
    viewed()
    one, html_one = _statements(app, client, "/library/")
    for n in range(1, 5):
        _recording(app, lib, "viewed-%d" % n, "video/mp4")
    viewed()
    five, html_five = _statements(app, client, "/library/")
    assert "Most viewed" in html_one
    assert html_one.count('class="library-card"') == 2    # newest, most viewed
    assert html_five.count('class="library-card"') == 10
    assert five == one
