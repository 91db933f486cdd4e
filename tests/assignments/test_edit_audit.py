"""Assignments made and changed by staff are in the audit log (as courses are): who, when, the
course, the title and the fields that changed; a form sent back unchanged records nothing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from tests.foundation.test_form_protection import _Fields


def _entries(app, action):
    from portal.audit import AuditEntry
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                       .order_by(AuditEntry.id)))


def _as_sent(client, url) -> MultiDict:
    """The edit form's fields as a browser sends them untouched (a textarea's first line
    break is the markup's, not the text's)."""
    parser = _Fields("")
    parser.feed(client.get(url).get_data(as_text=True))
    return MultiDict([(name, value[2:] if value.startswith("\r\n") else value)
                      for name, value in parser.fields])


def test_changes_to_an_assignment_are_recorded_with_the_fields_changed(app, world, signed_in):
    from portal.assignments.models import Assignment
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    with app.app_context():  # whole minutes, as the form has them
        assignment = db.session.get(Assignment, world.assignment_id)
        assignment.opens_at, assignment.due_at = minute - timedelta(days=5), minute + timedelta(3)
        assignment.cutoff_at = minute + timedelta(days=6)
        db.session.commit()
    tanaka = signed_in(world.instructor)
    url = "/assignments/%d/edit" % world.assignment_id
    unchanged = _as_sent(tanaka, url)
    assert tanaka.post(url, data=unchanged).status_code == 302
    assert _entries(app, "assignment.update") == []   # saved as it was: nothing to record
    changed = _as_sent(tanaka, url)
    changed["max_files"], changed["title_en"] = "4", "Country report (revised)"
    assert tanaka.post(url, data=changed).status_code == 302
    [entry] = _entries(app, "assignment.update")
    assert entry.actor_id == world.instructor.id and entry.target_id == world.assignment_id
    assert entry.details == {"code": "FISH-1", "title": "Country report (revised)",
                             "fields": ["max_files", "title"]}


def test_a_new_assignment_is_recorded(app, world, signed_in):
    sato = signed_in(world.coordinator)
    url = "/assignments/course/%d/new" % world.course_id
    form = _as_sent(sato, url)
    opens = datetime.now(UTC) + timedelta(days=1)
    for name, value in {"title_en": "Field visit notes", "instructions_en": "Two pages.",
                 "phase": "in-japan", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
                 "due_mode": "fixed",
                 "due_at": (opens + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")}.items():
        form[name] = value
    assert sato.post(url, data=form).status_code == 302
    [entry] = _entries(app, "assignment.create")
    assert entry.actor_id == world.coordinator.id
    assert entry.details["code"] == "FISH-1" and entry.details["title"] == "Field visit notes"
