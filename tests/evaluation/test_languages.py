"""The evaluation pages in French and Spanish without English left."""
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
def test_no_english_left(app, login_as, make_course, enroll, add_questions, lang):
    from datetime import date, timedelta
    today = date.today()
    coordinator, me = login_as("coordinator", language=lang)
    participant, person = login_as("participant", language=lang)
    course_id = make_course("LANG-2026", coordinators=[me.id],
                            title={"en": "T", "fr": "T", "es": "T"},
                            pre_arrival_opens=today - timedelta(60),
                            arrival=today - timedelta(40), departure=today - timedelta(1))
    questions = add_questions(course_id)
    enroll(course_id, person.id, "completed")
    english = english_msgids(lang)
    bad = participant.submit("/evaluation/courses/%d" % course_id, {"q-%d" % questions[0]: ""})
    assert bad.status_code == 400
    pages = [(participant, "/evaluation"), (participant, "/dashboard"),
             (participant, "/evaluation/courses/%d" % course_id),
             (coordinator, "/evaluation/courses/%d/questions" % course_id),
             (coordinator, "/evaluation/courses/%d/results" % course_id),
             (coordinator, "/evaluation/courses/%d/compare" % course_id)]
    htmls = [(url, c.get(url)) for c, url in pages] + [("answer 400", bad)]
    participant.submit("/evaluation/courses/%d" % course_id, {"q-%d" % questions[0]: "4"})
    htmls += [(url, c.get(url)) for c, url in pages]
    for url, response in htmls:
        html = response.get_data(as_text=True)
        assert '<html lang="%s">' % lang in html, url
        left = [m for m in english if m in visible_text(html)]
        assert not left, "English left on %s (%s): %s" % (url, lang, left)
