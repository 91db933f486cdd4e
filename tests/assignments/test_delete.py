"""Deleting an assignment made by mistake: the course's staff only, after a page that asks;
refused (409, said in the reader's language) once a participant has started it or asked for
more time, so nothing anyone wrote or sent is lost; recorded in the audit log."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db


def _count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def test_staff_delete_an_assignment_nobody_started_after_being_asked(app, world, signed_in):
    from portal.assignments.models import Assignment, SentReminder
    from portal.audit import AuditEntry
    with app.app_context():
        db.session.add(SentReminder(assignment_id=world.assignment_id, user_id=world.alice.id,
                                    kind="7d", due_at=db.session.get(
                                        Assignment, world.assignment_id).due_at))
        db.session.commit()
    tanaka = signed_in(world.instructor)
    url = "/assignments/%d/delete" % world.assignment_id
    page = tanaka.get(url)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Nobody has started it yet" in body and "Country report" in body
    assert _count(app, Assignment, id=world.assignment_id) == 1   # asking deletes nothing
    answer = tanaka.submit(url, {})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/assignments/course/%d" % world.course_id)
    assert _count(app, Assignment, id=world.assignment_id) == 0
    assert _count(app, SentReminder, assignment_id=world.assignment_id) == 0
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "assignment.delete")).one()
        assert entry.actor_id == world.instructor.id and entry.target_id == world.assignment_id
        assert entry.details["code"] == "FISH-1" and entry.details["title"] == "Country report"
    assert "The assignment is deleted." in tanaka.get(answer.headers["Location"]).get_data(
        as_text=True)


def test_an_assignment_someone_started_is_never_deleted(app, world, signed_in, quick_user):
    """A draft is typed work: the page says why it cannot be deleted (in French for a French
    coordinator), and a post is refused with 409; the draft is still there."""
    from portal.assignments.models import Assignment, Submission
    with app.app_context():
        db.session.add(Submission(assignment_id=world.assignment_id, user_id=world.alice.id,
                                  state="draft"))
        db.session.commit()
    french = quick_user("coordinator", language="fr")
    with app.app_context():
        from portal.courses.models import CourseCoordinator
        db.session.add(CourseCoordinator(course_id=world.course_id, user_id=french.id))
        db.session.commit()
    sato = signed_in(french)
    url = "/assignments/%d/delete" % world.assignment_id
    page = sato.get(url).get_data(as_text=True)
    assert "1 participant a commencé ce travail ou demandé un délai" in page
    assert 'action="%s"' % url not in page                 # no button offered
    refused = sato.submit(url, {}, page="/assignments/%d/edit" % world.assignment_id)
    assert refused.status_code == 409
    assert "ne peut pas être supprimé" in refused.get_data(as_text=True)
    assert _count(app, Assignment, id=world.assignment_id) == 1
    assert _count(app, Submission, assignment_id=world.assignment_id) == 1


def test_an_extension_request_keeps_the_assignment_too(app, world, signed_in):
    from datetime import UTC, datetime

    from portal.assignments.models import Assignment, Extension
    with app.app_context():
        db.session.add(Extension(assignment_id=world.assignment_id, user_id=world.bob.id,
                                 state="requested", reason="Mi hija nació ayer.",
                                 requested_at=datetime.now(UTC)))
        db.session.commit()
    refused = signed_in(world.coordinator).submit(
        "/assignments/%d/delete" % world.assignment_id, {},
        page="/assignments/%d/edit" % world.assignment_id)
    assert refused.status_code == 409
    assert _count(app, Assignment, id=world.assignment_id) == 1
    assert _count(app, Extension, assignment_id=world.assignment_id) == 1


def test_staff_of_another_course_and_participants_cannot_delete(app, world, signed_in):
    from portal.assignments.models import Assignment
    url = "/assignments/%d/delete" % world.assignment_id
    other = signed_in(world.other_instructor)
    assert other.get(url).status_code in (403, 404)
    assert signed_in(world.alice).get(url).status_code == 403
    assert _count(app, Assignment, id=world.assignment_id) == 1
