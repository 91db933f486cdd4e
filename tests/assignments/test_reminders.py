"""`flask send-reminders`: 7 days, 1 day before and once overdue, never twice, in the
participant's language, not to those who handed in; extensions move the deadline."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.assignments.models import Assignment, Extension, SentReminder, Submission
from portal.assignments.reminders import event_for, send_reminders
from portal.extensions import db


def _set_due(app, world, due, cutoff=None):
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        a.due_at, a.cutoff_at = due, cutoff
        db.session.commit()


def _run(app, now):
    with app.app_context():
        from portal import jobs
        n = send_reminders(now)
        jobs.commit()
        return n


def test_event_windows():
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert event_for(now + timedelta(days=6), None, now) == "7d"
    assert event_for(now + timedelta(days=8), None, now) is None
    assert event_for(now + timedelta(hours=20), None, now) == "1d"
    assert event_for(now - timedelta(hours=1), None, now) == "overdue"
    assert event_for(now - timedelta(hours=1), now - timedelta(minutes=1), now) is None
    assert event_for(now - timedelta(days=40), None, now) is None


def test_reminders_never_twice_and_in_each_language(app, world, mailbox, runner):
    now = datetime.now(UTC)
    _set_due(app, world, now + timedelta(days=5))
    assert _run(app, now) == 2
    assert mailbox.to(world.alice.email)[-1]["Subject"] == \
        "À remettre dans une semaine : Rapport pays"
    assert mailbox.to(world.bob.email)[-1]["Subject"] == "Vence en una semana: Informe de país"
    assert _run(app, now + timedelta(hours=1)) == 0  # the next hourly run: nothing again
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "sent 0 reminders" in result.output
    assert _run(app, now + timedelta(days=4, hours=12)) == 2  # one day before
    assert _run(app, now + timedelta(days=5, hours=1)) == 2   # overdue, once
    assert _run(app, now + timedelta(days=5, hours=2)) == 0
    assert len(mailbox.to(world.alice.email)) == 3


def test_no_reminder_to_who_handed_in_and_extension_moves_it(app, world, mailbox):
    now = datetime.now(UTC)
    _set_due(app, world, now + timedelta(hours=10))
    with app.app_context():
        db.session.add(Submission(assignment_id=world.assignment_id, user_id=world.alice.id,
                                  state="submitted", submitted_at=now))
        db.session.add(Extension(assignment_id=world.assignment_id, user_id=world.bob.id,
                                 state="granted", due_at=now + timedelta(days=5),
                                 decided_at=now))
        db.session.commit()
    assert _run(app, now) == 1
    assert mailbox.to(world.alice.email) == []
    assert "una semana" in mailbox.to(world.bob.email)[-1]["Subject"]  # 7d of the new date
    with app.app_context():
        assert db.session.scalar(select(func.count(SentReminder.id))) == 1


def test_relative_deadlines_follow_the_departure(app, world):
    from datetime import date

    from portal.assignments.services import refresh_relative_deadlines
    from portal.courses.models import Course
    from portal.dates import add_months, due_after_departure
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        a.due_months_after_departure = 6
        course = db.session.get(Course, world.course_id)
        course.departure = date(2027, 1, 31)
        assert [moved for moved, _ in refresh_relative_deadlines(course)] == [a]
        db.session.commit()
        assert a.due_at == due_after_departure(date(2027, 1, 31), 6)
        assert a.due_at == datetime(2027, 7, 31, 14, 59, tzinfo=UTC)  # 23:59 JST
