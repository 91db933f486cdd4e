"""Issue 16.4: a draft's attachments are its author's own until handed in, through the generic
/files/<id> route as through /assignments/files/<link> (one rule: assignments.access)."""
import io

from sqlalchemy import select

from portal.assignments.models import Submission
from portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _draft(app, world, signed_in):
    bob = signed_in(world.bob)
    bob.submit("/assignments/%d" % world.assignment_id,
               {"text": "brouillon", "action": "draft", "file": (io.BytesIO(PDF), "b.pdf")})
    with app.app_context():
        link = db.session.scalar(select(Submission)).current.attachments[0]
        return bob, link.id, link.file_id


def test_course_staff_cannot_read_a_draft_attachment_by_file_id(app, world, signed_in):
    bob, link_id, file_id = _draft(app, world, signed_in)
    tanaka = signed_in(world.instructor)
    assert tanaka.get("/assignments/files/%d" % link_id).status_code == 404
    assert tanaka.get("/files/%d" % file_id).status_code == 404
    assert tanaka.get("/files/%d?download" % file_id).status_code == 404
    # the author has it both ways
    assert bob.get("/assignments/files/%d" % link_id).status_code == 200
    assert bob.get("/files/%d" % file_id).status_code == 200


def test_once_handed_in_staff_read_it_by_either_route(app, world, signed_in):
    bob, link_id, file_id = _draft(app, world, signed_in)
    bob.submit("/assignments/%d" % world.assignment_id,
               {"text": "brouillon", "action": "submit", "statement": "y"})
    tanaka = signed_in(world.instructor)
    with app.app_context():
        link = db.session.scalar(select(Submission)).current.attachments[0]
        link_id, file_id = link.id, link.file_id
    assert tanaka.get("/assignments/files/%d" % link_id).status_code == 200
    assert tanaka.get("/files/%d" % file_id).status_code == 200
