"""State changes need the form's CSRF token, even the one-button 'mark everyone completed'."""
from portal.courses.models import Enrollment
from portal.extensions import db


def test_posts_without_csrf_token_change_nothing(app, login_as, make_course, make_user, enroll):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    enrollment_id = enroll(course_id, make_user("participant").id, "accepted")
    base = "/courses/%d" % course_id
    for url, data in ((base + "/states", {"action": "complete"}),
                      (base + "/states", {"state": "withdrawn", "enrollment": enrollment_id}),
                      (base + "/edit", {"code": "X"}),
                      (base + "/staff", {"email": coordinator.email, "kind": "coordinator"})):
        assert client.post(url, data=data).status_code == 400, url
    with app.app_context():
        assert db.session.get(Enrollment, enrollment_id).status == "accepted"
