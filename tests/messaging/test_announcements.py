"""Announcements (issue 17.3): the audience (state, progress, country), the preview and its
count, sending (recipients recorded, one mail each in their language through the outbox),
the dashboard panel (one query), reading and dismissing, and who may see what."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from portal import jobs
from portal.assignments.models import GRANTED, Assignment, Extension, Submission
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.courses.models import Course, Enrollment
from portal.extensions import db
from portal.messaging import audience as audiences, services
from portal.messaging.models import Announcement, AnnouncementRecipient

SUBJECT = {"en": "Visa appointments", "fr": "Rendez-vous pour le visa"}
BODY = {"en": "Book your **visa** appointment this week.",
        "fr": "Prenez rendez-vous pour votre **visa** cette semaine."}


def _people(app, world, quick_user):
    """Carol (Kenya, nominated, nothing started, an extension to next month), Dan (Kenya,
    withdrawn); Alice handed in, Bob has a draft; the assignment's deadline has passed."""
    carol = quick_user("participant", name="Carol Wanjiru", country="KE", language="en")
    dan = quick_user("participant", name="Dan Otieno", country="KE")
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add_all([
            Enrollment(course_id=world.course_id, user_id=carol.id, status="nominated"),
            Enrollment(course_id=world.course_id, user_id=dan.id, status="withdrawn"),
            Submission(assignment_id=world.assignment_id, user_id=world.alice.id,
                       state="submitted", submitted_at=now),
            Submission(assignment_id=world.assignment_id, user_id=world.bob.id, state="draft"),
            Extension(assignment_id=world.assignment_id, user_id=carol.id, state=GRANTED,
                      due_at=now + timedelta(days=30), decided_at=now)])
        db.session.get(Assignment, world.assignment_id).due_at = now - timedelta(days=1)
        db.session.commit()
    return carol, dan


def test_audience_by_state_progress_and_country(app, world, quick_user):
    carol, dan = _people(app, world, quick_user)
    with app.app_context():
        course = db.session.get(Course, world.course_id)

        def names(**chosen):
            found = services.recipients(course, audiences.Audience(**chosen))
            return [p.name for p in found]

        assert names() == ["Aminata Diallo", "Carlos Mendoza", "Carol Wanjiru"]  # not withdrawn
        assert names(states=("withdrawn",)) == ["Dan Otieno"]
        assert names(countries=("KE",)) == ["Carol Wanjiru"]
        assert names(countries=("SN", "BO")) == ["Aminata Diallo", "Carlos Mendoza"]
        assert names(states=("accepted",), countries=("KE",)) == []
        a = world.assignment_id
        assert names(assignment_id=a, progress="not_started") == ["Carol Wanjiru"]
        assert names(assignment_id=a, progress="started") == ["Carlos Mendoza"]
        assert names(assignment_id=a, progress="handed_in") == ["Aminata Diallo"]
        assert names(assignment_id=a, progress="not_handed_in") == ["Carlos Mendoza",
                                                                     "Carol Wanjiru"]
        # Overdue counts each person's own deadline: Carol's extension runs for a month.
        assert names(assignment_id=a, progress="overdue") == ["Carlos Mendoza"]
        # Deactivated accounts are never written to.
        db.session.get(User, world.bob.id).active = False
        db.session.flush()
        assert names(assignment_id=a, progress="overdue") == []
        # Filters that cannot be taken are said, field by field, and reach nobody.
        wrong = audiences.Audience(states=(), progress="overdue")
        assert set(audiences.problems(course, wrong)) == {"states", "assignment"}
        other = audiences.Audience(assignment_id=world.other_assignment_id, progress="overdue")
        assert audiences.problems(course, other) == {"assignment": ("bad_assignment", {})}
        assert services.recipients(course, other) == []
        db.session.rollback()


def _token(html: str) -> str:
    return re.search(r'name="expected"[^>]*value="([^"]*)"', html).group(1)


def _post(client, course_id: int, action: str, expected: str = "", **extra):
    data = {"subject_en": SUBJECT["en"], "subject_fr": SUBJECT["fr"], "body_en": BODY["en"],
            "body_fr": BODY["fr"], "states": ["nominated", "accepted", "in_progress"],
            "assignment": "", "progress": "", "action": action, "expected": expected}
    data.update(extra)
    url = "/courses/%d/announcements/new" % course_id
    return client.submit(url, {k: v for k, v in data.items() if v is not None}, page=url)


def test_preview_then_send_mails_each_recipient_in_their_language(app, world, quick_user,
                                                                  signed_in, mailbox):
    carol, _dan = _people(app, world, quick_user)
    client = signed_in(world.coordinator)
    url = "/courses/%d/announcements/new" % world.course_id
    page = client.get(url).get_data(as_text=True)
    assert 'data-protect="announcement-%d"' % world.course_id in page
    assert "Senegal" in page and "Kenya" in page  # countries of the course's people
    preview = _post(client, world.course_id, "preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "This announcement will reach 3 people." in html
    assert "Send to 3 people" in html and "Carol Wanjiru" in html
    with app.app_context():
        assert db.session.scalar(select(Announcement)) is None  # a preview sends nothing
    sent = _post(client, world.course_id, "send", _token(html))
    assert sent.status_code == 302
    assert jobs.wait_idle(app)  # the mail goes after the answer, on the background runner
    alice = mailbox.to(world.alice.email)[-1]
    assert alice["Subject"] == "[FISH-1] Rendez-vous pour le visa"
    assert "Bonjour Aminata Diallo," in alice.get_content()
    assert "Prenez rendez-vous pour votre **visa**" in alice.get_content()
    bob = mailbox.to(world.bob.email)[-1]  # Spanish: not written in it, English it is
    assert bob["Subject"] == "[FISH-1] Visa appointments"
    assert "Este mensaje no se escribió en su idioma; aquí está en inglés." in bob.get_content()
    assert "Book your **visa** appointment" in bob.get_content()
    assert len(mailbox.to(carol.email)) == 1
    with app.app_context():
        announcement = db.session.scalar(select(Announcement))
        copies = {c.user_id: c for c in db.session.scalars(select(AnnouncementRecipient))}
        assert announcement.recipients_count == 3 and len(copies) == 3
        assert copies[world.bob.id].language == "es" and copies[world.alice.id].language == "fr"
        assert all(c.mail is not None and c.mail.state == "sent" for c in copies.values())
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "announcement.send"))
        assert entry.actor_id == world.coordinator.id and entry.details["recipients"] == 3
    staff_view = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "3 recipients" in staff_view and "Carol Wanjiru" in staff_view


def test_changed_recipients_and_bad_input_are_refused_with_every_problem(app, world, quick_user,
                                                                        signed_in):
    _people(app, world, quick_user)
    client = signed_in(world.instructor)  # an instructor of the course may write to it
    html = _post(client, world.course_id, "preview").get_data(as_text=True)
    token = _token(html)
    with app.app_context():  # someone withdraws between the preview and the sending
        enrollment = db.session.scalar(select(Enrollment).where(
            Enrollment.user_id == world.bob.id))
        enrollment.status = "withdrawn"
        db.session.commit()
    refused = _post(client, world.course_id, "send", token)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "The recipients changed since the preview: it would now reach 2 people." in page
    assert "Send to 2 people" in page and "Prenez rendez-vous" in page  # the text kept
    bad = _post(client, world.course_id, "send", token, subject_en="", subject_fr="",
                states=None, progress="overdue")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    for message in ("Give the subject in at least one language.",
                    "Choose at least one enrollment state.",
                    "Choose the assignment the progress is about."):
        assert message in page
    mixed = _post(client, world.course_id, "preview", body_fr="")
    assert mixed.status_code == 400 and "in the same languages" in mixed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Announcement)) is None
    outsider = signed_in(world.other_instructor)
    assert outsider.get("/courses/%d/announcements/new" % world.course_id).status_code == 404


def _send(app, world, subject: dict, when: datetime):
    with app.app_context():
        course = db.session.get(Course, world.course_id)
        everyone = audiences.Audience()
        people = services.recipients(course, everyone)
        made = services.send(course, db.session.get(User, world.coordinator.id), subject, subject,
                             everyone, services.token_of(people), now=when)
        jobs.commit()
        return made.id


def _queries(app, client, path="/dashboard"):
    client.get(path)
    seen = []
    with app.app_context():
        engine = db.engine

    def count(*args):
        seen.append(args[2])
    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get(path).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen, html


def test_dashboard_panel_in_one_query_read_and_dismissed(app, world, signed_in, mailbox):
    alice = signed_in(world.alice)
    before, html = _queries(app, alice)
    assert 'id="announcements"' not in html  # nothing to show: no panel
    now = datetime.now(UTC)
    first = _send(app, world, {"en": "First news", "fr": "Premières nouvelles"},
                  now - timedelta(days=2))
    one, html = _queries(app, alice)
    assert len(one) == len(before)
    assert sum("announcement_recipients" in q for q in one) == 1, "one query for the panel"
    assert "Premières nouvelles" in html and "Nouveau" in html
    for n in range(6):
        _send(app, world, {"en": "News %d" % n}, now - timedelta(hours=n))
    many, html = _queries(app, alice)
    assert len(many) == len(one), "the panel reads announcements one by one"
    assert "News 0" in html and "News 4" in html and "News 5" not in html  # the newest five
    assert "Premières nouvelles" not in html
    page = alice.get("/announcements/%d" % first).get_data(as_text=True)
    assert "Premières nouvelles" in page and "Retirer de mon tableau de bord" in page
    assert 'data-read-url="/announcements/%d/read"' % first in page  # its script says it

    def copy_of(announcement_id):
        with app.app_context():
            return db.session.scalar(select(AnnouncementRecipient).where(
                AnnouncementRecipient.announcement_id == announcement_id,
                AnnouncementRecipient.user_id == world.alice.id))
    assert copy_of(first).read_at is None  # a GET changes nothing
    assert alice.submit("/announcements/%d/read" % first, page="/dashboard").status_code == 204
    assert copy_of(first).read_at is not None and copy_of(first).dismissed_at is None
    assert "data-read-url" not in alice.get("/announcements/%d" % first).get_data(as_text=True)
    with app.app_context():
        newest = db.session.scalar(select(Announcement.id).order_by(Announcement.sent_at.desc()))
    gone = alice.submit("/announcements/%d/dismiss" % newest, page="/dashboard")
    assert gone.status_code == 303 and gone.headers["Location"].endswith("/dashboard")
    assert copy_of(newest).dismissed_at is not None and copy_of(newest).read_at is not None
    html = alice.get("/dashboard").get_data(as_text=True)
    assert "News 0" not in html and "News 5" in html
    assert "News 0" in alice.get("/announcements").get_data(as_text=True)  # still listed
    # Not a recipient, not staff of its course: as if it did not exist.
    outsider = signed_in(world.other_instructor)
    assert outsider.get("/announcements/%d" % first).status_code == 404
    for action in ("dismiss", "read"):
        assert outsider.post("/announcements/%d/%s" % (first, action), data={
            "csrf_token": outsider.csrf_token("/dashboard")}).status_code == 404
