"""kill -9 of every gunicorn process while a video is converted on the embedded background
runner (issue 15.5); then the portal starts again: the save had answered at once, the material
stays "processing" (never "ready" with missing renditions), a claim still alive is not taken
twice, and once the dead job's heartbeat is stale the sweep of the new processes converts it
from the start: ready, real duration, every rendition in the store."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import requests

PASSWORD = "reliability password 2026"
SECONDS = 60


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A 60-second 720p video (about 10 MB): long enough to be killed mid-conversion."""
    import subprocess

    from portal.library.processing import ffmpeg_exe
    path = tmp_path_factory.mktemp("media") / "talk.mp4"
    subprocess.run([  # an argument list, no shell
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=%d" % SECONDS,
        "-f", "lavfi", "-i", "sine=frequency=440:duration=%d" % SECONDS,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(path)],
        check=True, timeout=600)
    return path.read_bytes()


def _material(app, slug):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.library.models import Material
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        db.session.expunge(m)
        return m


def test_kill9_during_the_conversion_then_the_sweep_converts_it_again(make_portal, app_for,
                                                                      video):
    from sqlalchemy import update

    from portal.auth import services as accounts
    from portal.db_types import utcnow
    from portal.extensions import db
    from portal.library.models import Material

    portal = make_portal(JOBS_SWEEP_INTERVAL="1")
    portal.start()
    app = app_for(portal)
    with app.app_context():
        accounts.create_user("maker@reliability.example.org", "Kenji Maker", "instructor",
                             password=PASSWORD)
        db.session.commit()

    session = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      session.get(portal.url + "/login", timeout=30).text).group(1)
    assert session.post(portal.url + "/login", data={
        "email": "maker@reliability.example.org", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False, timeout=30).status_code == 302
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      session.get(portal.url + "/library/new", timeout=30).text).group(1)
    started = time.monotonic()
    r = session.post(portal.url + "/library/new", data={
        "csrf_token": token, "kind": "video", "title_en": "Killed while converting",
        "subjects": "health", "year": "2024", "audio_language": "en", "visibility": "public",
        "allow_download": "y", "file_id": ""}, files={"file": ("talk.mp4", video, "video/mp4")},
        allow_redirects=False, timeout=120)
    answered = time.monotonic() - started
    assert r.status_code == 302, r.text[:500]
    slug = r.headers["Location"].split("/m/")[1].split("/")[0]
    print("\nsave request answered in %.2f s (10 MB video, %d s)" % (answered, SECONDS))

    deadline = time.monotonic() + 60
    while not (_material(app, slug).progress or 0) > 0:   # converting, and it said how far
        assert _material(app, slug).state == "processing", "converted before the kill"
        assert time.monotonic() < deadline, "the runner never reported progress"
        time.sleep(0.1)
    before_kill = _material(app, slug)
    assert before_kill.state == "processing", "converted before the kill: use a longer video"
    portal.kill9()
    print("killed at %s %% of the conversion" % before_kill.progress)

    left = _material(app, slug)
    assert left.state == "processing" and left.processing_step == "converting"
    assert {f.role for f in left.files} == {"original"}          # nothing half-written
    portal.start()          # its first requests sweep: the claim is fresh, so it is left alone
    for _ in range(3):
        requests.get(portal.url + "/healthz", timeout=30)
        time.sleep(1.2)
    assert _material(app, slug).heartbeat_at == left.heartbeat_at

    # Five minutes later (STALE_AFTER, simulated): the next sweep takes it up.
    with app.app_context():
        db.session.execute(update(Material).where(Material.slug == slug).values(
            heartbeat_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
    deadline = time.monotonic() + 300
    while _material(app, slug).state == "processing":
        assert time.monotonic() < deadline, portal.log()[-3000:]
        requests.get(portal.url + "/healthz", timeout=30)   # a request now and then sweeps
        time.sleep(1.0)
    done = _material(app, slug)
    assert done.state == "ready", (done.failure_code, done.failure_reason)
    assert done.duration_s == SECONDS and not done.incomplete
    assert {f.role for f in done.files} == {"original", "low", "audio", "poster"}
    from portal.storage import get_storage
    with app.app_context():
        store = get_storage()
        for f in done.files:
            with store.open(f.file.key) as stream:
                assert stream.read(16), f.role
    status = session.get(portal.url + "/library/m/%s/status" % slug, timeout=30).json()
    assert status["state"] == "ready" and status["duration_s"] == SECONDS
    portal.stop()
