"""Which extension's dates hold is one rule (the latest decided granted one, then the latest
made), whether the deadline is read for one assignment (the work page), for many at once
(the calendar feed) or inside the query of the participant's list (the dashboard's "Due
next" and "My assignments")."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.assignments import page_data, services
from portal.assignments.models import GRANTED, REFUSED, REQUESTED, Assignment, Extension
from portal.auth.models import User
from portal.extensions import db


def _extension(world, user, state, due_days, decided_days_ago, now):
    return Extension(assignment_id=world.assignment_id, user_id=user.id, state=state,
                     due_at=now + timedelta(days=due_days), cutoff_at=None,
                     decided_at=None if decided_days_ago is None
                     else now - timedelta(days=decided_days_ago))


def _three_readings(user_id, assignment_id):
    user, assignment = db.session.get(User, user_id), db.session.get(Assignment, assignment_id)
    listed = {r["assignment"].id: r["deadline"] for r in page_data.my_assignments(user)}
    return (listed[assignment_id], services.deadline_for(assignment, user_id),
            services.deadlines_for([assignment], user_id)[assignment_id])


@pytest.mark.parametrize("tie", [False, True], ids=["decided-apart", "decided-together"])
def test_the_latest_decided_granted_extension_holds_however_it_is_read(app, world, tie):
    now = datetime.now(UTC).replace(microsecond=0)
    alice, bob = world.alice, world.bob
    with app.app_context():
        db.session.add_all([
            _extension(world, alice, GRANTED, 10, 1 if tie else 2, now),
            _extension(world, alice, GRANTED, 20, 1, now),       # decided last (or made last)
            _extension(world, alice, REFUSED, 30, 0, now),       # refused: its dates never hold
            _extension(world, alice, REQUESTED, 40, None, now),  # not answered yet
            _extension(world, bob, GRANTED, 50, 5, now)])        # someone else's
        db.session.commit()
        with app.test_request_context():
            for deadline in _three_readings(alice.id, world.assignment_id):
                assert deadline.extended
                assert deadline.due_at.date() == (now + timedelta(days=20)).date()
                assert deadline.cutoff_at is None
            for deadline in _three_readings(bob.id, world.assignment_id):
                assert deadline.due_at.date() == (now + timedelta(days=50)).date()


def test_without_a_granted_extension_the_assignments_dates_hold(app, world):
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add(_extension(world, world.alice, REFUSED, 30, 0, now))
        db.session.commit()
        assignment = db.session.get(Assignment, world.assignment_id)
        with app.test_request_context():
            for deadline in _three_readings(world.alice.id, world.assignment_id):
                assert not deadline.extended
                assert deadline.due_at == assignment.due_at
                assert deadline.cutoff_at == assignment.cutoff_at
