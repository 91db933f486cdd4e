"""A demo world shared by a module's security tests: the demo people and courses, the
assignments and action-plans demo, two light library materials, and a few objects the demo
lacks (an extension request, an import preview, report evidence, an open upload), plus an
instructor and a coordinator of other courses. Clients are signed in once per persona.

Personas, relative to the objects the tests try (see ``Objects``):
anonymous, owner (the participant whose object it is), other_participant (enrolled elsewhere),
alumnus (of another course), instructor_other (teaches another course), instructor (teaches
the object's course), coordinator_other (coordinates nothing of it), coordinator, admin.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.app import create_app
from portal.db_types import utcnow
from portal.demo import DEMO_TOTP_SECRET
from portal.extensions import db, limiter
from tests import two_step

PASSWORD = "security world password"
PERSONAS = ("anonymous", "owner", "other_participant", "alumnus", "instructor_other",
            "instructor", "coordinator_other", "coordinator", "admin")
ROLE_OF = {"anonymous": None, "owner": "participant", "other_participant": "participant",
           "alumnus": "participant", "instructor_other": "instructor", "instructor": "instructor",
           "coordinator_other": "coordinator", "coordinator": "coordinator", "admin": "admin"}
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nFishers set their own rules.\n"


@dataclass
class World:
    app: object
    ids: dict = field(default_factory=dict)       # name -> id / slug / token
    users: dict = field(default_factory=dict)     # persona key -> (id, email)
    clients: dict = field(default_factory=dict)   # "<owner-key>:<persona>" -> client

    def client(self, who: str):
        """A client signed in as demo account ``who`` (local part) or a made-up persona."""
        if who == "anonymous":
            return self.app.test_client()
        if who not in self.clients:
            c = self.app.test_client()
            token = c.csrf_token("/login")
            r = c.post("/login", data={"email": self.users[who][1], "password": PASSWORD,
                                       "csrf_token": token})
            # the demo's staff and the outsider coordinator use the demo's authenticator key
            r = two_step.answer(c, r, DEMO_TOTP_SECRET, self.users[who][1])
            assert r.status_code == 302, (who, r.status_code)
            with self.app.app_context():
                limiter.reset()
            self.clients[who] = c
        return self.clients[who]

    def checksum(self) -> dict:
        """Per table: row count and a hash of every row (ordered), to prove nothing changed."""
        out = {}
        with self.app.app_context(), db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
                out[table.name] = (len(rows), hashlib.sha256(
                    repr([tuple(r) for r in rows]).encode()).hexdigest()[:16])
        return out


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def _config(url, instance, mail_url):
    return {"TESTING": True, "PORTAL_ENV": "testing", "SECRET_KEY": "security-world-key",
            "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url,
            "STORAGE_URL": "file://" + str(instance / "storage"),
            "SEARCH_INDEX_DIR": str(instance / "index"), "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_URL": "http://portal.test", "SERVER_NAME": None, "MAIL_URL": mail_url}


def _light_library(users) -> dict:
    """Two materials without ffmpeg: a public document and one for the FISH course's people."""
    from portal.library import services as library
    from portal.library.models import DOCUMENT, Material

    made = {}
    for slug, visibility, courses, creator in (
            ("sec-public-doc", "public", [], users["coordinator"]),
            ("sec-course-doc", "course", ["FISH-FRA-2026"], users["tanaka"])):
        m = Material(slug=slug, kind="document", title={"en": "Fishery co-management " + slug},
                     description={"en": "A document."}, subjects=["agriculture"],
                     visibility=visibility, courses=courses, created_by_id=creator.id,
                     state="ready")
        db.session.add(m)
        db.session.flush()
        stored = library.store_file(io.BytesIO(b"%PDF-1.4\n%demo\n"), slug + ".pdf",
                                    "application/pdf", creator.id)
        library.attach_file(m, DOCUMENT, stored)
        library.set_subtitles(m, "en", VTT, creator.id)
        made[slug] = m
    db.session.flush()
    return made


def build_world(app) -> World:
    from portal import demo
    from portal.action_plans.models import ActionPlan, ProgressReport
    from portal.assignments import deadline_extensions
    from portal.assignments.models import Assignment, Submission
    from portal.auth import services as accounts
    from portal.auth.models import User
    from portal.courses import imports
    from portal.courses.models import Course
    from portal.demo import library as library_demo
    from portal.library import services as library
    from portal.messaging.models import Announcement
    from portal.uploads import services as uploads

    world = World(app)
    with app.app_context():
        real = library_demo.load
        library_demo.load = lambda user_id=None: None   # ffmpeg-free: see _light_library
        try:
            demo.load(password=PASSWORD)
        finally:
            library_demo.load = real
        users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
        cbd = db.session.scalar(select(Course).where(Course.code == "CBD-LOCAL-2026"))
        other_i = accounts.create_user("outsider-instructor@example.org", "Ines Outsider",
                                       "instructor", password=PASSWORD)
        other_c = accounts.create_user("outsider-coordinator@example.org", "Olga Outsider",
                                       "coordinator", password=PASSWORD)
        other_c.totp_secret, other_c.totp_enabled_at = DEMO_TOTP_SECRET, utcnow()
        cbd.instructors.append(other_i)
        db.session.flush()
        _light_library(users)
        fish = db.session.scalar(select(Course).where(Course.code == "FISH-FRA-2026"))
        drr = db.session.scalar(select(Course).where(Course.code == "DRR-KANSAI-2025"))
        announcement = db.session.scalar(select(Announcement).where(
            Announcement.course_id == fish.id))
        sub = db.session.scalar(select(Submission))
        assert sub.user_id == users["jean-baptiste"].id
        assignment = db.session.get(Assignment, sub.assignment_id)
        # More time is asked for work not yet handed in (his job report; the country report
        # is handed in, and a request on it is refused).
        pending = db.session.scalar(select(Assignment).where(
            Assignment.course_id == assignment.course_id, Assignment.id != assignment.id))
        ext = deadline_extensions.request_extension(pending, users["jean-baptiste"],
                                                    "Flood at home", None)
        record = imports.create(fish, [], "nominees.csv", users["coordinator"])
        plan = db.session.scalar(select(ActionPlan).where(
            ActionPlan.enrollment.has(user_id=users["samuel"].id)))
        plan.shared = False
        report = db.session.scalar(select(ProgressReport).where(ProgressReport.plan_id == plan.id))
        evidence = library.store_file(io.BytesIO(b"evidence"), "evidence.txt", "text/plain",
                                      users["samuel"].id, purpose="document")
        from portal.action_plans import reports
        reports.attach(report, evidence)
        upload = uploads.create_upload(users["jean-baptiste"], "document", "draft.pdf", 10)
        link = sub.versions[0].files[0] if sub.versions and sub.versions[0].files else None
        db.session.commit()
        world.ids = dict(
            fish=fish.id, drr=drr.id, assignment=assignment.id, submission=sub.id,
            version=sub.versions[0].number, file_link=link.id if link else 999999,
            stored_file=link.file_id if link else 999999, extension=ext.id, import_id=record.id,
            plan=plan.id, plan_version=plan.versions[0].number, report_month=report.month,
            evidence=report.files[0].id, evidence_file=evidence.id,
            fish_enrollment_aminata=next(e.id for e in fish.enrollments
                                         if e.user_id == users["aminata"].id),
            upload=upload.id, tanaka=users["tanaka"].id, jb=users["jean-baptiste"].id,
            samuel=users["samuel"].id, announcement=announcement.id)
        for key, u in users.items():
            world.users[key] = (u.id, u.email)
        world.users["instructor_other"] = (other_i.id, other_i.email)
        world.users["coordinator_other"] = (other_c.id, other_c.email)
        world.users["other_participant"] = world.users["grace"]
        world.users["alumnus"] = world.users["carlos"]
    return world


class BrowserLikeClient(FlaskClient):
    """Fills the CSRF token from the page, as a browser would (like tests/conftest.py's)."""

    def csrf_token(self, page: str = "/") -> str:
        html = self.get(page).get_data(as_text=True)
        found = re.search(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"', html) or \
            re.search(r'value="([^"]+)"[^>]*name="(?:[\w-]+-)?csrf_token"', html)
        assert found, "no CSRF token on %s" % page
        return found.group(1)

    def submit(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


def make_world_app(database_url, instance, mail_url):
    app = create_app(_config(database_url, instance, mail_url))
    app.test_client_class = BrowserLikeClient
    from portal.uploads.routes import bp as uploads_bp
    if "uploads" not in app.blueprints:   # until create_app wires it (as tests/uploads does)
        app.register_blueprint(uploads_bp)
    return app


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory, smtp_server):
    """The demo world on a clean database, for one test module (emptied afterwards)."""
    app = make_world_app(database_url, tmp_path_factory.mktemp("world"), smtp_server.url)
    with app.app_context():
        _empty_tables()
    world = build_world(app)
    yield world
    with app.app_context():
        db.session.remove()
        _empty_tables()
        limiter.reset()
        db.engine.dispose()


# ------------------------------------------------------------------ the world in a browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def served_world(world):
    """The module's world served over HTTP in a thread, for a real browser: its ``url``."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, world.app, threaded=True)   # a port of its own
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    world.url = "http://127.0.0.1:%d" % server.server_port
    yield world
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium through Playwright (never a downloaded browser)."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("BROWSER TESTS SKIPPED: no Chromium at %s (apt-get install chromium)"
                    % CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ScriptWatch:
    """Did any script run in this page? Hostile payloads call alert(), fetch('/__xss__') and
    set document.title to PWNED: a dialog, a request to /__xss__ or that title is a run."""

    def __init__(self, page):
        self.page, self.runs = page, []
        page.on("dialog", lambda d: (self.runs.append("dialog %r on %s" % (d.message, page.url)),
                                     d.dismiss()))
        page.on("request", lambda r: self.runs.append("request %s" % r.url)
                if "__xss__" in r.url else None)

    def check(self, where: str) -> list:
        try:
            title = self.page.title()
        except Exception:   # a download replaced the page
            title = ""
        if "PWNED" in title:
            self.runs.append("title PWNED on %s" % where)
        return self.runs


@pytest.fixture
def browser_as(served_world, chromium):
    """``browser_as(who)`` -> a Playwright page signed in as demo account ``who`` (or
    anonymous), with ``page.watch`` (a :class:`ScriptWatch`)."""
    contexts = []

    def make(who: str = "anonymous"):
        ctx = chromium.new_context(base_url=served_world.url, locale="en-GB",
                                   accept_downloads=True)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.watch = ScriptWatch(page)
        if who != "anonymous":
            page.goto("/login")
            page.fill("input[name=email]", served_world.users[who][1])
            page.fill("input[name=password]", PASSWORD)
            page.click("main button[type=submit]")
            # staff: the second step, with the app's code (demo key)
            two_step.answer_page(page, DEMO_TOTP_SECRET, served_world.users[who][1])
            page.wait_for_url(lambda u: "/login" not in u)
            with served_world.app.app_context():
                limiter.reset()
        return page
    yield make
    for ctx in contexts:
        ctx.close()
