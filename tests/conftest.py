"""Shared fixtures: ``app`` (on SQLite, and on PostgreSQL when ``TEST_DATABASE_URL`` is set),
``client``, ``runner``, ``auth``, ``make_user`` and a real SMTP server (``mailbox``)."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.app import create_app
from portal.db_types import utcnow
from portal.extensions import db, limiter
from tests import fast_app, parallel, two_step as two_step_helper

fast_app.install()  # before any app is made (tests/fast_app.py)

PG_SKIP_REASON = ("PostgreSQL tests SKIPPED: set TEST_DATABASE_URL (e.g. "
                  "postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them")
DEMO_PASSWORD = "correct horse battery staple"


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL")
    return "database backends: sqlite" + (", postgresql (%s)" % make_url(url).host if url
                                          else "  [PostgreSQL NOT tested: TEST_DATABASE_URL unset]")


def pytest_configure(config):
    """Tests read the compiled catalogs: build any .mo older than its .po (once, before any
    xdist worker starts; written aside then renamed, so a reader never sees half a file)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    if hasattr(config, "workerinput"):
        return
    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as src:
                catalog = read_po(src)
            part = mo.with_suffix(".mo.%s" % uuid.uuid4().hex[:8])
            with part.open("wb") as dst:
                write_mo(dst, catalog)
            part.replace(mo)


SLOW_PROOFS = os.environ.get("SLOW_PROOFS") == "1"
SLOW_PROOF_SKIP = ("SLOW PROOF SKIPPED: it runs with `make slow-proofs` (SLOW_PROOFS=1), "
                   "which CI runs after `make test`")


@pytest.hookimpl(tryfirst=True)   # ahead of xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):
    """Slow proofs (``@pytest.mark.slow_proof``: a whole production topology, every page of the
    portal in a browser) run in `make slow-proofs`, not in `make test`. Under pytest-xdist:
    tests sharing a module's server run on one worker, long ones first (tests/parallel.py)."""
    if not SLOW_PROOFS:
        for item in items:
            if item.get_closest_marker("slow_proof") is not None:
                item.add_marker(pytest.mark.skip(reason=SLOW_PROOF_SKIP))
    if not hasattr(config, "workerinput"):
        return
    keys = {}
    for item in items:
        whole_module = item.get_closest_marker("xdist_group") is not None
        group = None if whole_module else parallel.xdist_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
        keys[item] = parallel.schedule_key(item, whole_module)
        parallel.tag(item)
    items.sort(key=keys.__getitem__)


def pytest_terminal_summary(terminalreporter):
    if not os.environ.get("TEST_DATABASE_URL"):
        terminalreporter.write_sep("!", PG_SKIP_REASON, yellow=True, bold=True)


# ---------------------------------------------------------------- databases

def _create_pg_database(base_url: str) -> str:
    """A throw-away database per test session, so concurrent runs never collide."""
    url = make_url(base_url)
    name = "portal_test_%s" % uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "%s"' % name))
        # Throw-away data: a commit need not wait for the disk (a third of the time per commit
        # here). Crash safety is proven by `make reliability`, on a cluster of its own.
        conn.execute(text('ALTER DATABASE "%s" SET synchronous_commit = off' % name))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(base_url: str, url: str) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % make_url(url).database))
    admin.dispose()


def _memory_folder(request, tmp_path_factory) -> Path:
    """A folder in RAM (tmpfs) where the machine has one, removed at the end: the suite commits
    tens of thousands of times, and each fsync to a disk costs milliseconds."""
    if not os.access("/dev/shm", os.W_OK):
        return tmp_path_factory.mktemp("db")
    folder = Path(tempfile.mkdtemp(prefix="portal-test-", dir="/dev/shm"))
    request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
    return folder


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql",
                                                                  marks=pytest.mark.postgres)])
def database_url(request, tmp_path_factory):
    """A migrated database for the whole session, on each backend."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(_memory_folder(request, tmp_path_factory) / "test.sqlite3")
        cleanup = None
    else:
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip(PG_SKIP_REASON)
        url = _create_pg_database(base)
        cleanup = (base, url)
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        db.engine.dispose()
    yield url
    if cleanup:
        _drop_pg_database(*cleanup)


@pytest.fixture(scope="session")
def make_pg_database():
    """``make_pg_database()`` -> the URL of a new, empty PostgreSQL database dropped at the end
    of the session, or None when ``TEST_DATABASE_URL`` is not set."""
    base = os.environ.get("TEST_DATABASE_URL")
    made = []

    def make():
        if not base:
            return None
        made.append(_create_pg_database(base))
        return made[-1]
    yield make
    for url in made:
        _drop_pg_database(base, url)


def _test_config(url: str, instance: Path, **extra) -> dict:
    return {"TESTING": True, "PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url,
            "STORAGE_URL": "file://" + str(instance / "storage"),
            "SEARCH_INDEX_DIR": str(instance / "index"), "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_URL": "http://portal.test", "SERVER_NAME": None,
            # Argon2id still, with the smallest parameters: the suite creates many accounts.
            "PASSWORD_HASHING": "cheapest", **extra}


def _empty_tables() -> None:
    """Every table emptied, children first. PostgreSQL takes the deletes as one batch (one
    round trip instead of 45: 18 -> 3 ms a test); SQLite is in-process and takes them one by one."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join('DELETE FROM "%s"' % t.name for t in tables))
        else:
            for table in tables:
                conn.execute(table.delete())


# ---------------------------------------------------------------- mail

@dataclass
class Mailbox:
    host: str
    port: int
    messages: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return "smtp://%s:%d" % (self.host, self.port)

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str) -> str:
        body = self.to(address)[-1].get_content()
        return re.findall(r"https?://\S+", body)[-1]


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) collecting every message, on a port of its own."""
    messages = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    controller = parallel.any_port_controller(Handler(), "127.0.0.1")
    controller.start()
    yield Mailbox(controller.hostname, controller.port, messages)
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.messages.clear()
    return smtp_server


# ---------------------------------------------------------------- app and clients

class PortalClient(FlaskClient):
    """A test client that fills in the CSRF token the way a browser would: from the page."""

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


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    """A fresh app on a clean database. No app context stays pushed during the test (requests
    must get their own, as in production): use ``with app.app_context()`` to query."""
    app = create_app(_test_config(database_url, tmp_path / "instance", MAIL_URL=smtp_server.url))
    app.test_client_class = PortalClient
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        limiter.reset()
        db.engine.dispose()


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(role="participant", **fields)`` -> the committed User."""
    from portal.auth import services

    counter = iter(range(1, 10_000))

    def make(role="participant", email=None, password=DEMO_PASSWORD, two_step=None, **fields):
        """``two_step``: enrol with ``tests.two_step.TEST_SECRET`` (default for the roles that
        require it, as every real account of those roles is once signed in)."""
        n = next(counter)
        with app.app_context():
            user = services.create_user(email or "%s%d@example.org" % (role, n),
                                        fields.pop("name", "%s %d" % (role.title(), n)), role,
                                        password=password, **fields)
            if two_step if two_step is not None else role in ("admin", "coordinator"):
                user.totp_secret = two_step_helper.TEST_SECRET
                user.totp_enabled_at = utcnow()
            db.session.commit()
            return UserRef(user.id, user.email, user.role, user.name)
    return make


@dataclass(frozen=True)
class UserRef:
    """What a test needs of a user, usable outside any app context."""
    id: int
    email: str
    role: str
    name: str


class Auth:
    def __init__(self, client: PortalClient):
        self.client = client

    def login(self, email: str, password: str = DEMO_PASSWORD, second_step: bool = True,
              **extra):
        """Sign in; the second step is answered with the test secret when it is asked (pass
        ``second_step=False`` to stop at it)."""
        response = self.client.submit("/login", {"email": email, "password": password, **extra},
                                      page="/login")
        return two_step_helper.answer(self.client, response, account=email) if second_step \
            else response

    def logout(self):
        return self.client.submit("/logout", page="/")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def login_as(app, make_user):
    """``login_as(role)`` -> (client, user): a fresh client signed in as a new user."""
    def login(role="participant", **fields):
        user = make_user(role, **fields)
        c = app.test_client()
        response = Auth(c).login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c, user
    return login
