"""The upload widget in Debian's headless Chromium (driven by Playwright, never a downloaded
browser): a file of several parts, a dropped connection retried with back-off, pause and
resume, and resuming after a page reload."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "correct horse battery staple"  # tests/conftest.py DEMO_PASSWORD
PART = 5 * 1024 * 1024


@pytest.fixture
def served(uploads_app):
    """The test app served over HTTP in a thread (so the browser talks to it for real)."""
    server = make_server("127.0.0.1", 0, uploads_app, threaded=True)   # a port of its own
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    thread.join(10)


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at %s (apt-get install chromium)" % CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def signed_in(chromium, served, make_user):
    user = make_user("participant", password=PASSWORD)
    context = chromium.new_context(base_url=served, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = []
    # script errors and CSP violations; the browser's own notes on dropped requests are expected
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
    page.problems = problems
    yield page
    context.close()


@pytest.fixture
def big_pdf(tmp_path):
    data = b"%PDF-1.7\n" + os.urandom(2 * PART + 1234 - 9)
    path = tmp_path / "Country report.pdf"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def _part_puts(page, log):
    page.on("request", lambda r: log.append(int(r.url.rsplit("/", 1)[1]))
            if r.method == "PUT" and "/parts/" in r.url else None)


def _finish(page, sha):
    page.wait_for_function(
        "() => document.querySelector('input[name=file_id]').value !== ''", timeout=60_000)
    assert "Uploaded: Country report.pdf" in page.inner_text(".upload-status")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=File received")
    assert sha in page.inner_text("main")


def test_upload_retries_pauses_and_resumes(signed_in, big_pdf):
    page = signed_in
    path, sha = big_pdf
    page.goto("/uploads/new?purpose=document")
    assert page.is_hidden(".upload-nojs")  # the JavaScript path took over
    puts, dropped = [], []
    _part_puts(page, puts)

    def drop_once(route):
        if not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()
    page.route("**/parts/2", lambda route: drop_once(route) if route.request.method == "PUT"
               else route.continue_())
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_selector("text=/connection dropped/")  # told, and retried after 1 s
    page.wait_for_function("() => / of /.test(document.querySelector('.upload-status')"
                           ".textContent) && document.querySelector('progress').value >= 66")
    status = page.inner_text(".upload-status")
    assert re.search(r"\d+\s?% · .* of 10(\.0)? MB · .* per second · about .* left", status), \
        status
    _finish(page, sha)
    assert dropped and puts.count(2) == 2 and puts.count(1) == 1 and puts.count(3) == 1
    assert not page.problems, page.problems


def test_pause_and_resume(signed_in, big_pdf):
    page = signed_in
    path, sha = big_pdf
    page.goto("/uploads/new?purpose=document")
    held = []
    page.route("**/parts/2", lambda route: held.append(route)
               if route.request.method == "PUT" else route.continue_())
    page.set_input_files("input[type=file]", str(path))
    _wait(lambda: held, page)
    page.click("[data-action=pause]")
    page.wait_for_selector("text=/Paused at/")
    page.unroute("**/parts/2")
    for route in held:
        with contextlib.suppress(Exception):   # the browser may have given the request up
            route.abort()
    page.click("[data-action=resume]")
    _finish(page, sha)


def test_resume_after_reload(signed_in, big_pdf):
    page = signed_in
    path, sha = big_pdf
    page.goto("/uploads/new?purpose=document")
    page.route("**/parts/3", lambda route: route.abort("internetdisconnected")
               if route.request.method == "PUT" else route.continue_())
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_selector("text=/connection dropped/")
    assert page.evaluate("() => document.querySelector('progress').value") >= 66
    page.unroute("**/parts/3")
    page.reload()  # the page is gone, the parts already sent are not
    hint = page.inner_text(".upload-resume")
    assert "Country report.pdf" in hint and "Choose the same file again" in hint
    puts = []
    _part_puts(page, puts)
    page.set_input_files("input[type=file]", str(path))
    _finish(page, sha)
    assert puts == [3]  # only the missing part was sent again
    assert page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('portal-upload'))") == []


def test_refusal_is_shown_and_nothing_is_lost(signed_in, tmp_path):
    page = signed_in
    fake = tmp_path / "report.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000)
    page.goto("/uploads/new?purpose=document")
    page.set_input_files("input[type=file]", str(fake))
    page.wait_for_selector(".error:visible")
    assert "does not match its name" in page.inner_text(".error")
    assert page.url.endswith("/uploads/new?purpose=document")  # still on the same page
    too_big = tmp_path / "notes.exe"
    too_big.write_bytes(b"MZ" + b"\x00" * 100)
    page.set_input_files("input[type=file]", str(too_big))
    assert "(.exe) are not accepted" in page.inner_text(".error")  # told before sending


def _wait(condition, page, timeout=10_000):
    waited = 0
    while not condition() and waited < timeout:
        page.wait_for_timeout(100)
        waited += 100
    assert condition()
