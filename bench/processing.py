"""Benchmark of saving a video with the embedded defaults (no REDIS_URL): how long the save
request takes, with the processing inside it (as before issue 15) and on the background runner
(now), and how long until the video is ready.

A 720p, 25 fps test-pattern video with a tone (``--seconds``, 180 by default) is made with ffmpeg,
then an instructor posts the "Add a material" form with it (the plain form, as without
JavaScript) through the whole Flask app (Flask's test client; SQLite and the local file store in
a temporary folder). "inline" reproduces the old behaviour by taking ``library.process`` off the
background jobs; "background" is the code as it is.

    .venv/bin/python bench/processing.py [--seconds 180] [--size 1280x720]
"""
from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark password 1"


def make_video(path: Path, seconds: int, size: str) -> None:
    from portal.library.processing import ffmpeg_exe
    subprocess.run([  # an argument list, no shell
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", "testsrc2=size=%s:rate=25:duration=%d" % (size, seconds),
        "-f", "lavfi", "-i", "sine=frequency=440:duration=%d" % seconds,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(path)],
        check=True, timeout=1800)


def build_app(workdir: Path):
    from flask_migrate import upgrade

    from portal.app import create_app
    from portal.auth import services as accounts
    from portal.extensions import db

    app = create_app({"TESTING": True, "PORTAL_ENV": "testing", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": str(workdir), "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///%s" % (workdir / "bench.sqlite3"),
                      "STORAGE_URL": "file://" + str(workdir / "storage"),
                      "SEARCH_INDEX_DIR": str(workdir / "index"),
                      "RATELIMIT_STORAGE_URI": "memory://", "UPLOAD_FORM_MAX": 512 << 20,
                      "MAX_CONTENT_LENGTH": 600 << 20, "PASSWORD_HASHING": "cheapest"})
    with app.app_context():
        upgrade()
        accounts.create_user("bench-instructor@example.org", "Bench", "instructor",
                             password=PASSWORD)
        db.session.commit()
    return app


def save(app, video: bytes, title: str) -> tuple[float, str]:
    client = app.test_client()
    response = client.post("/login", data={"email": "bench-instructor@example.org",
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    data = {"kind": "video", "title_en": title, "description_en": "", "subjects": ["health"],
            "keywords": "", "year": "2024", "audio_language": "en", "producer": "",
            "courses": "", "visibility": "public", "allow_download": "y", "file_id": "",
            "file": (io.BytesIO(video), "talk.mp4")}
    started = time.perf_counter()
    response = client.post("/library/new", data=data, content_type="multipart/form-data")
    took = time.perf_counter() - started
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return took, re.search(r"/m/([^/]+)/", response.headers["Location"]).group(1)


def state(app, slug: str) -> str:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.library.models import Material
    with app.app_context():
        return db.session.scalar(select(Material.state).where(Material.slug == slug))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    from portal import jobs

    with tempfile.TemporaryDirectory(prefix="bench-processing-") as tmp:
        workdir = Path(tmp)
        source = workdir / "talk.mp4"
        make_video(source, args.seconds, args.size)
        video = source.read_bytes()
        app = build_app(workdir)
        print("video: %d s, %s, %.1f MB" % (args.seconds, args.size, len(video) / 1e6))

        jobs._BACKGROUND.discard("library.process")    # as before: processed in the request
        took, slug = save(app, video, "Inline")
        print("inline      save request %6.2f s   (state after the answer: %s)"
              % (took, state(app, slug)))

        jobs._BACKGROUND.add("library.process")        # as now: on the background runner
        started = time.perf_counter()
        took, slug = save(app, video, "Background")
        after = state(app, slug)
        assert jobs.wait_idle(app, timeout=3600)
        ready = time.perf_counter() - started
        print("background  save request %6.2f s   (state after the answer: %s; ready after "
              "%.1f s: %s)" % (took, after, ready, state(app, slug)))


if __name__ == "__main__":
    main()
