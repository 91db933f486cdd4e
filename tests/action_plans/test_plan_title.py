"""A plan's title is read in Python from a loaded plan and in SQL by the lists that show only
titles (the dashboards' panels): both readings must give the same text."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.action_plans.models import ActionPlan, PlanVersion
from portal.courses.models import Enrollment
from portal.extensions import db
from tests.performance.test_query_counts import _course

CONTENTS = [
    {"title": "Réduire les déchets à Dakar — phase 1", "problem": "x" * 5000},
    {"title": "Agua potable: 漢字 y ñ \"entre comillas\" \\ barra"},
    {"title": ""},
    {"title": None},
    {"problem": "no title yet"},
    {},
]


@pytest.mark.parametrize("content", CONTENTS)
def test_the_title_read_in_sql_is_the_title_read_in_python(app, make_user, content):
    person = make_user("participant")
    with app.app_context():
        course = _course("TITLE-%d" % person.id)
        enrollment = Enrollment(course_id=course.id, user_id=person.id, status="in_progress")
        db.session.add(enrollment)
        db.session.flush()
        plan = ActionPlan(enrollment_id=enrollment.id, content=content)
        plan.versions.append(PlanVersion(number=1, language="fr", content=content))
        db.session.add(plan)
        db.session.commit()
        expected, plan_id = content.get("title") or "", plan.id
        db.session.expunge_all()
        assert db.session.scalar(select(ActionPlan.title).where(ActionPlan.id == plan_id)) \
            == expected
        assert db.session.scalar(select(PlanVersion.title).where(
            PlanVersion.plan_id == plan_id)) == expected
        assert db.session.get(ActionPlan, plan_id).title == expected
