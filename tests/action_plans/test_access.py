"""Someone else's plan on every route, and the sharing rules."""
import io

import pytest
from sqlalchemy import select

from portal.extensions import db


@pytest.fixture
def full_plan(app, world, accepted_plan):
    """An accepted plan (version 1) with a revision (version 2), a submitted report with
    evidence: every route that takes an id has something to find."""
    c, plan_id = accepted_plan()
    view = "/action-plans/%d" % plan_id
    c.submit(view + "/revise", {"reason": "New budget"}, page=view)
    c.submit(view + "/edit", {"language": "en", "title": "Revised", "problem": "p",
                              "objectives": "o", "target_group": "t",
                              "activities-0-key": "a1", "activities-0-description": "d",
                              "activities-0-responsible": "r", "activities-0-start": "2026-01-01",
                              "activities-0-end": "2026-02-01", "activities-0-indicator": "i",
                              "action": "submit"})
    url = view + "/reports/3"
    token = c.csrf_token(url)
    c.post(url, data={"csrf_token": token, "language": "en", "activity-a1-status": "done",
                      "activity-a1-percent": "100", "achievements": "a", "applied": "b",
                      "action": "submit",
                      "evidence": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "e.pdf")},
              content_type="multipart/form-data")
    from portal.action_plans.models import ReportFile
    with app.app_context():
        file_id = db.session.scalar(select(ReportFile.file_id))
    assert file_id is not None
    return c, plan_id, file_id


def _get_routes(plan_id, file_id):
    base = "/action-plans/%d" % plan_id
    return [base, base + "/versions/1", base + "/versions/1/pdf", base + "/diff?from=1&to=2",
            base + "/reports/3", base + "/reports/3/files/%d" % file_id]


def _post_routes(plan_id):
    base = "/action-plans/%d" % plan_id
    return [base + "/edit", base + "/autosave", base + "/revise", base + "/revise/cancel",
            base + "/sharing", base + "/review", base + "/reports/3"]


@pytest.mark.parametrize("who", ["peer", "outsider", "stranger"])
def test_someone_elses_plan_is_not_found_on_every_route(app, world, full_plan, signin, who):
    c, plan_id, file_id = full_plan
    other = signin(getattr(world, who))
    for url in [*_get_routes(plan_id, file_id), "/action-plans/%d/edit" % plan_id]:
        response = other.get(url)
        assert response.status_code in (403, 404), (who, url, response.status_code)
    token = other.csrf_token("/")
    for url in _post_routes(plan_id):
        response = other.post(url, data={"csrf_token": token, "title": "hijack",
                                         "decision": "accept", "reason": "x", "shared": "1",
                                         "comment-general": "x", "achievements": "x"})
        assert response.status_code in (403, 404), (who, url, response.status_code)
    from portal.action_plans.models import ActionPlan
    with app.app_context():
        plan = db.session.get(ActionPlan, plan_id)
        assert plan.shared is False and plan.content["title"] == "Revised"
        assert [c.body for c in plan.comments] == ["Good plan."]


def test_anonymous_is_sent_to_sign_in(app, world, full_plan, client):
    c, plan_id, file_id = full_plan
    for url in _get_routes(plan_id, file_id):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_someone_elses_course_table_is_not_found(app, world, signin):
    outsider = signin(world.outsider)
    assert outsider.get("/action-plans/courses/%d" % world.course).status_code == 404
    assert outsider.get("/action-plans/courses/%d" % world.other_course).status_code == 200
    assert outsider.get("/action-plans/courses/999999").status_code == 404
    assert signin(world.author).get("/action-plans/courses/%d" % world.course).status_code == 403


def test_instructor_sees_their_course_table(app, world, full_plan, signin):
    c, plan_id, _file = full_plan
    html = signin(world.instructor).get("/action-plans/courses/%d" % world.course) \
        .get_data(as_text=True)
    assert "Samuel Osei" in html and "Revised" in html and "1 of 1" in html
    assert "Carlos Mendoza" in html  # enrolled, plan not started


def test_instructor_of_another_course_may_not_review(app, world, start_plan, plan_form, signin):
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    outsider = signin(world.outsider)
    token = outsider.csrf_token("/")
    response = outsider.post("/action-plans/%d/review" % plan_id,
                             data={"csrf_token": token, "decision": "accept"})
    assert response.status_code == 404
    participant = signin(world.peer)
    response = participant.post("/action-plans/%d/review" % plan_id,
                                data={"csrf_token": participant.csrf_token("/"),
                                      "decision": "accept"})
    assert response.status_code == 403


def test_a_draft_stays_with_its_author(app, world, start_plan, plan_form, signin):
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "save"})
    html = signin(world.instructor).get("/action-plans/%d" % plan_id).get_data(as_text=True)
    assert "has not submitted this plan yet" in html and plan_form["problem"] not in html


def test_sharing_shows_the_accepted_version_to_alumni_only(app, world, full_plan, signin):
    c, plan_id, file_id = full_plan
    view = "/action-plans/%d" % plan_id
    peer = signin(world.peer)
    stranger = signin(world.stranger)
    assert "Community early-warning" not in peer.get("/practice?q=early").get_data(as_text=True)
    c.submit(view + "/sharing", {"shared": "1"}, page=view)
    found = peer.get("/practice?q=REVISED").get_data(as_text=True)
    assert "Revised" in found  # the latest accepted version (the revision) is searched
    assert "Revised" not in peer.get("/practice?q=accra").get_data(as_text=True)
    assert "Revised" not in peer.get("/practice?q=nothing-like-this").get_data(as_text=True)
    assert "Revised" in peer.get("/practice?subject=disaster-risk-reduction").get_data(
        as_text=True)
    assert "Revised" not in peer.get("/practice?subject=education").get_data(as_text=True)
    page = peer.get(view)
    assert page.status_code == 200 and b"Good plan." not in page.data  # comments stay private
    assert peer.get(view + "/versions/2/pdf").status_code == 200
    assert peer.get(view + "/reports/3").status_code == 404  # reports stay private
    assert peer.get(view + "/reports/3/files/%d" % file_id).status_code == 404
    # Not yet an alumnus: the collection is closed and the plan unreachable.
    assert "opens to you when you become an alumnus" in stranger.get("/practice") \
        .get_data(as_text=True)
    assert stranger.get(view).status_code == 404
    c.submit(view + "/sharing", {"shared": "0"}, page=view)
    assert peer.get(view).status_code == 404


def test_sharing_a_plan_never_accepted_shows_nothing(app, world, start_plan, plan_form,
                                                     signin):
    c, plan_id = start_plan()
    c.submit("/action-plans/%d/edit" % plan_id, {**plan_form, "action": "submit"})
    view = "/action-plans/%d" % plan_id
    c.submit(view + "/sharing", {"shared": "1"}, page=view)
    peer = signin(world.peer)
    assert peer.get(view).status_code == 404
    assert "Community early-warning" not in peer.get("/practice").get_data(as_text=True)


def test_sql_wildcards_in_search_are_literal(app, world, full_plan, signin):
    c, plan_id, _file = full_plan
    view = "/action-plans/%d" % plan_id
    c.submit(view + "/sharing", {"shared": "1"}, page=view)
    peer = signin(world.peer)
    assert "Revised" not in peer.get("/practice?q=%25").get_data(as_text=True)
    assert "Revised" not in peer.get("/practice?q=_").get_data(as_text=True)
