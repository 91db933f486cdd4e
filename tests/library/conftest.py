"""Fixtures for the library tests: ``lib`` adds materials through the services (so the outbox
and the sync job run as in production) and looks things up."""
from __future__ import annotations

from contextlib import contextmanager, nullcontext

import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db


def _vtt(*cues) -> bytes:
    """WebVTT from (start_s, text) pairs, each cue lasting until the next (or 3 s)."""
    lines = ["WEBVTT", ""]
    for number, (start, text) in enumerate(cues):
        end = cues[number + 1][0] if number + 1 < len(cues) else start + 3
        lines += ["%s --> %s" % (_stamp(start), _stamp(end)), text, ""]
    return "\n".join(lines).encode()


def _stamp(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return "%02d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)


class Library:
    def __init__(self, app):
        self.app = app
        self._batch = None

    @contextmanager
    def batch(self):
        """Add several materials in one transaction (one index sync)."""
        with self.app.app_context():
            self._batch = True
            try:
                yield self
                jobs.commit()
            finally:
                self._batch = None

    def add(self, slug, title=None, subtitles=None, **fields):
        """A ready material (no file unless ``video=True``); ``subtitles`` {lang: vtt bytes}."""
        from portal.library.models import Material
        from portal.library.services import set_subtitles

        with nullcontext() if self._batch else self.app.app_context():
            m = Material(slug=slug, kind=fields.pop("kind", "video"),
                         title=title or {"en": slug.replace("-", " ").title()},
                         description=fields.pop("description", {}),
                         visibility=fields.pop("visibility", "public"), **fields)
            db.session.add(m)
            db.session.flush()
            for lang, data in (subtitles or {}).items():
                set_subtitles(m, lang, data, None)
            if not self._batch:
                jobs.commit()
            return m.id

    def get(self, slug):
        from portal.library.models import Material

        with self.app.app_context():
            m = db.session.scalar(select(Material).where(Material.slug == slug))
            if m is not None:
                db.session.expunge(m)
            return m

    def search(self, q, allowed=None, **kwargs):
        searcher = self.app.extensions["search_index"].searcher
        searcher.refresh()
        return searcher.search(q, allowed=allowed, **kwargs)

    def ids(self, q, allowed=None, **kwargs):
        return [h.id for h in self.search(q, allowed, **kwargs).hits]


@pytest.fixture(autouse=True)
def _background_jobs_finish(app):
    """A video a test uploaded is processed on the app's background runner: it finishes before
    the test's database is emptied (this fixture, after ``app``, is torn down before it)."""
    yield
    assert jobs.wait_idle(app, timeout=120)


@pytest.fixture
def vtt():
    """``vtt((0, "text"), (12.5, "more"))`` -> WebVTT bytes."""
    return _vtt


@pytest.fixture
def lib(app):
    return Library(app)


@pytest.fixture
def enrolled(app):
    """``enrolled(user_id, code)``: a course with that code and the user enrolled in it."""
    from datetime import date

    from portal.courses.models import Course, Enrollment

    def enrol(user_id, code, status="accepted"):
        with app.app_context():
            course = db.session.scalar(select(Course).where(Course.code == code))
            if course is None:
                course = Course(code=code, title={"en": code}, subject="education",
                                training_center="Tokyo", fiscal_year=2026,
                                pre_arrival_opens=date(2026, 1, 1), arrival=date(2026, 2, 1),
                                departure=date(2026, 3, 1))
                db.session.add(course)
                db.session.flush()
            db.session.add(Enrollment(course_id=course.id, user_id=user_id, status=status))
            db.session.commit()
    return enrol


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory):
    """Bytes of a 4-second MP4 made with ffmpeg's test pattern and a tone."""
    from portal.demo.library import make_video

    path = tmp_path_factory.mktemp("media") / "tiny.mp4"
    make_video(path, seconds=4, size="160x90")
    return path.read_bytes()



S3_BUCKET = "portal-library-test"


@pytest.fixture(scope="session")
def moto_server():
    """moto's S3 server over real HTTP (the storage tests' helper), one per test session."""
    from portal.storage import backend_for
    from portal.storage.testing import MotoServer, s3_settings

    server = MotoServer().start()
    backend_for("s3://%s" % S3_BUCKET, s3_settings(server.endpoint)).init("http://portal.test")
    yield server
    server.stop()


@pytest.fixture(params=["file", "s3"])
def backend(request, app):
    """The storage the app uses: its local folder, or a fresh S3 prefix on moto."""
    if request.param == "s3":
        import uuid

        from portal.storage import backend_for
        from portal.storage.testing import s3_settings

        server = request.getfixturevalue("moto_server")
        app.extensions["storage"] = backend_for(
            "s3://%s/l-%s" % (S3_BUCKET, uuid.uuid4().hex[:10]), s3_settings(server.endpoint))
    return app.extensions["storage"]


@pytest.fixture(scope="session")
def mkv_video(tiny_video, tmp_path_factory):
    """The tiny video rewrapped as Matroska (.mkv) by ffmpeg, stream copy."""
    import subprocess

    from portal.library.processing import ffmpeg_exe

    folder = tmp_path_factory.mktemp("mkv")
    (folder / "in.mp4").write_bytes(tiny_video)
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
                    "-i", str(folder / "in.mp4"), "-c", "copy", str(folder / "talk.mkv")],
                   check=True, capture_output=True, timeout=60)
    return (folder / "talk.mkv").read_bytes()
