"""Fault-injection harness (issue 8.9), run by ``make reliability`` (RELIABILITY=1), skipped
otherwise: the runs take minutes and start servers of their own.

- ``pg``: a throw-away PostgreSQL cluster of this session (``initdb`` + ``pg_ctl`` from
  /usr/lib/postgresql/*/bin as the postgres user, in a temporary folder, on a free port). It
  never touches the machine's main server. ``pg.stop_immediate()`` is a crash;
  ``pg.start()`` recovers.
- ``portal``: gunicorn (2 workers) serving the portal on that database, with a local
  storage folder; ``portal.kill9()`` kills the master and its workers with SIGKILL,
  ``portal.start()`` serves again on the same port, instance and database.
- ``local_app``: the same portal as an in-process app, to set up data and to check the
  database and the store afterwards.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = os.environ.get("RELIABILITY") == "1"
SKIP = "RELIABILITY RUNS SKIPPED: they run with `make reliability` (RELIABILITY=1)"
SECRET = "reliability-secret-key"


def free_port() -> int:
    from portal.storage.testing import free_port as free
    return free()


class PgCluster:
    """A PostgreSQL cluster of our own, in a temporary folder, owned by the postgres user."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins or shutil.which("runuser") is None or os.geteuid() != 0:
            pytest.skip("no PostgreSQL binaries, runuser or root: cannot make a throw-away "
                        "cluster")
        self.bin = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="portal-reliability-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "-E", "UTF8", "--no-sync")

    def _as_postgres(self, *args: str) -> str:
        out = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True,
                             text=True, timeout=180)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        return out.stdout

    def start(self) -> None:
        options = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=60" \
            % (self.port, self.dir)
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.dir / "postgres.log"), "-w", "-t", "120", "-o", options,
                          "start")

    def stop_immediate(self) -> None:
        """A crash: no checkpoint, clients cut off; the next start replays the WAL."""
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "stop")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                        str(self.data), "-m", "fast", "-w", "stop"], capture_output=True,
                       timeout=60)

    def url(self, database: str = "postgres") -> str:
        return "postgresql+psycopg://postgres@127.0.0.1:%d/%s" % (self.port, database)

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text('CREATE DATABASE "%s"' % name))
        engine.dispose()
        return self.url(name)


class Portal:
    """gunicorn serving the portal; killed with SIGKILL and started again at will."""

    def __init__(self, instance: Path, env: dict, workers: int = 2):
        self.instance, self.env, self.workers = instance, env, workers
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def flask(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                             env=self.env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout

    def start(self) -> None:
        self.starts += 1
        log = open(self.instance / ("gunicorn-%d.log" % self.starts), "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "--threads", "4",
             "-b", "127.0.0.1:%d" % self.port, "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return
            except Exception as error:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.kill9()
                    raise RuntimeError("gunicorn did not start:\n" + self.log()[-3000:]) \
                        from error
                time.sleep(0.2)

    def kill9(self) -> None:
        """SIGKILL to the master and every worker (its process group): a crash."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()
            self.proc = None

    def log(self) -> str:
        return "".join(p.read_text(errors="replace")
                       for p in sorted(self.instance.glob("gunicorn-*.log")))


def portal_env(instance: Path, database_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update({"PORTAL_ENV": "testing", "PORTAL_INSTANCE_DIR": str(instance),
                "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
                "PASSWORD_HASHING": "cheapest", "PYTHONUNBUFFERED": "1",
                "LOGIN_LIMIT_PER_ADDRESS": "5000 per 15 minutes",
                "LOGIN_LIMIT_PER_ACCOUNT": "1000 per 15 minutes"})
    env.update(extra)
    return env


@pytest.fixture(scope="session", autouse=True)
def _only_with_make_reliability():
    if not RUN:
        pytest.skip(SKIP)


@pytest.fixture(scope="session")
def pg(_only_with_make_reliability):
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def make_portal(pg, tmp_path_factory):
    """``make_portal(**env)``: the portal on a new database of the throw-away cluster,
    migrated, not started yet (``.start()``); stopped at the end of the module."""
    made = []

    def make(**extra_env) -> Portal:
        instance = tmp_path_factory.mktemp("reliability-instance")
        url = pg.create_database("portal_%d" % free_port())
        server = Portal(instance, portal_env(instance, url, **extra_env))
        server.flask("translations", "compile")
        server.flask("db", "upgrade")
        server.database_url = url
        made.append(server)
        return server
    yield make
    for server in made:
        server.stop()


@pytest.fixture(scope="module")
def portal(make_portal):
    """The portal with a local storage folder, served by gunicorn."""
    server = make_portal()
    server.start()
    return server


@pytest.fixture(scope="module")
def local_app(portal):
    """The same portal (database, storage, index folder) as an in-process app."""
    app = in_process_app(portal)
    yield app
    close_app(app)


def in_process_app(server: Portal, **config):
    from portal.app import create_app
    return create_app({"TESTING": False, "PORTAL_ENV": "testing", "SECRET_KEY": SECRET,
                      "INSTANCE_PATH": str(server.instance),
                      "SQLALCHEMY_DATABASE_URI": server.database_url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
                      "STORAGE_URL": "file://" + str(server.instance / "storage"),
                      "SEARCH_INDEX_DIR": str(server.instance / "search-index"),
                      "RATELIMIT_STORAGE_URI": "memory://", "PASSWORD_HASHING": "cheapest",
                      **config})


@pytest.fixture(scope="module")
def app_for():
    """``app_for(server, **config)``: an in-process app on that server's database."""
    apps = []

    def make(server: Portal, **config):
        apps.append(in_process_app(server, **config))
        return apps[-1]
    yield make
    for app in apps:
        close_app(app)


def close_app(app) -> None:
    from portal.extensions import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Browser:
    """A signed-in HTTP session (requests) speaking to the portal as a browser does."""

    def __init__(self, base: str):
        import requests
        self.base, self.http = base, requests.Session()

    def csrf(self, page: str = "/") -> str:
        import re
        text = self.http.get(self.base + page, timeout=30).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text).group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        r = self.http.post(self.base + "/login", data={"email": email, "password": password,
                                                       "csrf_token": token},
                           allow_redirects=False, timeout=30)
        assert r.status_code == 302, (r.status_code, r.text[:300])


@pytest.fixture
def browser_session(portal):
    return lambda: Browser(portal.url)
