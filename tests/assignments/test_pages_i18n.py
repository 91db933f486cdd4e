"""Every assignments page in French and Spanish: no English interface sentence left."""
import io
import re
from pathlib import Path

import polib
import pytest
from sqlalchemy import select

from portal.assignments.models import Submission
from portal.auth.models import User
from portal.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _english():
    po = polib.pofile(str(ROOT / "translations/fr/LC_MESSAGES/messages.po"))
    return [e.msgid for e in po if len(e.msgid.split()) >= 3 and "%(" not in e.msgid
            and e.msgstr != e.msgid]


def _visible(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<option value="[^"]*"[^>]*>[^<]*</option>', " ", html)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_english_left(app, world, signed_in, lang):
    with app.app_context():
        for ref in (world.alice, world.instructor):
            db.session.get(User, ref.id).language = lang
        db.session.commit()
    alice = signed_in(world.alice)
    work = "/assignments/%d" % world.assignment_id
    alice.submit(work, {"text": "x", "action": "draft", "file": (io.BytesIO(PDF), "a.pdf")})
    alice.submit(work, {"text": "x", "action": "submit", "statement": "y"})
    with app.app_context():
        sid = db.session.scalar(select(Submission.id))
    tanaka = signed_in(world.instructor)
    pages = [(alice, "/assignments"), (alice, work), (alice, "/dashboard"),
             (alice, "/assignments/submissions/%d/v1/receipt" % sid),
             (alice, "/assignments/submissions/%d/v1" % sid),
             (tanaka, "/dashboard"), (tanaka, "/assignments/course/%d" % world.course_id),
             (tanaka, "/assignments/course/%d/new" % world.course_id),
             (tanaka, "/assignments/%d/edit" % world.assignment_id),
             (tanaka, "/assignments/course/%d/queue" % world.course_id),
             (tanaka, "/assignments/submissions/%d/review" % sid),
             (tanaka, "/assignments/%d/extensions" % world.assignment_id),
             (tanaka, "/assignments/course/%d/matrix" % world.course_id)]
    english = _english()
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<html lang="%s">' % lang in html
        left = [m for m in english if m in _visible(html)]
        assert not left, "English left on %s (%s): %s" % (url, lang, left)


def test_instructions_in_another_language_mark_only_their_text(app, world, signed_in):
    """A Spanish reader of instructions written in English and French: the heading is theirs
    (in Spanish, in the page's language), only the instructions carry lang="en"."""
    with app.app_context():
        db.session.get(User, world.bob.id).language = "es"
        db.session.commit()
    html = signed_in(world.bob).get("/assignments/%d" % world.assignment_id).get_data(
        as_text=True)
    section = re.search(r'<section class="instructions">\s*<h2>([^<]+)</h2>\s*<div lang="en">',
                        html)
    assert section and section.group(1) == "Instrucciones", html[html.find("instructions"):][:300]
    assert "<strong>your</strong>" in html
