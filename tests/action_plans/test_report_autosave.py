"""Progress reports autosave like the other drafts (issue 15.1): the page's script posts the
report's form asking for JSON, and the draft is saved without leaving the page; a refused
draft is told in the reader's language, nothing of what was typed is lost."""
from tests.action_plans.test_reports import _report, _report_form

JSON = {"Accept": "application/json"}


def test_the_report_form_saves_a_draft_as_json(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    page = c.get(url).get_data(as_text=True)
    assert 'data-autosave-url="%s"' % url in page and 'data-autosave-action="save"' in page
    response = c.submit(url, {**_report_form(), "action": "save"}, headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["saved"].startswith("Draft saved at")
    assert _report(app, plan_id, 3)["state"] == "draft"
    assert _report(app, plan_id, 3)["achievements"] == "120 streets mapped with residents."


def test_a_refused_draft_autosave_says_why(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    response = c.submit(url, {**_report_form(**{"activity-a1-percent": "150"}),
                              "action": "save"}, headers=JSON)
    assert response.status_code >= 400
    assert response.get_json()["error"]
