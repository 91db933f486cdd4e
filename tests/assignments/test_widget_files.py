"""Files the resumable widget already stored arrive as ``file_id``: only the sender's own file,
for this purpose, of a type and size this assignment accepts."""
import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.assignments.files import SUBMISSION_PURPOSE
from portal.assignments.models import Submission
from portal.auth.models import User
from portal.extensions import db
from portal.uploads import services as uploads

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _stored(app, user_ref, name, data, purpose=SUBMISSION_PURPOSE):
    with app.test_request_context():
        user = db.session.get(User, user_ref.id)
        stored = uploads.store_form_file(user, purpose,
                                         FileStorage(io.BytesIO(data), filename=name))
        db.session.commit()
        return stored.id


def _attachments(app):
    with app.app_context():
        s = db.session.scalar(select(Submission))
        return [f.file.name for f in s.current.attachments] if s else []


def test_widget_file_id(app, world, signed_in):
    alice = signed_in(world.alice)
    url = "/assignments/%d" % world.assignment_id
    mine = _stored(app, world.alice, "rapport.pdf", PDF)
    bobs = _stored(app, world.bob, "informe.pdf", PDF)
    text_file = _stored(app, world.alice, "notes.txt", b"plain notes\n")
    generic = _stored(app, world.alice, "doc.pdf", PDF, purpose="document")
    for other in (bobs, generic, 999999):
        r = alice.submit(url, {"text": "t", "action": "draft", "file_id": str(other)})
        assert r.status_code == 400, other
    r = alice.submit(url, {"text": "t", "action": "draft", "file_id": str(text_file)})
    assert r.status_code == 400  # .txt is not among this assignment's types
    assert _attachments(app) == []
    r = alice.submit(url, {"text": "t", "action": "draft", "file_id": str(mine)})
    assert r.status_code == 302 and _attachments(app) == ["rapport.pdf"]
    alice.submit(url, {"text": "t", "action": "draft", "file_id": str(mine)})
    assert _attachments(app) == ["rapport.pdf"]  # the same file once
