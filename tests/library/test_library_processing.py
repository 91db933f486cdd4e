"""Media processing outside the request (issue 15.5): saving a video answers at once and the
pages show where its processing stands; a file that decodes shorter than it declares is flagged
to its owner with its real duration; a material left processing by a stopped process is taken
up again; `flask library import` counts processing failures in its summary and exit status.
Real ffmpeg, real (truncated) files. Every test runs on SQLite and on PostgreSQL."""
import io
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import jobs
from portal.db_types import utcnow
from portal.extensions import db
from portal.library import processing
from portal.library.models import Material

from .test_library_pages import _form


@pytest.fixture(scope="session")
def long_video(tmp_path_factory):
    """A 20-second MP4 (faststart: its index, with the declared duration, comes first)."""
    from portal.demo.library import make_video

    path = tmp_path_factory.mktemp("media") / "long.mp4"
    make_video(path, seconds=20, size="160x90")
    return path.read_bytes()


@pytest.fixture(scope="session")
def cut_video(long_video):
    """The same file cut in half, as a copy or an upload that stopped midway leaves it: the
    container still declares 20 s, the frames stop after about 9."""
    return long_video[:len(long_video) // 2]


def _upload(client, video, name="clip.mp4", **extra):
    data = _form(**extra)
    data["file"] = (io.BytesIO(video), name)
    return client.submit("/library/new", data, content_type="multipart/form-data")


def _slug(response):
    return response.headers["Location"].split("/m/")[1].split("/")[0]


def _material(app, slug):
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        db.session.expunge(m)
        return m


def test_saving_answers_before_the_processing_and_the_pages_follow_it(app, login_as, monkeypatch,
                                                                      tiny_video):
    """The conversion is held until the pages have been looked at: the save answered while it
    had not even started, and each page says how far it is."""
    release, converting = threading.Event(), threading.Event()
    convert = processing.make_derivatives

    def held(*args, **kwargs):
        converting.set()
        assert release.wait(60)
        return convert(*args, **kwargs)

    monkeypatch.setattr(processing, "make_derivatives", held)
    instructor, _ = login_as("instructor")
    response = _upload(instructor, tiny_video)
    assert response.status_code == 302
    slug = _slug(response)
    assert converting.wait(30)                      # the runner took it, after the answer
    m = _material(app, slug)
    assert m.state == "processing" and m.processing_step == "converting"

    status = instructor.get("/library/m/%s/status" % slug)
    assert status.status_code == 200 and status.headers["Cache-Control"] == "no-store"
    body = status.get_json()
    assert body["active"] is True and body["state"] == "processing"
    assert body["step"] == "converting" and body["label"].startswith("Converting")
    edit = instructor.get("/library/m/%s/edit" % slug).get_data(as_text=True)
    assert 'data-processing-status="/library/m/%s/status"' % slug in edit
    assert "Refresh to see how it is going" in edit and "js/processing.js" in edit
    assert "http-equiv" not in edit      # never reloads by itself: the form may hold typing
    listing = instructor.get("/library/manage").get_data(as_text=True)
    assert "Converting" in listing and "Refresh to see how it is going" in listing
    page = instructor.get("/library/m/%s" % slug).get_data(as_text=True)
    assert "data-processing-status" in page          # its owner follows it there too

    release.set()
    assert jobs.wait_idle(app)
    assert _material(app, slug).updated_at == m.updated_at   # processing is not an edit
    body = instructor.get("/library/m/%s/status" % slug).get_json()
    assert body == {"state": "ready", "step": None, "progress": None, "label": "Ready",
                    "message": None, "detail": None, "incomplete": None, "duration_s": 4,
                    "active": False}
    listing = instructor.get("/library/manage").get_data(as_text=True)
    assert "Refresh to see how it is going" not in listing and "Ready" in listing


@pytest.mark.parametrize("lang, words", [("fr", "Conversion"), ("es", "Convirtiendo")])
def test_the_status_is_in_the_readers_language(app, login_as, lang, words):
    instructor, me = login_as("instructor", language=lang)
    with app.app_context():
        m = Material(slug="shown", title={"en": "Shown"}, state="processing",
                     processing_step="converting", progress=40, heartbeat_at=utcnow(),
                     created_by_id=me.id)
        db.session.add(m)
        db.session.commit()
    body = instructor.get("/library/m/shown/status").get_json()
    assert body["progress"] == 40 and words in body["label"] and "40" in body["label"]
    assert "%" in body["label"]
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == "shown"))
        m.state, m.failure_code, m.failure_reason = "failed", "unreadable", "moov atom not found"
        db.session.commit()
    body = instructor.get("/library/m/shown/status").get_json()
    assert body["active"] is False and body["detail"] == "moov atom not found"
    assert {"fr": "lisible", "es": "legible"}[lang] in body["message"]


def test_the_status_is_for_the_materials_staff_only(app, login_as, lib):
    lib.add("someone-elses", state="processing", processing_step="queued")
    other, _ = login_as("instructor")
    assert other.get("/library/m/someone-elses/status").status_code == 404
    participant, _ = login_as("participant")
    assert participant.get("/library/m/someone-elses/status").status_code == 403
    assert app.test_client().get("/library/m/someone-elses/status").status_code == 302
    coordinator, _ = login_as("coordinator")
    assert coordinator.get("/library/m/someone-elses/status").get_json()["step"] == "queued"


def test_a_cut_video_is_flagged_with_its_real_duration(app, login_as, client, cut_video):
    instructor, _ = login_as("instructor")
    slug = _slug(_upload(instructor, cut_video, name="cut.mp4"))
    assert jobs.wait_idle(app)
    m = _material(app, slug)
    assert m.state == "ready" and m.incomplete
    assert m.declared_duration_s == 20 and 5 <= m.duration_s <= 12   # what plays
    low = {f.role for f in m.files}
    assert {"low", "audio", "poster"} <= low
    listing = instructor.get("/library/manage").get_data(as_text=True)
    assert "Incomplete file" in listing and "it says it lasts 0:20" in listing
    real = "0:%02d" % m.duration_s
    edit = instructor.get("/library/m/%s/edit" % slug).get_data(as_text=True)
    assert "Incomplete file" in edit and "only %s can be played" % real in edit
    assert "upload the complete file again" in edit
    page = client.get("/library/m/%s" % slug).get_data(as_text=True)
    assert real in page and "0:20" not in page             # readers see the real duration
    assert "Incomplete file" not in page                   # the flag is for its staff
    body = instructor.get("/library/m/%s/status" % slug).get_json()
    assert body["label"] == "Incomplete file" and real in body["incomplete"]


def test_a_whole_file_is_not_flagged_and_the_check_has_a_margin():
    assert not processing.falls_short(20.0, 19.5)      # codec delay, rounding
    assert not processing.falls_short(3600.0, 3540.0)  # 60 s of an hour: under 2 %
    assert processing.falls_short(3600.0, 3500.0)
    assert processing.falls_short(20.0, 9.0)
    assert not processing.falls_short(0.5, 0.1)        # under a second


def test_the_conversion_reports_its_progress(tmp_path, long_video):
    source = tmp_path / "long.mp4"
    source.write_bytes(long_video)
    seen = []
    outputs = processing.make_derivatives(source, tmp_path, 20.0, on_progress=seen.append)
    assert seen and seen == sorted(seen) and seen[0] >= 0 and seen[-1] <= 99
    assert seen[-1] >= 50
    assert 19 <= processing.decoded_seconds(outputs) <= 21


def _stuck(app, slug, video_bytes, step, heartbeat):
    """A material left processing, its original stored, as a stopped process leaves it."""
    from portal.library.services import attach_file, store_file
    with app.app_context():
        m = Material(slug=slug, title={"en": slug}, state="processing", processing_step=step,
                     heartbeat_at=heartbeat)
        db.session.add(m)
        db.session.flush()
        attach_file(m, "original", store_file(io.BytesIO(video_bytes), slug + ".mp4",
                                              "video/mp4", None))
        db.session.commit()


def test_a_restart_takes_up_what_a_stopped_process_left(app, client, tiny_video):
    now = utcnow()
    _stuck(app, "was-queued", tiny_video, "queued", now)
    _stuck(app, "job-died", tiny_video, "converting", now - timedelta(minutes=30))
    _stuck(app, "job-alive", tiny_video, "converting", now)   # another process works on it
    app.config["JOBS_SWEEP_INTERVAL"] = 60.0
    assert client.get("/healthz").status_code == 200          # the first request sweeps
    assert jobs.wait_idle(app)
    assert _material(app, "was-queued").state == "ready"
    died = _material(app, "job-died")
    assert died.state == "ready" and died.duration_s == 4 and died.processing_step is None
    alive = _material(app, "job-alive")
    assert alive.state == "processing" and alive.processing_step == "converting"
    client.get("/healthz")                                    # not due again for a minute
    assert jobs.wait_idle(app)
    assert _material(app, "job-alive").state == "processing"


def test_a_material_queued_again_meanwhile_is_left_to_the_newer_job(app, tiny_video):
    _stuck(app, "requeued", tiny_video, "queued", utcnow())
    convert = processing.make_derivatives

    def requeue_then_convert(*args, **kwargs):
        with app.app_context():   # a new file or a retry arrives while this job converts
            m = db.session.scalar(select(Material).where(Material.slug == "requeued"))
            m.processing_step = "queued"
            db.session.commit()
        return convert(*args, **kwargs)

    with app.app_context():
        material_id = db.session.scalar(select(Material.id).where(Material.slug == "requeued"))
        processing.make_derivatives, saved = requeue_then_convert, convert
        try:
            processing.process(material_id)
        finally:
            processing.make_derivatives = saved
    m = _material(app, "requeued")
    assert m.state == "processing" and m.processing_step == "queued"   # for the newer job
    assert {f.role for f in m.files} == {"original"}                   # nothing half-written
    with app.app_context():
        processing.process(material_id)
    assert _material(app, "requeued").state == "ready"


def _manifest(folder, items, files):
    (folder / "media").mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        (folder / relative).write_bytes(data)
    path = folder / "manifest.json"
    path.write_text(json.dumps({"materials": items}), encoding="utf-8")
    return path


def test_an_import_syncs_the_index_once_and_every_item_is_found(app, runner, client, tmp_path,
                                                               tiny_video, monkeypatch):
    """Each item is committed (and processed) on its own, but the search index is brought up to
    date once, when the import ends: one index write for a whole catalogue, not one an item."""
    from portal.library import indexing
    syncs, real_sync = [], indexing.sync
    monkeypatch.setattr(indexing, "sync", lambda *a, **kw: syncs.append(1) or real_sync(*a, **kw))
    words = ("rainwater", "kaizen", "mangrove")
    manifest = _manifest(tmp_path, [
        {"id": word, "kind": "video", "title": {"en": "About %s" % word},
         "file": "media/%s.mp4" % word} for word in words],
        {"media/%s.mp4" % word: tiny_video for word in words})
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    assert len(syncs) == 1
    for word in words:
        html = client.get("/library/search?q=" + word).get_data(as_text=True)
        assert "About %s" % word in html, word


def test_import_counts_processing_failures_and_incomplete_files(app, runner, tmp_path,
                                                                tiny_video, cut_video):
    manifest = _manifest(tmp_path, [
        {"id": "good", "kind": "video", "title": {"en": "Good"}, "file": "media/good.mp4"},
        {"id": "broken", "kind": "video", "title": {"en": "Broken"},
         "file": "media/broken.mp4"},
        {"id": "cut", "kind": "video", "title": {"en": "Cut"}, "file": "media/cut.mp4"},
    ], {"media/good.mp4": tiny_video, "media/broken.mp4": b"\x00\x00\x00\x18ftypmp42" + b"x" * 500,
        "media/cut.mp4": cut_video})
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 1, result.output
    assert "3 created, 0 updated, 0 errors, 1 processing failed, 1 incomplete" in result.output
    assert "failed  broken: processing failed:" in result.output
    assert "short   cut: incomplete file: the file declares 20 s" in result.output
    assert _material(app, "good").state == "ready"
    assert _material(app, "broken").state == "failed"
    assert _material(app, "broken").failure_code == "unreadable"
    # Run again with the same files: the failed one is tried again, and fails again.
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 1
    assert "0 created, 3 updated, 0 errors, 1 processing failed, 1 incomplete" in result.output
    # Fixed files: everything processed, exit 0.
    (tmp_path / "media/broken.mp4").write_bytes(tiny_video)
    (tmp_path / "media/cut.mp4").write_bytes(tiny_video + b"")
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 0, result.output
    assert "0 created, 3 updated, 0 errors, 0 processing failed, 0 incomplete" in result.output
    assert not _material(app, "cut").incomplete and _material(app, "cut").duration_s == 4
