"""Pages in three languages, enrollment states, the CSV export and the dashboard timeline."""
import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import polib
import pytest

from portal.courses.models import Enrollment
from portal.extensions import db

ROOT = Path(__file__).resolve().parents[2]
POST_RETURN_ES = polib.pofile(str(ROOT / "translations/es/LC_MESSAGES/messages.po")).find(
    "Post-return").msgstr


def _english_msgids():
    po = polib.pofile(str(ROOT / "translations/fr/LC_MESSAGES/messages.po"))
    return [e.msgid for e in po if len(e.msgid.split()) >= 3 and "%(" not in e.msgid
            and e.msgstr != e.msgid]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<option value="[^"]*"[^>]*>[^<]*</option>', " ", html)
    html = re.sub(r'<table class="table example">.*?</table>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_english_left_on_courses_pages(app, login_as, make_course, make_user, enroll, lang):
    client, coordinator = login_as("coordinator", language=lang)
    participant = make_user("participant", language=lang, country="SN")
    course_id = make_course(coordinators=[coordinator.id], title={"fr": "Pêche", "es": "Pesca"},
                            description={"fr": "Texte", "es": "Texto"})
    enroll(course_id, participant.id)
    upload = "/courses/%d/import" % course_id
    response = client.submit(upload, {"file": (io.BytesIO(
        b"name,e-mail,country\nX,bad,Atlantis\nAwa,awa@example.org,SN\n"), "l.csv")},
        page=upload, content_type="multipart/form-data")
    preview = response.headers["Location"]
    pages = {client: ["/courses", "/courses/%d" % course_id, "/courses/new",
                      "/courses/%d/edit" % course_id, upload, preview, "/dashboard"]}
    participant_client = app.test_client()
    participant_client.submit("/login", {"email": participant.email,
                                         "password": "correct horse battery staple"},
                              page="/login")
    pages[participant_client] = ["/courses", "/courses/%d" % course_id, "/dashboard"]
    english = _english_msgids()
    for c, urls in pages.items():
        for url in urls:
            response = c.get(url)
            assert response.status_code == 200, url
            text = _visible_text(response.get_data(as_text=True))
            left = [m for m in english if m in text]
            assert not left, "English left on %s (%s): %s" % (url, lang, left)


def test_bulk_state_change_and_mark_everyone_completed(app, login_as, make_course, make_user,
                                                       enroll):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    ids = {status: enroll(course_id, make_user("participant").id, status)
           for status in ("nominated", "accepted", "in_progress", "withdrawn")}
    page = "/courses/%d" % course_id
    response = client.submit(page + "/states", {"state": "accepted",
                                                "enrollment": [str(ids["nominated"])]},
                             page=page)
    assert response.status_code == 302
    response = client.submit(page + "/states", {"action": "complete"}, page=page)
    assert response.status_code == 302
    with app.app_context():
        states = {k: db.session.get(Enrollment, v).status for k, v in ids.items()}
    assert states == {"nominated": "completed", "accepted": "completed",
                      "in_progress": "completed", "withdrawn": "withdrawn"}
    # Nothing selected, or an unknown state: refused without change.
    response = client.submit(page + "/states", {"state": "accepted"}, page=page)
    assert response.status_code == 302
    assert client.submit(page + "/states", {"state": "emperor",
                                            "enrollment": [str(ids["withdrawn"])]},
                         page=page).status_code == 400
    # An enrollment id of another course is ignored.
    other = make_course()
    foreign = enroll(other, make_user("participant").id)
    client.submit(page + "/states", {"state": "withdrawn", "enrollment": [str(foreign)]},
                  page=page)
    with app.app_context():
        assert db.session.get(Enrollment, foreign).status == "nominated"
    assert "Completed (alumni)" in client.get(page + "?state=completed").get_data(as_text=True)


def test_alumni_keep_access_to_their_course(app, make_course, make_user, enroll):
    participant = make_user("participant")
    today = date.today()
    course_id = make_course(pre_arrival_opens=today - timedelta(900),
                            arrival=today - timedelta(800), departure=today - timedelta(780))
    enroll(course_id, participant.id, "completed")
    client = app.test_client()
    client.submit("/login", {"email": participant.email,
                             "password": "correct horse battery staple"}, page="/login")
    page = client.get("/courses/%d" % course_id).get_data(as_text=True)
    assert "This course is closed. Your work stays available to you." in page


def test_participants_csv_is_safe_for_spreadsheets(app, login_as, make_course, make_user,
                                                   enroll):
    client, coordinator = login_as("coordinator", language="fr")
    course_id = make_course(code="FISH/../x", coordinators=[coordinator.id])
    enroll(course_id, make_user("participant", name="=HYPERLINK(\"http://evil\")",
                                country="SN", organization="+Ministry").id, "accepted")
    response = client.get("/courses/%d/participants.csv" % course_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="FISH_.._x-participants.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    # A French reader's spreadsheet splits on semicolons (portal/exports.py).
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Adresse électronique", "Code du pays"] or rows[0][2] == \
        "Code du pays"
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")" and rows[1][4] == "'+Ministry"
    assert rows[1][2:4] == ["SN", "Sénégal"] and rows[1][7] == "Accepté"


def test_participant_dashboard_shows_the_timeline_with_the_current_phase(app, make_course,
                                                                        make_user, enroll):
    participant = make_user("participant", language="es")
    today = date.today()
    course_id = make_course(title={"en": "Water", "es": "Agua"},
                            pre_arrival_opens=today - timedelta(100),
                            arrival=today - timedelta(60), departure=today - timedelta(30),
                            report_months=[3, 6])
    enroll(course_id, participant.id, "completed")
    client = app.test_client()
    client.submit("/login", {"email": participant.email,
                             "password": "correct horse battery staple"}, page="/login")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Agua" in html
    current = re.search(r'<li class="tl-step tl-current" aria-current="step">\s*'
                        r'<span class="tl-name">([^<]*)</span>', html)
    assert current and current.group(1) == POST_RETURN_ES
    assert html.count('aria-current="step"') == 1
    assert "Informe 3 meses después de la salida" in html
    assert "css/courses.css" in html


def test_course_page_links_to_evaluation_and_catalogue(app, login_as, make_course, make_user,
                                                       enroll):
    """Staff reach the course's evaluation results and catalogue outline from its page, and
    both open; a participant sees neither (the questionnaire is on their dashboard)."""
    coordinator_client, coordinator = login_as("coordinator")
    participant_client, participant = login_as("participant")
    course_id = make_course(coordinators=[coordinator.id])
    enroll(course_id, participant.id, "in_progress")
    staff_page = coordinator_client.get("/courses/%d" % course_id).get_data(as_text=True)
    for url in ("/evaluation/courses/%d/results" % course_id, "/catalogue/%d" % course_id):
        assert 'href="%s"' % url in staff_page
        assert coordinator_client.get(url).status_code == 200
    own_page = participant_client.get("/courses/%d" % course_id).get_data(as_text=True)
    assert "/evaluation/courses/%d/results" % course_id not in own_page
    assert 'href="/catalogue/%d"' % course_id not in own_page
