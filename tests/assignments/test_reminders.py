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
    # The subject says the time really left, in the reader's language.
    assert mailbox.to(world.alice.email)[-1]["Subject"] == \
        "À remettre dans 5\xa0jours : Rapport pays"
    assert mailbox.to(world.bob.email)[-1]["Subject"] == "Vence en 5 días: Informe de país"
    assert _run(app, now + timedelta(hours=1)) == 0  # the next hourly run: nothing again
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "0 reminders queued; 0 delivered" in result.output
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
    assert "Vence en 5 días" in mailbox.to(world.bob.email)[-1]["Subject"]  # 7d of the new date
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


# ---------------------------------------------------------------- issue 15: honest and sensible

DOWN = "smtp://127.0.0.1:9"  # nothing listens there


def test_smtp_down_during_reminders_then_back_each_delivered_exactly_once(app, world, mailbox,
                                                                         runner):
    import time
    _set_due(app, world, datetime.now(UTC) + timedelta(days=5))
    app.config.update(MAIL_URL=DOWN, MAIL_RETRY_FIRST=1.0)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1   # nothing could be delivered: cron reports a failure
    assert "2 reminders queued; 0 delivered, 2 waiting to retry (SMTP: ConnectionRefused" \
        in result.output
    with app.app_context():        # recorded with the mail that carries it
        rows = db.session.scalars(select(SentReminder)).all()
        assert len(rows) == 2 and all(r.mail_id for r in rows)
    app.config["MAIL_URL"] = mailbox.url
    time.sleep(1.1)                # the retries are due
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "0 reminders queued; 0 delivered" in result.output   # not queued a second time
    assert "earlier mail: 2 delivered" in result.output         # but the waiting ones went
    result = runner.invoke(args=["send-reminders"])
    assert "earlier mail" not in result.output
    assert len(mailbox.to(world.alice.email)) == 1 and len(mailbox.to(world.bob.email)) == 1


def test_the_subject_says_the_real_time_left(app, world, mailbox):
    now = datetime.now(UTC)
    _set_due(app, world, now + timedelta(hours=20, minutes=30))
    assert _run(app, now) == 2
    assert mailbox.to(world.alice.email)[-1]["Subject"] == \
        "À remettre dans 20\xa0heures : Rapport pays"
    assert mailbox.to(world.bob.email)[-1]["Subject"] == "Vence en 20 horas: Informe de país"
    assert "vence en 20 horas" in mailbox.to(world.bob.email)[-1].get_content()


def test_no_reminder_to_a_nominee_who_has_not_accepted_the_invitation(app, world, mailbox,
                                                                     make_user):
    from portal.courses.models import Enrollment
    nominee = make_user("participant", password=None, email="nominee@example.org")
    with app.app_context():
        db.session.add(Enrollment(course_id=world.course_id, user_id=nominee.id,
                                  status="nominated"))
        db.session.commit()
    _set_due(app, world, datetime.now(UTC) + timedelta(days=5))
    assert _run(app, datetime.now(UTC)) == 2          # alice and bob, not the nominee
    assert mailbox.to("nominee@example.org") == []


def test_never_overdue_for_a_deadline_that_passed_before_the_enrollment(app, world, mailbox):
    from portal.courses.models import Enrollment
    now = datetime.now(UTC)
    _set_due(app, world, now - timedelta(hours=3))
    with app.app_context():   # alice was enrolled an hour ago, after it; bob, days before
        for user, enrolled_at in ((world.alice, now - timedelta(hours=1)),
                                  (world.bob, now - timedelta(days=2))):
            db.session.scalar(select(Enrollment).where(
                Enrollment.user_id == user.id, Enrollment.course_id == world.course_id)
            ).created_at = enrolled_at
        db.session.commit()
    assert _run(app, now) == 1
    assert mailbox.to(world.alice.email) == []
    assert mailbox.to(world.bob.email)[-1]["Subject"] == "Vencida: Informe de país"
    assert event_for(now - timedelta(hours=3), None, now, now - timedelta(hours=1)) is None
    assert event_for(now - timedelta(hours=3), None, now, now - timedelta(days=1)) == "overdue"
