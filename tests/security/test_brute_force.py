"""Issue 8.4, revised by issue 16: 200 wrong passwords against one account, from one address and
from many (X-Forwarded-For behind one trusted proxy), spread over three gunicorn workers sharing
Redis: the per-account limit on failures holds across workers; the browser the owner signed in
from before (its device cookie) still signs in during the attack; a fresh browser waits, and the
real user can still reset the password and sign in with the new one."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.parallel import listening_socket

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
PASSWORD = "the real password of this official"
NEW_PASSWORD = "a new password after the attack"
PER_ACCOUNT = 10   # the default LOGIN_LIMIT_PER_ACCOUNT: 10 failures per 15 minutes
# Failures are counted after the answer (only a refused password counts), so attempts already
# in flight when the 10th failure lands pass the check together: at most one per request slot
# (3 workers x 4 threads) beyond the limit, once.
IN_FLIGHT = 3 * 4


def _up(addr) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(addr) == 0


pytestmark = pytest.mark.skipif(not _up(REDIS), reason="REDIS TESTS SKIPPED: no Redis on "
                                "127.0.0.1:6379")


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base, forwarded_for=None):
        self.base, self.forwarded_for = base, forwarded_for
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                                  NoRedirect)

    def request(self, path, data=None):
        headers = {"X-Forwarded-For": self.forwarded_for} if self.forwarded_for else {}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def submit(self, path, data, page=None):
        _, html, _ = self.request(page or path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return self.request(path, {**data, "csrf_token": token})


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp_server, make_pg_database):
    instance = tmp_path_factory.mktemp("bruteforce")
    queue = "test-bruteforce-%s" % uuid.uuid4().hex[:10]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update({"PORTAL_ENV": "testing", "PORTAL_INSTANCE_DIR": str(instance),
                "SECRET_KEY": uuid.uuid4().hex, "MAIL_URL": smtp_server.url,
                "REDIS_URL": "redis://127.0.0.1:6379/0", "TRUSTED_PROXIES": "1",
                "TEST_JOBS_QUEUE": queue, "PYTHONPATH": str(ROOT / "tests" / "security"),
                "DATABASE_URL": make_pg_database() or "sqlite:///%s" % (instance / "p.db")})
    email = "target-%s@example.org" % uuid.uuid4().hex[:12]

    def flask(*args):
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi_jobs_queue", *args],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout
    flask("db", "upgrade")
    subprocess.run([sys.executable, "-c", (
        "from wsgi_jobs_queue import app\nfrom portal.auth import services\n"
        "from portal.extensions import db\nwith app.app_context():\n"
        "    services.create_user(%r, 'Target Official', 'participant', password=%r)\n"
        "    db.session.commit()\n") % (email, PASSWORD)], cwd=ROOT, env=env, check=True,
        timeout=120)
    sock = listening_socket()   # a port of its own, even with other test workers about
    port = sock.getsockname()[1]
    log = open(instance / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "3", "--threads", "4",
                             "-b", "fd://%d" % sock.fileno(), "wsgi_jobs_queue:app"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            pass_fds=[sock.fileno()])
    sock.close()
    base = "http://127.0.0.1:%d" % port
    deadline = time.time() + 60
    while Browser(base).request("/healthz")[0] != 200 if _up(("127.0.0.1", port)) else True:
        assert time.time() < deadline and proc.poll() is None, (instance / "gunicorn.log"
                                                                ).read_text()[-2000:]
        time.sleep(0.3)
    yield base, email, flask, smtp_server
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    import redis
    r = redis.Redis(*REDIS)
    for key in r.scan_iter("*%s*" % email):
        r.delete(key)
    for key in r.scan_iter("*%s*" % queue):
        r.delete(key)


def _attack(base, email, addresses) -> list[int]:
    def attempt(n):
        b = Browser(base, forwarded_for=addresses(n))
        return b.submit("/login", {"email": email, "password": "wrong-%d" % n})[0]
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(attempt, range(200)))


def test_200_wrong_passwords_from_one_and_from_many_addresses(server):
    base, email, flask, mailbox = server
    # the owner signed in from this laptop before the attack (it keeps a device cookie)
    laptop = Browser(base, "192.0.2.50")
    assert laptop.submit("/login", {"email": email, "password": PASSWORD})[0] == 302
    assert laptop.submit("/logout", {}, page="/")[0] == 302
    one = _attack(base, email, lambda n: "203.0.113.7")
    assert set(one) <= {401, 429}
    assert PER_ACCOUNT <= one.count(401) < PER_ACCOUNT + IN_FLIGHT, one.count(401)
    many = _attack(base, email, lambda n: "198.51.100.%d" % (n % 250 + 1))
    assert many.count(401) == 0 and set(many) == {429}
    # the right password from a fresh browser is refused too while the account is under attack
    assert Browser(base, "192.0.2.9").submit("/login", {"email": email,
                                                        "password": PASSWORD})[0] == 429
    # ...but not from the owner's laptop, whatever its address now
    laptop.forwarded_for = "198.51.100.77"
    status, _, headers = laptop.submit("/login", {"email": email, "password": PASSWORD})
    assert status == 302, "the owner's known browser is locked out by the attack: %s" % status
    # ...but the real user can reset the password (mail through the Redis job queue)
    mailbox.messages.clear()
    status, html, _ = Browser(base, "192.0.2.10").submit("/password/forgot", {"email": email})
    assert status == 200
    flask("jobs", "worker", "--burst")
    link = mailbox.last_link(email)
    path = "/" + link.split("/", 3)[3]
    user = Browser(base, "192.0.2.10")
    status, _, headers = user.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert status == 302, status
    status, _, headers = user.submit("/login", {"email": email, "password": NEW_PASSWORD})
    assert status == 302, "the real user is still locked out after the reset: %s" % status
