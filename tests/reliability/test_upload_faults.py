"""kill -9 of every gunicorn process during an upload at 10 %, 50 % and 90 % (in the middle of a
part) and during the completion; then the portal starts again and the same client resumes:
the parts received before the crash are listed, the rest are sent, the file is complete with
its SHA-256, and no stored file points to a missing object."""
from __future__ import annotations

import hashlib
import os
import re
import threading
import time

import pytest
import requests

PART = 5 * 1024 * 1024
PASSWORD = "reliability password 2026"


@pytest.fixture(scope="module")
def uploader(local_app, portal):
    from portal.auth import services as accounts
    from portal.extensions import db

    with local_app.app_context():
        user = accounts.create_user("uploader@reliability.example.org", "Awa Uploader",
                                    "participant", password=PASSWORD)
        db.session.commit()
        return user.email


def _client(portal, email):
    """A signed-in session speaking the upload protocol as the widget does."""
    session = requests.Session()
    page = session.get(portal.url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = session.post(portal.url + "/login", data={"email": email, "password": PASSWORD,
                                                  "csrf_token": token},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:300]
    page = session.get(portal.url + "/uploads/new", timeout=30).text
    session.headers.update({"X-CSRFToken": re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1), "Accept": "application/json"})
    return session


class Sized:
    """A streamed body of known length: requests sends it with one Content-Length."""

    def __init__(self, chunks, length: int):
        self.chunks, self.length = chunks, length

    def __iter__(self):
        return iter(self.chunks)

    def __len__(self) -> int:
        return self.length


def _send_part(portal, session, upload, number, data, kill_at: float | None = None):
    """PUT part ``number``; with ``kill_at`` the server is killed when that fraction of the
    part has been sent. Returns the status, or the exception the client saw."""
    start = (number - 1) * upload["part_size"]
    body = data[start:start + upload["part_size"]]
    target = session.get("%s/uploads/%s/parts/%d" % (portal.url, upload["id"], number),
                         timeout=30).json()

    def chunks():
        step = 256 * 1024
        for offset in range(0, len(body), step):
            if kill_at is not None and offset >= kill_at * len(body):
                portal.kill9()
            yield body[offset:offset + step]
    try:
        r = session.put(portal.url + target["url"],
                        data=Sized(chunks(), len(body)) if kill_at else body,
                        headers={"Content-Type": "application/octet-stream"}, timeout=60)
        return r.status_code
    except requests.RequestException as exc:
        return exc


def _check_store(local_app) -> list[str]:
    """Every stored file's object exists with the recorded size (and SHA-256 where set)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.storage import get_storage
    from portal.storage.base import read_sha256
    from portal.uploads.models import StoredFile

    problems = []
    with local_app.app_context():
        storage = get_storage()
        for f in db.session.scalars(select(StoredFile)):
            stat = storage.stat(f.key)
            if stat is None:
                problems.append("file %d: object %s missing" % (f.id, f.key))
            elif stat.size != f.size:
                problems.append("file %d: %d bytes, %d recorded" % (f.id, stat.size, f.size))
            elif f.sha256 and read_sha256(storage, f.key).sha256 != f.sha256:
                problems.append("file %d: checksum differs" % f.id)
        db.session.remove()
    return problems


RESULTS: list[str] = []


@pytest.mark.parametrize("percent", [10, 50, 90])
def test_kill9_during_an_upload_then_resume(portal, local_app, uploader, percent):
    parts = 10
    data = os.urandom(parts * PART - 12345)
    data = b"%PDF-1.7\n" + data[9:]
    digest = hashlib.sha256(data).hexdigest()
    session = _client(portal, uploader)
    created = session.post(portal.url + "/uploads", json={
        "name": "Country report.pdf", "size": len(data), "purpose": "document",
        "sha256": digest}, timeout=30)
    assert created.status_code == 201, created.text
    upload = created.json()
    assert upload["part_count"] == parts
    crash_part = max(1, round(percent / 100 * parts))  # 10 % -> part 1, 50 % -> 5, 90 % -> 9
    for n in range(1, crash_part):
        assert _send_part(portal, session, upload, n, data) == 200
    seen = _send_part(portal, session, upload, crash_part, data, kill_at=0.5)
    assert isinstance(seen, requests.RequestException), seen   # the client sees the drop
    portal.start()
    status = session.get("%s/uploads/%s" % (portal.url, upload["id"]), timeout=30).json()
    received = {p["number"]: p["size"] for p in status["parts"]}
    assert set(received) == set(range(1, crash_part)), received   # no half part counted
    assert all(received[n] == upload["part_size"] for n in received)
    for n in range(crash_part, parts + 1):
        assert _send_part(portal, session, upload, n, data) == 200
    done = session.post("%s/uploads/%s/complete" % (portal.url, upload["id"]), timeout=120)
    assert done.status_code == 200, done.text
    stored = done.json()["file"]
    assert stored["sha256"] == digest and stored["size"] == len(data)
    back = session.get(portal.url + stored["url"], timeout=60)
    assert hashlib.sha256(back.content).hexdigest() == digest
    assert not _check_store(local_app)
    RESULTS.append("kill -9 at %d%%: resumed from part %d, %d MB intact"
                   % (percent, crash_part, len(data) // 1_000_000))
    print("\n" + RESULTS[-1])


def test_kill9_during_the_completion_then_finish(portal, local_app, uploader):
    """The completion joins 19 parts (95 MB) and hashes them; the server dies in the middle.
    Afterwards the upload is still 'completing' (another request may be finishing it), so the
    client is told to wait; once the claim is stale (15 minutes, simulated here) completing
    again gives the whole file with its checksum."""
    from sqlalchemy import select, update

    from portal.db_types import utcnow
    from portal.extensions import db
    from portal.uploads.models import Upload
    from portal.uploads.services import COMPLETING_TIMEOUT

    parts = 19
    data = b"%PDF-1.7\n" + os.urandom(parts * PART - 9)
    digest = hashlib.sha256(data).hexdigest()
    session = _client(portal, uploader)
    upload = session.post(portal.url + "/uploads", json={
        "name": "Video notes.pdf", "size": len(data), "purpose": "document",
        "sha256": digest}, timeout=30).json()
    for n in range(1, parts + 1):
        assert _send_part(portal, session, upload, n, data) == 200
    outcome = {}

    def complete():
        try:
            outcome["r"] = session.post("%s/uploads/%s/complete" % (portal.url, upload["id"]),
                                        timeout=120)
        except requests.RequestException as exc:
            outcome["r"] = exc
    worker = threading.Thread(target=complete)
    worker.start()
    deadline = time.time() + 30
    with local_app.app_context():   # kill as soon as the completion has claimed the upload
        while time.time() < deadline:
            state = db.session.scalar(select(Upload.state).where(Upload.id == upload["id"]))
            db.session.rollback()
            if state != "open":
                break
        db.session.remove()
    portal.kill9()
    assert state == "completing", state
    worker.join(60)
    assert isinstance(outcome["r"], requests.RequestException), outcome["r"]
    portal.start()
    again = session.post("%s/uploads/%s/complete" % (portal.url, upload["id"]), timeout=120)
    assert again.status_code == 409 and again.json()["error"]["code"] == "upload_busy"
    assert again.json()["error"]["message"]          # "This upload is being finished. Wait…"
    with local_app.app_context():
        db.session.execute(update(Upload).where(Upload.id == upload["id"]).values(
            updated_at=utcnow() - COMPLETING_TIMEOUT - COMPLETING_TIMEOUT / 15))
        db.session.commit()
        db.session.remove()
    done = session.post("%s/uploads/%s/complete" % (portal.url, upload["id"]), timeout=300)
    assert done.status_code == 200, done.text
    assert done.json()["file"]["sha256"] == digest
    back = session.get(portal.url + done.json()["file"]["url"], timeout=120)
    assert hashlib.sha256(back.content).hexdigest() == digest
    assert not _check_store(local_app)
    RESULTS.append("kill -9 during completion (95 MB): 409 upload_busy until the claim is "
                   "stale (15 min, simulated), then complete with its checksum")
    print("\n" + RESULTS[-1])
