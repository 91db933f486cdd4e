"""Evidence sent through the upload widget belongs to the report draft as soon as the upload
completes (issue 15): leaving the page loses nothing, the report lists it with a Remove button
(a plain POST, no JavaScript needed), and its download rule stays the report's."""
from sqlalchemy import select

from portal.extensions import db
from tests.uploads.widget import send_with_widget

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _files(app, plan_id, month=3):
    from portal.action_plans.models import ProgressReport
    with app.app_context():
        report = db.session.scalar(select(ProgressReport).where(
            ProgressReport.plan_id == plan_id, ProgressReport.month == month))
        return None if report is None else [(f.file.name, f.file_id) for f in report.files]


def test_a_file_sent_belongs_to_the_report_draft_at_once(app, world, accepted_plan, signin):
    c, plan_id = accepted_plan()
    url = "/action-plans/%d/reports/3" % plan_id
    page = c.get(url).get_data(as_text=True)
    assert 'data-form="%d/3"' % plan_id in page
    done = send_with_widget(c, PDF, "minutes.pdf", "plan-evidence", form="%d/3" % plan_id)
    assert done.status_code == 200, done.get_json()
    file_id = done.get_json()["file"]["id"]
    # "Back to the plan", then back: nothing was saved with the form, the file is there.
    assert _files(app, plan_id) == [("minutes.pdf", file_id)]
    page = c.get(url).get_data(as_text=True)
    assert "minutes.pdf" in page and "Remove minutes.pdf" in page
    # its download rule is the report's: the author, not yet the staff (a draft)
    link = "/action-plans/%d/reports/3/files/%d" % (plan_id, file_id)
    assert c.get(link).status_code == 200
    assert c.get("/files/%d" % file_id).status_code == 200
    assert signin(world.instructor).get("/files/%d" % file_id).status_code == 404
    # the form sent afterwards (with or without the widget's id) attaches it once
    from tests.action_plans.test_reports import _report_form
    for evidence_id in ("", str(file_id)):
        response = c.submit(url, {**_report_form(), "action": "save", "evidence_id": evidence_id})
        assert response.status_code == 302
        assert _files(app, plan_id) == [("minutes.pdf", file_id)]
    # the report's own Remove button posts the whole form, the widget's id with it: not put back
    from portal.action_plans.models import ReportFile
    with app.app_context():
        row = db.session.scalar(select(ReportFile.id))
    response = c.submit(url, {**_report_form(), "action": "remove-file-%d" % row,
                              "evidence_id": str(file_id)})
    assert response.status_code == 302 and _files(app, plan_id) == []
    done = send_with_widget(c, PDF, "minutes.pdf", "plan-evidence", form="%d/3" % plan_id)
    file_id = done.get_json()["file"]["id"]
    assert _files(app, plan_id) == [("minutes.pdf", file_id)]
    # the widget's Remove button, without JavaScript too: a POST to the URL the upload gave
    remove = done.get_json()["kept"]["remove_url"]
    assert c.submit(remove, {}, page=url).status_code == 302
    assert _files(app, plan_id) == []
    assert "120 streets mapped" in c.get(url).get_data(as_text=True)  # the text is untouched


def test_a_report_not_started_is_created_by_its_first_file(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    done = send_with_widget(c, PDF, "photo-log.pdf", "plan-evidence", form="%d/6" % plan_id)
    assert done.status_code == 200 and _files(app, plan_id, 6) == [("photo-log.pdf",
                                                                     done.get_json()["file"]["id"])]
    headers = {"X-CSRFToken": c.csrf_token("/"), "Accept": "application/json"}
    removed = c.post(done.get_json()["kept"]["remove_url"], headers=headers)
    assert removed.status_code == 200 and _files(app, plan_id, 6) == []


def test_nobody_else_can_attach_or_remove(app, world, accepted_plan, signin):
    c, plan_id = accepted_plan()
    peer = signin(world.peer)
    refused = send_with_widget(peer, PDF, "intrus.pdf", "plan-evidence", form="%d/3" % plan_id)
    assert refused.status_code == 404 and _files(app, plan_id) is None
    for bad in ("%d/4" % plan_id, "x/3", "%d" % plan_id):          # no such report
        assert send_with_widget(c, PDF, "a.pdf", "plan-evidence", form=bad).status_code == 404
    done = send_with_widget(c, PDF, "minutes.pdf", "plan-evidence", form="%d/3" % plan_id)
    remove = done.get_json()["kept"]["remove_url"]
    assert peer.submit(remove, {}, page="/").status_code == 404
    assert len(_files(app, plan_id)) == 1
    # a submitted report keeps its files
    from tests.action_plans.test_reports import _report_form
    c.submit("/action-plans/%d/reports/3" % plan_id, {**_report_form(), "action": "submit"})
    assert c.submit(remove, {}, page="/").status_code == 302
    assert len(_files(app, plan_id)) == 1
    late = send_with_widget(c, PDF, "late.pdf", "plan-evidence", form="%d/3" % plan_id)
    assert late.status_code == 409 and "submitted" in late.get_json()["error"]["message"]
