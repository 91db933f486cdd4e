"""Every catalogue and statistics page in French and Spanish without English left."""
from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]


def english_msgids(lang: str) -> list[str]:
    po = polib.pofile(str(ROOT / "translations" / lang / "LC_MESSAGES/messages.po"))
    return [e.msgid for e in po if len(e.msgid.split()) >= 3 and "%(" not in e.msgid
            and e.msgstr != e.msgid]


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_english_left(app, login_as, make_course, make_user, enroll, lang, this_year):
    coordinator, me = login_as("coordinator", language=lang)
    course_id = make_course("LANG-2026", coordinators=[me.id], region="africa",
                            title={"en": "T", "fr": "T", "es": "T"})
    enroll(course_id, make_user("participant", country="SN", password=None).id)
    anonymous = app.test_client()
    english = english_msgids(lang)
    pages = [(anonymous, "/catalogue"), (anonymous, "/catalogue?q=zzz"),
             (anonymous, "/catalogue/%d" % course_id),
             (anonymous, "/catalogue/%d/general-information" % course_id),
             (anonymous, "/statistics"), (anonymous, "/statistics?year=all"),
             (coordinator, "/statistics/centers"),
             (coordinator, "/catalogue/%d/outline" % course_id)]
    for client, url in pages:
        response = client.get(url, headers={"Accept-Language": lang})
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<html lang="%s">' % lang in html
        left = [m for m in english if m in visible_text(html)]
        assert not left, "English left on %s (%s): %s" % (url, lang, left)
    csv_text = anonymous.get("/statistics.csv?table=regions",
                             headers={"Accept-Language": lang}).get_data(as_text=True)
    assert {"fr": "Afrique", "es": "África"}[lang] in csv_text
