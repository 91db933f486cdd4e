"""Someone else's id, on every route that takes one: participant B, the instructor of another
course, a coordinator of another course. All answer 404 and change nothing."""
import io

import pytest
from sqlalchemy import func, select

from portal.assignments.models import Extension, Submission, SubmissionVersion
from portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def handed_in(app, world, signed_in):
    """Alice handed in her work and asked for an extension of the other deadline."""
    alice = signed_in(world.alice)
    url = "/assignments/%d" % world.assignment_id
    alice.submit(url, {"text": "secret", "action": "draft", "file": (io.BytesIO(PDF), "a.pdf")})
    alice.submit(url, {"text": "secret", "action": "submit", "statement": "y"})
    with app.app_context():
        s = db.session.scalar(select(Submission))
        ext = Extension(assignment_id=world.assignment_id, user_id=world.alice.id,
                        reason="please")
        db.session.add(ext)
        db.session.commit()
        return {"submission_id": s.id, "link_id": s.current.attachments[0].id,
                "extension_id": ext.id}


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(SubmissionVersion.id))),
                db.session.scalar(select(func.count(Extension.id))),
                [s.state for s in db.session.scalars(select(Submission))])


def test_participant_b_reaches_nothing_of_alice(app, world, handed_in, signed_in, quick_user):
    bob = signed_in(world.bob)
    ids = handed_in
    token = bob.csrf_token("/assignments")
    for path in ("/assignments/submissions/%d/v1/receipt" % ids["submission_id"],
                 "/assignments/submissions/%d/v1" % ids["submission_id"],
                 "/assignments/files/%d" % ids["link_id"],
                 "/assignments/files/%d?preview=1" % ids["link_id"]):
        assert bob.get(path).status_code == 404, path
    # an assignment of a course Bob is not enrolled in
    other = "/assignments/%d" % world.other_assignment_id
    assert bob.get(other).status_code == 404
    before = _counts(app)
    for path, data in ((other, {"text": "x", "action": "draft"}),
                       (other + "/extension", {"reason": "x"}),
                       ("/assignments/%d/files/%d/remove" % (world.assignment_id,
                                                              ids["link_id"]), {})):
        assert bob.post(path, data=dict(data, csrf_token=token)).status_code == 404, path
    assert _counts(app) == before
    # the upload layer's own download route asks the same question
    with app.app_context():
        file_id = db.session.scalar(select(Submission)).current.attachments[0].file_id
    if "uploads" in app.blueprints:
        assert bob.get("/files/%d" % file_id).status_code == 404


@pytest.mark.parametrize("who", ["other_instructor", "other_coordinator"])
def test_staff_of_another_course_reach_nothing(app, world, handed_in, signed_in, quick_user,
                                               who):
    user = (world.other_instructor if who == "other_instructor"
            else quick_user("coordinator"))
    c = signed_in(user)
    ids, course, aid = handed_in, world.course_id, world.assignment_id
    for path in ("/assignments/course/%d" % course, "/assignments/course/%d/new" % course,
                 "/assignments/%d/edit" % aid, "/assignments/course/%d/queue" % course,
                 "/assignments/submissions/%d/review" % ids["submission_id"],
                 "/assignments/%d/submissions.zip" % aid, "/assignments/%d/extensions" % aid,
                 "/assignments/course/%d/matrix" % course,
                 "/assignments/course/%d/matrix.csv" % course,
                 "/assignments/submissions/%d/v1/receipt" % ids["submission_id"],
                 "/assignments/submissions/%d/v1" % ids["submission_id"],
                 "/assignments/files/%d" % ids["link_id"]):
        assert c.get(path).status_code == 404, path
    token = c.csrf_token("/dashboard")
    before = _counts(app)
    for path, data in (("/assignments/submissions/%d/review" % ids["submission_id"],
                        {"decision": "accepted"}),
                       ("/assignments/extensions/%d" % ids["extension_id"],
                        {"decision": "refuse"}),
                       ("/assignments/%d/extensions" % aid,
                        {"participant": world.alice.id, "due_at": "2030-01-01T00:00"}),
                       ("/assignments/%d/edit" % aid, {"title_en": "Hacked"}),
                       ("/assignments/course/%d/new" % course, {"title_en": "Hacked"})):
        assert c.post(path, data=dict(data, csrf_token=token)).status_code == 404, path
    assert _counts(app) == before


def test_unknown_ids_are_404(world, signed_in):
    tanaka = signed_in(world.instructor)
    for path in ("/assignments/course/999", "/assignments/999/edit",
                 "/assignments/submissions/999/review", "/assignments/files/999",
                 "/assignments/submissions/999/v1", "/assignments/999/submissions.zip"):
        assert tanaka.get(path).status_code == 404, path


def test_roles_are_kept_apart(world, signed_in, handed_in):
    alice = signed_in(world.alice)
    assert alice.get("/assignments/course/%d/queue" % world.course_id).status_code == 403
    assert alice.get("/assignments/submissions/%d/review" % handed_in["submission_id"]
                     ).status_code == 403
    tanaka = signed_in(world.instructor)
    assert tanaka.get("/assignments/%d" % world.assignment_id).status_code == 403
    # the course's own staff may see the version, receipt and file
    for path in ("/assignments/submissions/%d/v1/receipt" % handed_in["submission_id"],
                 "/assignments/files/%d" % handed_in["link_id"]):
        assert tanaka.get(path).status_code == 200


def test_another_participants_draft_is_not_shown_to_staff(app, world, signed_in):
    bob = signed_in(world.bob)
    bob.submit("/assignments/%d" % world.assignment_id,
               {"text": "brouillon", "action": "draft", "file": (io.BytesIO(PDF), "b.pdf")})
    with app.app_context():
        s = db.session.scalar(select(Submission))
        sid, link_id = s.id, s.current.attachments[0].id
    tanaka = signed_in(world.instructor)
    assert tanaka.get("/assignments/submissions/%d/v1" % sid).status_code == 404
    assert tanaka.get("/assignments/files/%d" % link_id).status_code == 404
