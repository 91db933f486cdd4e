"""The audit log of staff actions (issue 16): each listed action writes one entry in the same
transaction, with who, what, on what, when and from where; admins filter and export it; the
portal offers no way to change or delete an entry."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import audit
from portal.audit import AuditEntry
from portal.db_types import utcnow
from portal.extensions import db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AuditTest/1.0"


def _entries(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def demo(app):
    """The demo data, without the library's ffmpeg work."""
    from portal import demo as demo_data
    from portal.demo import library as library_demo
    with app.app_context():
        real = library_demo.load
        library_demo.load = lambda user_id=None: None
        try:
            demo_data.load(password="demo password for audit")
        finally:
            library_demo.load = real
        db.session.commit()
        db.session.execute(AuditEntry.__table__.delete())
        db.session.commit()


def _people():
    from portal.auth.models import User
    return {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}


def test_course_and_review_actions_are_recorded(app, demo):
    from portal.action_plans import services as plans
    from portal.action_plans.models import SUBMITTED, ActionPlan
    from portal.assignments import deadline_extensions, services as assignments
    from portal.assignments.models import Submission
    from portal.courses import services as courses
    from portal.courses.models import Course
    with app.app_context():
        people = _people()
        kenji, tanaka = people["coordinator"], people["tanaka"]
        fish = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2026"))
        courses.save_course(fish, {"training_center": "Kansai", "title": fish.title}, kenji)
        new = courses.save_course(None, {"code": "AUDIT-NEW", "title": {"en": "New"},
                                         "subject": "health", "training_center": "Tokyo",
                                         "pre_arrival_opens": fish.arrival,
                                         "arrival": fish.arrival,
                                         "departure": fish.departure}, kenji)
        assert courses.remove_staff(fish, people["mori"].id, "instructor")
        assert courses.add_staff(fish, people["mori"], "instructor")
        assert not courses.add_staff(fish, people["mori"], "instructor")   # no change, no entry
        sub = db.session.scalar(select(Submission))
        assignments.review(sub, tanaka, "returned", "Please add the budget.")
        ext = deadline_extensions.request_extension(sub.assignment, people["jean-baptiste"],
                                                    "Flood at home", None)
        deadline_extensions.answer_request(ext, tanaka, False, None, None, "No.")
        deadline_extensions.grant(sub.assignment, people["jean-baptiste"].id, tanaka,
                                  utcnow() + timedelta(days=9), None)
        plan = db.session.scalar(select(ActionPlan).where(ActionPlan.state == SUBMITTED))
        plans.review(plan, tanaka, {"general": "Well argued."}, "accept")
        db.session.commit()
        expected = {
            "course.update": (kenji.id, "courses", fish.id),
            "course.create": (kenji.id, "courses", new.id),
            "submission.return": (tanaka.id, "submissions", sub.id),
            "extension.refuse": (tanaka.id, "assignment_extensions", ext.id),
            "plan.accept": (tanaka.id, "action_plans", plan.id),
        }
    for action, (actor, target_type, target_id) in expected.items():
        [entry] = _entries(app, action)
        assert (entry.actor_id, entry.target_type, entry.target_id) == (
            actor, target_type, target_id), action
    assert _entries(app, "course.update")[0].details == {
        "code": "FISH-FRA-2026", "fields": ["training_center"]}
    assert len(_entries(app, "extension.grant")) == 1
    assert [e.details["kind"] for e in _entries(app, "course.staff_add")
            + _entries(app, "course.staff_remove")] == ["instructor", "instructor"]
    assert _entries(app, "submission.return")[0].details["version"] == 1


def test_enrollment_states_changed_by_staff_are_recorded(app, demo):
    from portal.courses import services as courses
    from portal.courses.models import Course
    with app.app_context():
        edu = db.session.scalar(select(Course).where(Course.code == "EDU-INCL-2026"))
        ids = sorted(e.id for e in edu.enrollments)
        assert courses.set_states(edu, ids, "accepted") == 2
        assert courses.set_states(edu, ids, "accepted") == 0   # nothing moved: no entry
        db.session.commit()
        edu_id = edu.id
    [entry] = _entries(app, "course.enrollment_states")
    assert (entry.target_id, entry.details["state"], entry.details["enrollment_ids"]) == (
        edu_id, "accepted", ids)


def test_an_unchanged_course_saved_again_writes_nothing(app, demo):
    from portal.courses import services as courses
    from portal.courses.models import Course
    with app.app_context():
        fish = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2026"))
        courses.save_course(fish, {"training_center": fish.training_center}, _people()[
            "coordinator"])
        db.session.commit()
    assert _entries(app) == []


def test_removals_are_recorded(app, demo):
    from portal.courses.models import Course
    from portal.evaluation import services as evaluation
    from portal.library import services as library
    from portal.library.models import Material
    with app.app_context():
        edu = db.session.scalar(select(Course).where(Course.code == "EDU-INCL-2026"))
        question = evaluation.add_question(edu, "text", {"en": "What will you change?"}, False)
        db.session.commit()
        assert evaluation.remove_question(edu, question.id)
        coordinator = _people()["coordinator"]
        material = Material(slug="audit-doc", kind="document", title={"en": "A document"},
                            description={}, subjects=["health"], visibility="public",
                            courses=[], created_by_id=coordinator.id, state="ready")
        db.session.add(material)
        db.session.flush()
        library.set_subtitles(material, "en", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
                              coordinator.id)
        assert library.remove_subtitles(material, "en")
        db.session.commit()
        material_id = material.id
    [entry] = _entries(app, "evaluation.question_remove")
    assert entry.details["question_id"] == question.id and entry.target_type == "courses"
    [entry] = _entries(app, "material.subtitles_remove")
    assert (entry.target_type, entry.target_id, entry.details["lang"]) == (
        "library_materials", material_id, "en")


def test_library_materials_added_changed_and_made_visible_are_recorded(app, demo):
    """Adding a material, changing it (the fields changed) and changing who may see it are
    staff actions like the others; saving it unchanged writes nothing, and a material whose
    creation is rolled back leaves no entry."""
    from dataclasses import replace

    from portal.library import manage
    from portal.library.models import Material
    with app.app_context():
        people = _people()
        mori, kenji = people["mori"], people["coordinator"]
        mori_id, kenji_id = mori.id, kenji.id
        details = manage.MaterialDetails(
            kind="document", title={"en": "Audit handbook"}, description={},
            subjects=["health"], keywords=[], courses=[], year=2025, audio_language=None,
            producer=None, visibility="course", allow_download=True)
        material = manage.create(mori, details, None)
        db.session.commit()
        material_id = material.id
        manage.update(material, details, None, kenji)                        # nothing changed
        manage.update(material, replace(details, title={"en": "Audit handbook", "fr": "Guide"},
                                        year=2026), None, kenji)
        manage.update(material, replace(details, title={"en": "Audit handbook", "fr": "Guide"},
                                        year=2026, visibility="public"), None, kenji)
        db.session.commit()
        manage.create(mori, replace(details, title={"en": "Never saved"}), None)
        db.session.rollback()
        assert db.session.scalar(select(Material).where(Material.slug == "never-saved")) is None
    [created] = _entries(app, "material.create")
    assert (created.actor_id, created.target_type, created.target_id, created.details) == (
        mori_id, "library_materials", material_id,
        {"slug": "audit-handbook", "visibility": "course"})
    [changed] = _entries(app, "material.update")
    assert (changed.actor_id, changed.details) == (
        kenji_id, {"slug": "audit-handbook", "fields": ["title", "year"]})
    [shown] = _entries(app, "material.visibility")
    assert (shown.actor_id, shown.target_id, shown.details) == (
        kenji_id, material_id, {"slug": "audit-handbook", "before": "course", "after": "public"})


def test_a_material_edited_through_its_page_is_recorded(app, demo, login_as):
    """The edit page goes through the same service: the entry names the person and the
    fields they changed."""
    from portal.auth.models import User
    from portal.library import manage
    instructor_client, instructor = login_as("instructor")
    with app.app_context():
        material = manage.create(db.session.get(User, instructor.id), manage.MaterialDetails(
            kind="document", title={"en": "Page edit"}, description={}, subjects=["health"],
            keywords=[], courses=[], year=None, audio_language=None, producer=None,
            visibility="public", allow_download=True), None)
        db.session.commit()
        slug, material_id = material.slug, material.id
    form = {"kind": "document", "title_en": "Page edit", "title_fr": "", "title_es": "",
            "title_ja": "", "description_en": "", "description_fr": "", "description_es": "",
            "description_ja": "", "subjects": ["health"], "keywords": "", "courses": "",
            "year": "", "audio_language": "", "producer": "", "visibility": "registered",
            "allow_download": "y", "file_id": ""}
    response = instructor_client.submit("/library/m/%s/edit" % slug, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    [entry] = _entries(app, "material.visibility")
    assert (entry.actor_id, entry.target_id, entry.details["after"]) == (
        instructor.id, material_id, "registered")
    assert _entries(app, "material.update") == []


def test_unknown_actions_are_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        audit.record("user.rename")


# ---------------------------------------------------------------- the admins' page

def _fill(app, admin_id: int, admin_email: str, n: int = 0) -> None:
    from portal.auth.models import User
    with app.app_context():
        admin = db.session.get(User, admin_id)
        other = User(email="other.admin@example.org", name="Other", role="admin")
        db.session.add(other)
        db.session.flush()
        old = audit.record("user.deactivate", target_type="users", target_id=7, actor=other,
                           email="=HYPERLINK(\"http://evil.example\")")
        old.at = utcnow() - timedelta(days=40)
        for i in range(n):
            audit.record("user.role", target_type="users", target_id=100 + i, actor=admin,
                         before="participant", after="instructor")
        db.session.commit()


def test_admins_filter_the_log(app, client, auth, make_user):
    admin = make_user("admin")
    _fill(app, admin.id, admin.email, n=55)
    auth.login(admin.email)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "56 entries" in html
    assert "Page 1 of 2" in html and "other.admin@example.org" not in html   # the oldest: p. 2
    assert "other.admin@example.org" in client.get("/admin/audit?page=2").get_data(as_text=True)
    mine = client.get("/admin/audit?person=%d" % admin.id).get_data(as_text=True)
    assert "55 entries" in mine
    by_mail = client.get("/admin/audit?person=OTHER.admin").get_data(as_text=True)
    assert "1 entry" in by_mail
    for pattern in ("other_admin", "other%admin", "other\\.admin"):   # typed, not patterns
        page = client.get("/admin/audit", query_string={"person": pattern})
        assert page.status_code == 200
        assert "other.admin@example.org" not in page.get_data(as_text=True), pattern
    action = client.get("/admin/audit?action=user.deactivate").get_data(as_text=True)
    assert "1 entry" in action
    today = utcnow().date()
    recent = client.get("/admin/audit?start=%s&end=%s" % (today - timedelta(days=1), today))
    assert "55 entries" in recent.get_data(as_text=True)
    old = client.get("/admin/audit?end=%s" % (today - timedelta(days=30)))
    assert "1 entry" in old.get_data(as_text=True)
    wrong = client.get("/admin/audit?start=%s&end=%s&person=x" % (today, today - timedelta(1)))
    assert wrong.status_code == 400
    body = wrong.get_data(as_text=True)
    assert "The end date is before the start date." in body and 'value="x"' in body


def test_admins_export_what_they_filtered(app, client, auth, make_user):
    admin = make_user("admin")
    _fill(app, admin.id, admin.email, n=3)
    auth.login(admin.email)
    response = client.get("/admin/audit.csv?action=user.deactivate")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["id", "at_utc", "actor_id", "actor_email", "action"]
    assert len(rows) == 2 and rows[1][3] == "other.admin@example.org"
    assert rows[1][4] == "user.deactivate" and rows[1][1].endswith("Z")
    assert rows[1][8].startswith('{"email": "=HYPERLINK')   # inside JSON: not a formula cell
    everything = client.get("/admin/audit.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(everything)))) == 5


def test_nobody_can_change_or_delete_an_entry_from_the_portal(app, client, auth, make_user):
    admin = make_user("admin")
    _fill(app, admin.id, admin.email, n=1)
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule or "audit" in r.endpoint]
    assert {r.endpoint for r in rules} == {"admin.audit_log", "admin.audit_export"}
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
    auth.login(admin.email)
    token = client.csrf_token("/admin/audit")
    with app.app_context():
        entry_id = db.session.scalar(select(AuditEntry.id))
    for method in ("post", "put", "patch", "delete"):
        for url in ("/admin/audit", "/admin/audit/%d" % entry_id, "/admin/audit.csv"):
            response = getattr(client, method)(url, data={"csrf_token": token})
            assert response.status_code in (404, 405), (method, url)
    assert len(_entries(app)) == 2


def test_only_admins_read_the_log(app, login_as):
    for role in ("participant", "instructor", "coordinator"):
        client, _user = login_as(role)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403
