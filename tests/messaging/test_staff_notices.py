"""Staff notifications (issue 17.4): a hand-in, a resubmission and an extension request reach
the course's instructors and coordinators as each chose (at once, a daily digest, never), in
their language, through the outbox; never twice; nothing for an event that was rolled back."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal import jobs
from portal.assignments import deadline_extensions, services as assignments
from portal.assignments.models import Assignment
from portal.auth.models import User
from portal.extensions import db
from portal.messaging import notices
from portal.messaging.models import StaffDigest, StaffNotice


def _text_only(app, world) -> None:
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        a.asks, a.statement = "text", {}
        db.session.commit()


def _hand_in(app, world, person, text="My country report", commit=True) -> None:
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        assignments.submit(a, db.session.get(User, person.id), text, False)
        if commit:
            jobs.commit()
        else:
            db.session.rollback()


def _count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_instructor_at_once_coordinator_in_one_digest_a_day(app, world, mailbox, runner):
    _text_only(app, world)
    with app.app_context():
        db.session.get(User, world.coordinator.id).language = "fr"
        db.session.commit()
    _hand_in(app, world, world.alice)
    [mail] = mailbox.to(world.instructor.email)  # instructors: at once, by default
    assert mail["Subject"] == "Work handed in: Country report (FISH-1)"
    assert "Aminata Diallo handed in \"Country report\"." in mail.get_content()
    assert "/assignments/course/%d/queue" % world.course_id in mail.get_content()
    assert mailbox.to(world.coordinator.email) == []  # coordinators: the daily digest
    assert mailbox.to(world.other_instructor.email) == []  # not staff of this course
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        deadline_extensions.request_extension(a, db.session.get(User, world.bob.id),
                                              "Flood at home", None)
        jobs.commit()
    assert mailbox.to(world.instructor.email)[-1]["Subject"] == \
        "Extension request: Country report (FISH-1)"
    result = runner.invoke(args=["send-staff-digest"])
    assert result.exit_code == 0 and "1 digests queued; 1 delivered" in result.output
    [digest] = mailbox.to(world.coordinator.email)
    assert digest["Subject"] == "Nouveaux travaux dans vos cours : 2 événements"
    body = digest.get_content()
    assert "Aminata Diallo a remis « Rapport pays »." in body
    assert "Carlos Mendoza demande plus de temps pour « Rapport pays »." in body
    assert "/assignments/%d/extensions" % world.assignment_id in body
    assert "0 digests queued" in runner.invoke(args=["send-staff-digest"]).output  # not twice
    _hand_in(app, world, world.bob)  # later the same day: it waits for tomorrow's digest
    with app.app_context():
        assert notices.send_digests() == 0
        jobs.commit()
        assert notices.send_digests(datetime.now(UTC) + timedelta(days=1)) == 1
        jobs.commit()
        assert notices.send_digests(datetime.now(UTC) + timedelta(days=1)) == 0
    assert len(mailbox.to(world.coordinator.email)) == 2
    assert "Carlos Mendoza a remis" in mailbox.to(world.coordinator.email)[-1].get_content()
    assert len(mailbox.to(world.instructor.email)) == 3  # one mail per event
    assert _count(app, StaffDigest) == 2
    assert _count(app, StaffNotice, delivery="digest", digest_id=None) == 0


def test_choices_on_the_account_page_resubmission_and_rollback(app, world, mailbox,
                                                               signed_in):
    _text_only(app, world)
    instructor, coordinator = signed_in(world.instructor), signed_in(world.coordinator)
    page = instructor.get("/account").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="immediate"', page)  # instructors' default
    assert re.search(r'<input checked[^>]*value="digest"',
                     coordinator.get("/account").get_data(as_text=True))
    saved = instructor.submit("/account/notifications", {"delivery": "off"}, page="/account")
    assert saved.status_code == 303
    assert coordinator.submit("/account/notifications", {"delivery": "immediate"},
                              page="/account").status_code == 303
    assert instructor.submit("/account/notifications", {"delivery": "loud"},
                             page="/account").status_code == 400
    _hand_in(app, world, world.alice, commit=False)  # rolled back: no notice, no mail
    assert _count(app, StaffNotice) == 0 and mailbox.messages == []
    _hand_in(app, world, world.alice)
    with app.app_context():
        submission = assignments.find_submission(
            db.session.get(Assignment, world.assignment_id), world.alice.id)
        assignments.review(submission, db.session.get(User, world.instructor.id), "returned",
                           "Add your catches.")
        jobs.commit()
    _hand_in(app, world, world.alice, text="My country report, with catches")
    subjects = [m["Subject"] for m in mailbox.to(world.coordinator.email)]
    assert subjects == ["Work handed in: Country report (FISH-1)",
                        "Work handed in again: Country report (FISH-1)"]
    assert "after it was returned" in mailbox.to(world.coordinator.email)[-1].get_content()
    assert mailbox.to(world.instructor.email) == []  # turned off
    # A digest reader who turns them off does not get the ones waiting either.
    coordinator.submit("/account/notifications", {"delivery": "digest"}, page="/account")
    with app.app_context():
        a = db.session.get(Assignment, world.assignment_id)
        deadline_extensions.request_extension(a, db.session.get(User, world.bob.id), "Ill",
                                              None)
        jobs.commit()
    assert _count(app, StaffNotice, delivery="digest", digest_id=None) == 1
    coordinator.submit("/account/notifications", {"delivery": "off"}, page="/account")
    assert _count(app, StaffNotice, delivery="digest", digest_id=None) == 0
    with app.app_context():
        assert notices.send_digests() == 0
    participant = signed_in(world.alice)
    assert 'id="notifications"' not in participant.get("/account").get_data(as_text=True)
