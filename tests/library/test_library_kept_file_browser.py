"""In Debian's headless Chromium: a video sent through the upload widget on "Add a material"
stays with the form when a refused subtitle file sends the form back, and saving again makes
the material with its video (issue 15)."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.library.models import Material
from tests.uploads.test_uploads_browser import PASSWORD, chromium  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    thread.join(10)


@pytest.fixture
def instructor_page(chromium, served, make_user):  # noqa: F811
    user = make_user("instructor", password=PASSWORD)
    context = chromium.new_context(base_url=served, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
    yield page
    context.close()


def test_the_video_is_kept_when_a_subtitle_file_is_refused(app, instructor_page, tiny_video,
                                                          tmp_path):
    page = instructor_page
    video = tmp_path / "Rainwater harvesting.mp4"
    video.write_bytes(tiny_video)
    bad = tmp_path / "rain.fr.vtt"
    bad.write_bytes(b"not subtitles at all")
    page.goto("/library/new")
    page.fill("input[name=title_en]", "Rainwater harvesting")
    page.set_input_files("#upload-file", str(video))
    page.wait_for_function("() => document.querySelector('input[name=file_id]').value !== ''")
    file_id = page.input_value("input[name=file_id]")
    assert "Uploaded: Rainwater harvesting.mp4" in page.inner_text(".upload-status")
    page.set_input_files("#subtitles_fr", str(bad))
    page.click("main form.library-edit button.button[type=submit]")
    page.wait_for_selector("text=/WebVTT/")
    # the form came back with the error, the video still with it, shown with a Remove button
    assert page.input_value("input[name=file_id]") == file_id
    kept = page.inner_text(".upload-kept")
    assert "Rainwater harvesting.mp4" in kept and "Remove Rainwater harvesting.mp4" in kept
    assert page.input_value("input[name=title_en]") == "Rainwater harvesting"
    page.click("main form.library-edit button.button[type=submit]")
    page.wait_for_url(re.compile(r"/library/m/[^/]+/edit$"))
    with app.app_context():
        material = db.session.scalar(select(Material))
        assert material.file("original").id == int(file_id)
    assert not page.problems, page.problems
