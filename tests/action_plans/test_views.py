"""Lists, the coordinator's progress chart and CSV, and the pages in three languages."""
import csv
import html
import io
import re

import pytest

from portal.extensions import db


def _submit_report(c, plan_id, month=3, **statuses):
    data = {"language": "en", "achievements": "a", "applied": "b", "action": "submit"}
    for key, (status, percent) in statuses.items():
        data["activity-%s-status" % key] = status
        data["activity-%s-percent" % key] = str(percent)
    response = c.submit("/action-plans/%d/reports/%d" % (plan_id, month), data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_my_plans_lists_enrollments_and_schedule(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    html = c.get("/action-plans").get_data(as_text=True)
    assert "Community early-warning for floods in Accra" in html
    assert "3 months after the course" in html and "6 months after the course" in html
    assert "Action plans" in c.get("/dashboard").get_data(as_text=True)


def test_coordinator_progress_chart_and_csv(app, world, accepted_plan, signin):
    c, plan_id = accepted_plan()
    _submit_report(c, plan_id, a1=("done", 100), a2=("in_progress", 50))
    coordinator = signin(world.coordinator)
    html = coordinator.get("/action-plans/progress").get_data(as_text=True)
    assert '<svg role="img" aria-labelledby="progress-chart-title progress-chart-desc"' in html
    assert '<title id="progress-chart-title">Progress of alumni action plans</title>' in html
    assert "Ghana" in html and "Disaster risk reduction" in html
    assert "1 (50%)" in html  # one of two activities done (English percent, by Babel)
    # each segment says what it draws, percent and count by Babel; the legend names each status
    assert "<title>Ghana · Disaster risk reduction: Done 50% (1)</title>" in html
    assert re.search(r'<rect x="0" y="\d+" width="14" height="14"[^>]*/><text[^>]*>Done</text>',
                     html)
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    filtered = coordinator.get("/action-plans/progress?country=BO").get_data(as_text=True)
    assert "No alumni action plan matches yet." in filtered
    response = coordinator.get("/action-plans/progress.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Country", "Subject", "Plans", "Plans with a report"]
    ghana = next(r for r in rows if r[0] == "Ghana")
    assert ghana[1] == "Disaster risk reduction" and ghana[2:8] == ["1", "1", "1", "1", "0",
                                                                      "0"]
    assert signin(world.instructor).get("/action-plans/progress").status_code == 403


def test_progress_counts_only_the_latest_submitted_report(app, world, accepted_plan, signin):
    from portal.action_plans.overview import progress
    from portal.auth.models import User
    c, plan_id = accepted_plan()
    _submit_report(c, plan_id, 3, a1=("in_progress", 50), a2=("not_started", 0))
    _submit_report(c, plan_id, 6, a1=("done", 100), a2=("dropped", 0))
    with app.app_context():
        groups = progress(db.session.get(User, world.coordinator.id))
    assert [(g.country, g.plans, g.reports, g.counts) for g in groups if g.country == "GH"] == [
        ("GH", 1, 1, {"done": 1, "in_progress": 0, "not_started": 0, "dropped": 1})]


@pytest.mark.parametrize("lang,words", [
    ("fr", ["Vos plans d'action", "Enregistrer comme nouvelle version",
            "Ajouter une autre activité",
            "Rapport d'avancement", "Avancement des anciens"]),
    ("es", ["Sus planes de acción", "Guardar como nueva versión", "Añadir otra actividad",
            "Informe de avance", "Avance de los exparticipantes"]),
    ("en", ["Your action plans", "Save as a new version", "Add another activity",
            "Progress report", "Progress of alumni across courses"]),
])
def test_pages_in_three_languages(app, world, accepted_plan, start_plan, signin, lang, words):
    from portal.auth.models import User
    with app.app_context():
        for ref in (world.author, world.coordinator):
            db.session.get(User, ref.id).language = lang
        db.session.commit()
    c, plan_id = accepted_plan()
    pages = [c.get("/action-plans").get_data(as_text=True)]
    view = "/action-plans/%d" % plan_id
    c.submit(view + "/revise", {"reason": "x"}, page=view)
    pages.append(c.get(view + "/edit").get_data(as_text=True))
    pages.append(c.get(view + "/reports/3").get_data(as_text=True))
    _submit_report(c, plan_id, a1=("done", 100), a2=("in_progress", 40))
    pages.append(signin(world.coordinator).get("/action-plans/progress").get_data(as_text=True))
    text = html.unescape(" ".join(pages))
    for w in words:
        assert w in text, (lang, w)
    assert all('<html lang="%s">' % lang in p for p in pages)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_english_left_on_action_plan_pages(app, world, accepted_plan, signin, lang):
    """As tests/foundation/test_pages.py does for the shared pages."""
    from pathlib import Path

    import polib

    from portal.auth.models import User
    po = polib.pofile(str(Path(__file__).resolve().parents[2] /
                          "translations/fr/LC_MESSAGES/messages.po"))
    english = [e.msgid for e in po if len(e.msgid.split()) >= 3 and "%(" not in e.msgid
               and e.msgstr != e.msgid]
    with app.app_context():
        for ref in (world.author, world.instructor, world.coordinator, world.peer):
            db.session.get(User, ref.id).language = lang
        db.session.commit()
    c, plan_id = accepted_plan()
    view = "/action-plans/%d" % plan_id
    _submit_report(c, plan_id, a1=("done", 100), a2=("in_progress", 40))
    c.submit(view + "/sharing", {"shared": "1"}, page=view)
    pages = dict.fromkeys(("/action-plans", view, view + "/versions/1", view + "/reports/3",
                           view + "/reports/6"), c)
    staff = signin(world.coordinator)
    pages.update(dict.fromkeys(("/action-plans/courses", "/action-plans/progress",
                                "/action-plans/courses/%d" % world.course), staff))
    pages["/practice"] = signin(world.peer)
    for url, client in pages.items():
        page = client.get(url).get_data(as_text=True)
        page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
        page = re.sub(r'<option value="[^"]*"[^>]*>[^<]*</option>', " ", page)
        page = re.sub(r'<[^>]*\blang="en"[^>]*>[^<]*<', " ", page)  # content in English
        text = html.unescape(re.sub(r"<[^>]+>", " ", page))
        left = [m for m in english if m in text]
        assert not left, (url, lang, left)


def test_three_languages_in_pdf(app, world, start_plan, plan_form, signin):
    """The PDF's labels follow the plan's language, not the reader's."""
    from portal.action_plans import pdf
    from portal.action_plans.models import ActionPlan
    c, plan_id = start_plan()
    plan_form["language"] = "fr"
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    with app.test_request_context():
        version = db.session.get(ActionPlan, plan_id).versions[0]
        monkey = pdf.find_font
        try:
            pdf.find_font = lambda configured=None: None  # core font: text readable in bytes
            import zlib
            data = pdf.render(version)
        finally:
            pdf.find_font = monkey
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, flags=re.S)
    text = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    assert "Problème et contexte".encode("latin-1") in text
    assert b"Samuel Osei" in text and b"DRR-TEST" in text and b"Ghana" in text


def test_demo_holds_an_alumnus_with_an_accepted_plan_and_a_report(app):
    from sqlalchemy import select

    from portal import demo, jobs
    from portal.action_plans.models import ActionPlan
    with app.app_context():
        demo.load(password="demo-password-for-tests")
        jobs.commit()
        demo.load(password="demo-password-for-tests")  # idempotent
        jobs.commit()
        plans = {p.author.email: p for p in db.session.scalars(select(ActionPlan))}
        samuel = plans["samuel@demo.example.org"]
        assert samuel.state == "accepted" and samuel.accepted_version is not None
        assert [(r.month, r.state) for r in samuel.reports] == [(3, "submitted")]
        assert len(plans) == 3 and plans["carlos@demo.example.org"].language == "es"


def test_dashboard_lists_plans_waiting_for_review_to_their_staff_only(app, world, start_plan,
                                                                       plan_form, signin):
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    html = signin(world.instructor).get("/dashboard").get_data(as_text=True)
    assert "Action plans waiting for your review" in html and "Samuel Osei" in html
    other = signin(world.outsider).get("/dashboard").get_data(as_text=True)
    assert "Action plans waiting for your review" not in other


def test_dashboard_counts_the_plans_waiting_beyond_the_panel(app, world, start_plan, plan_form,
                                                             signin, monkeypatch):
    from portal.action_plans import panels
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    peer = signin(world.peer)
    started = peer.submit("/action-plans/start/%d" % world.peer_enrollment, page="/action-plans")
    peer_plan = int(started.headers["Location"].split("/")[-2])
    peer.submit("/action-plans/%d/edit" % peer_plan, {**plan_form, "action": "submit"})
    instructor = signin(world.instructor)
    html = instructor.get("/dashboard").get_data(as_text=True)
    assert "Samuel Osei" in html and "Carlos Mendoza" in html and "more, not shown" not in html
    monkeypatch.setattr(panels, "REVIEW_PANEL_SIZE", 1)
    panels._waiting_query.cache_clear()   # the statement holds the bound it was built with
    try:
        html = instructor.get("/dashboard").get_data(as_text=True)
    finally:
        panels._waiting_query.cache_clear()
    assert html.count("Samuel Osei") + html.count("Carlos Mendoza") == 1
    assert "…and 1 more, not shown." in html
