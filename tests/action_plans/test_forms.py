"""The action-plan forms: every problem at once, what was typed kept, refusals in the reader's
language with their status."""
from portal.extensions import db


def _speaks_french(app, user):
    from portal.auth.models import User
    with app.app_context():
        db.session.get(User, user.id).language = "fr"
        db.session.commit()


def test_two_problems_are_shown_at_once_and_the_text_is_kept(app, world, start_plan,
                                                             plan_form):
    c, plan_id = start_plan()
    plan_form.update({"problem": "", "activities-1-end": "2026-03-01",
                      "risks": "Budget cuts <and> floods"})
    response = c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Problem and background: this section is required." in html
    assert "Activity 2 ends (Mar 1, 2026) before it starts (Apr 1, 2026)." in html
    assert html.count('<li><a href="#') == 2                     # both in the summary
    assert "Budget cuts &lt;and&gt; floods" in html and 'value="2026-03-01"' in html
    assert plan_form["objectives"] in html


def test_a_report_with_two_problems_shows_both_and_keeps_the_text(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    response = c.submit(url, {"language": "en", "action": "submit", "achievements": "",
                              "activity-a1-status": "done", "activity-a1-percent": "lots",
                              "activity-a2-status": "in_progress",
                              "activity-a2-percent": "40", "challenges": "Rain <all> June",
                              "applied": "Hazard maps."})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Describe what has been achieved so far." in html
    assert "Enter a whole number from 0 to 100 for" in html
    assert "Rain &lt;all&gt; June" in html and 'value="lots"' in html


def test_a_saved_report_draft_shows_what_was_saved(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    c.submit(url, {"language": "en", "action": "save", "achievements": "Forty streets.",
                   "activity-a1-status": "in_progress", "activity-a1-percent": "30",
                   "activity-a2-status": "not_started", "activity-a2-percent": "0"})
    html = c.get(url).get_data(as_text=True)
    assert "Forty streets." in html and 'value="30"' in html


def test_a_refusal_reads_in_french_with_its_status(app, world, start_plan, plan_form):
    _speaks_french(app, world.author)
    c, plan_id = start_plan()
    edit, autosave = ("/action-plans/%d/edit" % plan_id, "/action-plans/%d/autosave" % plan_id)
    token = c.csrf_token(edit)
    assert c.post(autosave, data={**plan_form, "csrf_token": token, "rev": "0"}).status_code \
        == 200
    stale = c.post(autosave, data={**plan_form, "csrf_token": token, "rev": "0"})
    assert stale.status_code == 409
    assert stale.json["error"].startswith("Ce plan a été modifié dans une autre fenêtre")
    assert c.submit(edit, {**plan_form, "action": "submit"}).status_code == 302
    refused = c.post(edit, data={**plan_form, "csrf_token": token, "action": "save"})
    assert refused.status_code == 409
    assert "Ce plan est en cours d&#39;examen ou déjà accepté" in refused.get_data(as_text=True)
