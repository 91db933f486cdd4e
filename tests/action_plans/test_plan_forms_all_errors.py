"""The action-plan forms in the table of forms posted with every field wrong at once (issue 18,
``tests/foundation/test_forms_all_errors.py``): the editor, the progress report and the
plan's review, each checked by the same rules (one summary naming every problem, each beside
its field, what was typed given back)."""
from __future__ import annotations

import pytest

from tests.foundation.test_forms_all_errors import Case, said_at_once


def _editor(app, world, start_plan, accepted_plan, plan_form, signin):
    """A required section left empty and an activity ending before it starts."""
    c, plan_id = start_plan()
    data = {**plan_form, "action": "submit", "problem": "", "activities-1-end": "2026-03-01",
            "risks": "Kept risks"}
    return Case(c, "/action-plans/%d/edit" % plan_id, data,
                summary=["Problem and background: this section is required.",
                         "Activity 2 ends (Mar 1, 2026) before it starts (Apr 1, 2026)."],
                beside={"problem": "this section is required.",
                        "activities-1-end": "Activity 2 ends"},
                kept=["Kept risks", 'value="2026-03-01"'])


def _report(app, world, start_plan, accepted_plan, plan_form, signin):
    """No achievements, a percentage that is not a number, no status for the second activity."""
    c, plan_id = accepted_plan()
    return Case(c, "/action-plans/%d/reports/3" % plan_id, {
        "language": "en", "action": "submit", "achievements": "",
        "activity-a1-status": "done", "activity-a1-percent": "lots",
        "activity-a2-status": "", "activity-a2-percent": "40",
        "challenges": "Kept challenges", "applied": "Hazard maps."},
        summary=["Describe what has been achieved so far.",
                 "Enter a whole number from 0 to 100 for"],
        beside={"achievements": "Describe what has been achieved so far.",
                "activity-a1-percent": "Enter a whole number from 0 to 100 for"},
        kept=["Kept challenges", 'value="lots"'])


def _review(app, world, start_plan, accepted_plan, plan_form, signin):
    """Returned without a word: the reviewer's comments are required."""
    c, plan_id = start_plan()
    assert c.submit("/action-plans/%d/edit" % plan_id,
                    {**plan_form, "action": "submit"}).status_code == 302
    staff = signin(world.instructor)
    view = "/action-plans/%d" % plan_id
    return Case(staff, view + "/review", {"decision": "return", "comment-general": " "},
                page=view, summary=["Say what should change before returning the plan."],
                beside={"comment-general": "Say what should change"})


CASES = [_editor, _report, _review]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_every_problem_of_a_plan_form_is_said_at_once(app, world, start_plan, accepted_plan,
                                                       plan_form, signin, make):
    said_at_once(make(app, world, start_plan, accepted_plan, plan_form, signin))
