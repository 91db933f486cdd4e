"""The S3 server (moto, in a process of its own) stopped in the middle of requests: frozen with
SIGSTOP while a part is being sent straight to it, and while the portal asks it for the parts
and for the completion; then resumed (SIGCONT). The client sees its part fail, the portal
answers 503 with a clear message within seconds (not a hung page), the upload resumes, and the
file is complete with its SHA-256; no record points to a missing object."""
from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
import requests

from portal.storage.testing import free_port, s3_settings

PART = 5 * 1024 * 1024
PASSWORD = "reliability password 2026"
BUCKET = "reliability"


@pytest.fixture(scope="module")
def moto(pg):
    port = free_port()
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"),
                             "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    proc.endpoint = "http://127.0.0.1:%d" % port
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(proc.endpoint + "/moto-api/", timeout=1)
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)
    yield proc
    os.kill(proc.pid, signal.SIGCONT)
    proc.terminate()
    proc.wait(20)


@pytest.fixture(scope="module")
def s3_portal(make_portal, app_for, moto):
    settings = s3_settings(moto.endpoint)
    server = make_portal(STORAGE_URL="s3://%s/portal" % BUCKET, **settings)
    server.flask("storage", "init", "--origin", server.url)
    server.start()
    app = app_for(server, STORAGE_URL="s3://%s/portal" % BUCKET, **settings)
    from portal.auth import services as accounts
    from portal.extensions import db
    with app.app_context():
        accounts.create_user("s3@reliability.example.org", "Sam Three", "participant",
                             password=PASSWORD)
        db.session.commit()
    server.app = app
    return server


def _session(server) -> requests.Session:
    s = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      s.get(server.url + "/login", timeout=30).text).group(1)
    assert s.post(server.url + "/login", data={"email": "s3@reliability.example.org",
                                               "password": PASSWORD, "csrf_token": token},
                  allow_redirects=False, timeout=30).status_code == 302
    page = s.get(server.url + "/uploads/new", timeout=30).text
    s.headers.update({"Accept": "application/json", "X-CSRFToken": re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)})
    return s


class Sized:
    """A streamed body of known length: requests sends it with one Content-Length."""

    def __init__(self, chunks, length: int):
        self.chunks, self.length = chunks, length

    def __iter__(self):
        return iter(self.chunks)

    def __len__(self) -> int:
        return self.length


def _put(server, s, upload, number, data, on_half=None):
    target = s.get("%s/uploads/%s/parts/%d" % (server.url, upload["id"], number),
                   timeout=30).json()
    assert target["direct"], target   # the browser sends parts straight to S3
    body = data[(number - 1) * upload["part_size"]:number * upload["part_size"]]

    def chunks():
        pending = on_half
        for offset in range(0, len(body), 512 * 1024):
            if pending and offset >= len(body) // 2:
                pending()
                pending = None
            yield body[offset:offset + 512 * 1024]
    try:
        r = requests.put(target["url"], data=Sized(chunks(), len(body)) if on_half else body,
                         timeout=(3, 6))
        return r.status_code
    except requests.RequestException as exc:
        return exc


def test_s3_frozen_mid_request_then_back(s3_portal, moto):
    server = s3_portal
    data = b"%PDF-1.7\n" + os.urandom(3 * PART - 4321)
    digest = hashlib.sha256(data).hexdigest()
    s = _session(server)
    created = s.post(server.url + "/uploads", json={"name": "Annual report.pdf",
                                                    "size": len(data), "purpose": "document",
                                                    "sha256": digest}, timeout=30)
    assert created.status_code == 201, created.text
    upload = created.json()
    assert _put(server, s, upload, 1, data) == 200
    frozen = threading.Event()

    def freeze():
        os.kill(moto.pid, signal.SIGSTOP)
        frozen.set()
    seen = _put(server, s, upload, 2, data, on_half=freeze)          # S3 stops mid-part
    assert frozen.is_set() and isinstance(seen, requests.RequestException), seen
    started = time.time()
    status = s.get("%s/uploads/%s" % (server.url, upload["id"]), timeout=60)
    status_wait = time.time() - started
    started = time.time()
    complete = s.post("%s/uploads/%s/complete" % (server.url, upload["id"]), timeout=60)
    complete_wait = time.time() - started
    os.kill(moto.pid, signal.SIGCONT)
    for answer, waited in ((status, status_wait), (complete, complete_wait)):
        assert answer.status_code == 503, (answer.status_code, answer.text[:300])
        error = answer.json()["error"]
        assert error["code"] == "storage_unavailable"
        assert "try again" in error["message"]
        assert waited < 15, waited
    # back: the parts already there are listed, the rest are sent, the file completes
    parts = {p["number"] for p in s.get("%s/uploads/%s" % (server.url, upload["id"]),
                                        timeout=30).json()["parts"]}
    assert 1 in parts
    for n in sorted({1, 2, 3} - parts):
        assert _put(server, s, upload, n, data) == 200
    done = s.post("%s/uploads/%s/complete" % (server.url, upload["id"]), timeout=120)
    assert done.status_code == 200, done.text
    assert done.json()["file"]["sha256"] == digest
    fetched = s.get(server.url + done.json()["file"]["url"], timeout=60)
    assert hashlib.sha256(fetched.content).hexdigest() == digest
    from sqlalchemy import select

    from portal.extensions import db
    from portal.storage import get_storage
    from portal.uploads.models import StoredFile
    with server.app.app_context():
        storage = get_storage()
        missing = [f.key for f in db.session.scalars(select(StoredFile))
                   if storage.stat(f.key) is None]
        db.session.remove()
    assert not missing
    test_s3_frozen_mid_request_then_back.figures = (
        "S3 frozen mid-part: part refused to the client; status and completion answered 503 "
        "storage_unavailable in %.1f s and %.1f s; resumed, %d MB intact"
        % (status_wait, complete_wait, len(data) // 1_000_000))
    print("\n" + test_s3_frozen_mid_request_then_back.figures)
