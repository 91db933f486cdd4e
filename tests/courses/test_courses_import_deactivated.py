"""Issue 16.1: a nomination list never re-invites (and so never re-activates) a deactivated
account; the preview says why the row is skipped."""
from sqlalchemy import select

from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from tests.courses.test_courses_import import (
    confirm,
    coordinator_course,  # noqa: F401 (a fixture)
    csv_bytes,
    preview_url,
    upload,
)


def test_a_deactivated_nominee_is_skipped_not_reinvited(app, coordinator_course,  # noqa: F811
                                                        mailbox):
    client, course_id = coordinator_course
    with app.app_context():
        user = accounts.create_user("left@example.org", "Left Person", "participant")
        accounts.invite(user)
        accounts.set_active(user, False)
        db.session.commit()
    mailbox.messages.clear()
    url = preview_url(upload(client, course_id, csv_bytes(
        [["Left Person", "left@example.org", "SN", "", "", "fr"],
         ["New Person", "new@example.org", "SN", "", "", "fr"]])))
    html = client.get(url).get_data(as_text=True)
    assert "deactivated" in html
    assert confirm(client, url).status_code == 302
    assert not mailbox.to("left@example.org") and mailbox.to("new@example.org")
    with app.app_context():
        left = db.session.execute(select(User).where(User.email == "left@example.org")).scalar()
        assert left.active is False and left.tokens[-1].used_at is not None
