"""Action plans: drafts, submission, review, versions, revision after return, and the diff."""
from sqlalchemy import select

from portal.extensions import db


def _plan(app, plan_id):
    from portal.action_plans.models import ActionPlan
    with app.app_context():
        plan = db.session.get(ActionPlan, plan_id)
        return {"state": plan.state, "content": plan.content, "language": plan.language,
                "versions": [(v.number, v.status, v.reason) for v in plan.versions],
                "shared": plan.shared, "comments": [(c.section, c.body) for c in plan.comments]}


def test_author_writes_a_draft_without_javascript(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    page = c.get("/action-plans/%d/edit" % plan_id)
    assert page.status_code == 200 and b'name="activities-0-description"' in page.data
    plan_form["title"] = "Alerte précoce à Saint-Louis: l'été, la montée des eaux — ñandú"
    plan_form["language"] = "fr"
    response = c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "save"})
    assert response.status_code == 200
    state = _plan(app, plan_id)
    assert state["state"] == "draft" and state["language"] == "fr"
    assert state["content"]["title"] == plan_form["title"]
    assert [a["description"] for a in state["content"]["activities"]] == [
        "Map flood-prone streets with residents", "Run an evacuation drill"]
    assert state["versions"] == []


def test_add_and_remove_activity_are_submit_buttons(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    url = "/action-plans/%d/edit" % plan_id
    html = c.submit(url, {**plan_form, "action": "add"}).get_data(as_text=True)
    assert 'name="activities-2-description"' in html       # a third, empty row to fill
    assert "Run an evacuation drill" in html                # nothing typed is lost
    c.submit(url, {**plan_form, "action": "remove-0"})
    activities = _plan(app, plan_id)["content"]["activities"]
    assert [a["description"] for a in activities] == ["Run an evacuation drill"]


def test_autosave_answers_json_and_detects_a_stale_copy(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    token = c.csrf_token("/action-plans/%d/edit" % plan_id)
    url = "/action-plans/%d/autosave" % plan_id
    response = c.post(url, data={**plan_form, "csrf_token": token, "rev": "0"})
    assert response.status_code == 200 and response.json["rev"] == 1
    stale = c.post(url, data={**plan_form, "title": "older tab", "csrf_token": token,
                              "rev": "0"})
    assert stale.status_code == 409 and "another window" in stale.json["error"]
    assert _plan(app, plan_id)["content"]["title"] == plan_form["title"]


def test_submit_checks_required_sections_and_keeps_what_was_typed(app, world, start_plan,
                                                                   plan_form):
    c, plan_id = start_plan()
    plan_form.update(problem="", objectives="  ")
    response = c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Problem and background: this section is required." in html
    assert "Objectives: this section is required." in html
    assert plan_form["target_group"] in html and "Run an evacuation drill" in html
    assert _plan(app, plan_id)["state"] == "draft"


def test_activity_ending_before_it_starts_is_refused(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    plan_form["activities-1-end"] = "2026-03-01"
    response = c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    assert response.status_code == 400
    assert "Activity 2 ends (Mar 1, 2026) before it starts (Apr 1, 2026)." in \
        response.get_data(as_text=True)
    plan_form["activities-0-start"] = "10/01/2026"
    response = c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    assert "Enter the start date as YYYY-MM-DD." in response.get_data(as_text=True)
    assert 'value="10/01/2026"' in response.get_data(as_text=True)
    # A draft keeps it all the same, with the warning shown.
    response = c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "save"})
    assert response.status_code == 200 and "before it starts" in response.get_data(as_text=True)
    assert _plan(app, plan_id)["content"]["activities"][1]["end"] == "2026-03-01"


def test_review_return_resubmit_accept_and_freeze(app, world, start_plan, plan_form, signin,
                                                  mailbox):
    c, plan_id = start_plan()
    edit = "/action-plans/%d/edit" % plan_id
    assert c.submit(edit, {**plan_form, "action": "submit"}).status_code == 302
    assert mailbox.to(world.instructor.email), "instructors hear of a submitted plan"
    assert c.get(edit).status_code == 302  # under review: no editing
    assert c.submit(edit, {**plan_form, "action": "save"},
                    page="/action-plans/%d" % plan_id).status_code == 409
    staff = signin(world.instructor)
    view = "/action-plans/%d" % plan_id
    assert b'name="comment-objectives"' in staff.get(view).data
    response = staff.submit(view + "/review", {"decision": "return"}, page=view)
    assert response.status_code == 400  # returning needs a comment
    response = staff.submit(view + "/review", {"decision": "return",
                                               "comment-objectives": "Quantify this."},
                            page=view)
    assert response.status_code == 302
    assert _plan(app, plan_id)["state"] == "returned"
    assert "returned" in mailbox.to(world.author.email)[-1]["Subject"]
    assert "Quantify this." in c.get(edit).get_data(as_text=True)
    plan_form["objectives"] = "90% of districts get warnings within 30 minutes."
    assert c.submit(edit, {**plan_form, "action": "submit"}).status_code == 302
    staff.submit(view + "/review", {"decision": "accept"}, page=view)
    state = _plan(app, plan_id)
    assert state["state"] == "accepted"
    assert state["versions"] == [(1, "returned", None), (2, "accepted", None)]
    assert c.submit(edit, {**plan_form, "title": "x", "action": "save"},
                    page=view).status_code == 409
    # Deciding twice is a conflict, not a second decision.
    again = staff.submit(view + "/review", {"decision": "return", "comment-general": "x"},
                         page=view)
    assert again.status_code in (409, 302)
    assert _plan(app, plan_id)["state"] == "accepted"


def test_alumnus_revises_with_a_reason_making_a_new_version(app, world, accepted_plan,
                                                            plan_form):
    c, plan_id = accepted_plan()
    view = "/action-plans/%d" % plan_id
    response = c.submit(view + "/revise", {"reason": "  "}, page=view)
    assert response.status_code == 400 and "Say why the plan changes." in \
        response.get_data(as_text=True)
    assert c.submit(view + "/revise", {"reason": "The budget was halved."},
                    page=view).status_code == 302
    plan_form["activities-1-target"] = "1000"
    response = c.submit(view + "/edit", {**plan_form, "action": "submit"})
    assert response.status_code == 302
    state = _plan(app, plan_id)
    assert state["state"] == "accepted"
    assert state["versions"][-1] == (2, "accepted", "The budget was halved.")


def test_diff_between_versions_marks_changes_in_text(app, world, accepted_plan, plan_form):
    c, plan_id = accepted_plan()
    view = "/action-plans/%d" % plan_id
    c.submit(view + "/revise", {"reason": "Smaller drill"}, page=view)
    plan_form["activities-1-target"] = "1000"
    plan_form["risks"] = "Budget cuts and floods during the drill."
    c.submit(view + "/edit", {**plan_form, "action": "submit"})
    html = c.get(view + "/diff?from=1&to=2").get_data(as_text=True)
    assert "<del><span class=\"diff-marker\">[removed: </span>2000" in html
    assert "<ins><span class=\"diff-marker\">[added: </span>1000" in html
    assert "and floods during the drill." in html
    assert "(unchanged)" in html  # the objectives did not change
    assert c.get(view + "/diff?from=1&to=9").status_code == 404


def test_comment_without_decision_and_empty_comment(app, world, start_plan, plan_form,
                                                    signin):
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    staff = signin(world.instructor)
    view = "/action-plans/%d" % plan_id
    assert staff.submit(view + "/review", {"decision": "comment"}, page=view).status_code == 400
    assert staff.submit(view + "/review", {"decision": "bogus", "comment-risks": "x"},
                        page=view).status_code == 400
    staff.submit(view + "/review", {"decision": "comment", "comment-risks": "Think of floods."},
                 page=view)
    assert _plan(app, plan_id)["comments"] == [("risks", "Think of floods.")]
    assert _plan(app, plan_id)["state"] == "submitted"


def test_printable_view_and_pdf(app, world, accepted_plan):
    c, plan_id = accepted_plan()
    html = c.get("/action-plans/%d/versions/1" % plan_id).get_data(as_text=True)
    assert "Samuel Osei" in html and "DRR-TEST" in html and "Ghana" in html
    response = c.get("/action-plans/%d/versions/1/pdf" % plan_id)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert b"Samuel Osei" in response.data  # the document's author
    assert c.get("/action-plans/%d/versions/2/pdf" % plan_id).status_code == 404


def test_pdf_renders_accents_in_the_plans_language(app, world, start_plan, plan_form, signin):
    from portal.action_plans import pdf
    from portal.action_plans.models import ActionPlan
    c, plan_id = start_plan()
    plan_form.update(language="es", title="Reducción del riesgo: señales en Cochabamba",
                     problem="Inundaciones en época de lluvias; œuvre, café, niño.")
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    with app.test_request_context():
        version = db.session.get(ActionPlan, plan_id).versions[0]
        data = pdf.render(version)
    assert data.startswith(b"%PDF")
    if pdf.find_font(None):
        assert b"/FontFile2" in data  # a Unicode TrueType font is embedded
    else:  # the core-font fallback still encodes Latin-1 accents
        assert "Reducción".encode("latin-1") in data or b"/Helvetica" in data


def test_pdf_falls_back_to_a_core_font(app, world, accepted_plan, monkeypatch):
    from portal.action_plans import pdf
    c, plan_id = accepted_plan()
    monkeypatch.setattr(pdf, "find_font", lambda configured=None: None)
    response = c.get("/action-plans/%d/versions/1/pdf" % plan_id)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_start_refuses_someone_elses_or_nominated_enrollment(app, world, signin):
    from portal.courses.models import Enrollment
    c = signin(world.author)
    assert c.submit("/action-plans/start/%d" % world.peer_enrollment,
                    page="/action-plans").status_code == 404
    with app.app_context():
        e = db.session.get(Enrollment, world.author_enrollment)
        e.status = "nominated"
        db.session.commit()
    assert c.submit("/action-plans/start/%d" % world.author_enrollment,
                    page="/action-plans").status_code == 404


def test_starting_twice_gives_the_same_plan(app, world, start_plan, signin):
    from portal.action_plans.models import ActionPlan
    c, plan_id = start_plan()
    again = c.submit("/action-plans/start/%d" % world.author_enrollment, page="/action-plans")
    assert again.headers["Location"].endswith("/action-plans/%d/edit" % plan_id)
    with app.app_context():
        assert len(db.session.scalars(select(ActionPlan)).all()) == 1


def test_duplicate_or_odd_activity_keys_are_replaced(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    plan_form["activities-1-key"] = "a1"
    plan_form["activities-0-key"] = "../x"
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "save"})
    keys = [a["key"] for a in _plan(app, plan_id)["content"]["activities"]]
    assert len(set(keys)) == 2 and "../x" not in keys


def test_huge_or_many_activities_are_bounded(app, world, start_plan, plan_form):
    c, plan_id = start_plan()
    many = {"activities-%d-description" % i: "step %d" % i for i in range(60)}
    response = c.submit("/action-plans/%d/edit" % plan_id,
                        {**many, "title": "x" * 30000, "action": "save"})
    assert response.status_code == 200
    content = _plan(app, plan_id)["content"]
    assert len(content["activities"]) == 40 and len(content["title"]) == 20000
