"""Issue 8.5 in a real browser: every hostile file the portal accepts (and the subtitles it
serves) is opened in headless Chromium, as served and also forced to render as HTML (as a
sniffing browser or a careless proxy would): no script runs. A control proves the watch sees a
script when one does run."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "security_hostile_uploads", Path(__file__).resolve().parent / "test_hostile_uploads.py")
hostile = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(hostile)   # (registered first: its dataclasses need it)

pytestmark = pytest.mark.browser
VTT_SCRIPT = ("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<script>%s</script>"
              "<img src=x onerror=\"%s\">\n" % (hostile.XSS_JS, hostile.XSS_JS)).encode()


def _open(page, url: str, force_html: bool, strip_csp: bool = False) -> None:
    """Open ``url``; with ``force_html`` the response is rendered as HTML whatever its type and
    disposition (its other headers, the CSP among them, are kept)."""
    pattern = re.compile(re.escape(url.split("?")[0]) + r"(\?.*)?$")
    if force_html:
        def rewrite(route):
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() not in ("content-disposition", "content-type")
                       and not (strip_csp and k.lower() == "content-security-policy")}
            headers["content-type"] = "text/html; charset=utf-8"
            route.fulfill(response=response, headers=headers)
        page.route(pattern, rewrite)
    try:
        page.goto(url, wait_until="load")
    except Exception as exc:   # an attachment: the browser downloads it, nothing renders
        assert "Download is starting" in str(exc), exc
    page.wait_for_timeout(250)
    if force_html:
        page.unroute(pattern)


def test_control_the_watch_sees_a_script_that_runs(browser_as):
    page = browser_as()
    page.route("**/control-page", lambda r: r.fulfill(status=200, content_type="text/html",
                                                      body=hostile.HTML))
    page.goto("/control-page")
    page.wait_for_timeout(250)
    runs = page.watch.check("control")
    assert any("dialog" in r for r in runs) and any("__xss__" in r for r in runs), runs


def _send(page, item) -> str:
    """Post the file with the plain form from the browser's own session; the download URL."""
    page.goto("/uploads/new?purpose=document")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post("/uploads/form?purpose=document", multipart={
        "csrf_token": token, "purpose": "document",
        "file": {"name": item.name, "mimeType": "text/html", "buffer": item.data}})
    assert response.status == 200, (item.label, response.status)
    return re.search(r'href="(/files/\d+)', response.text()).group(1)


def test_accepted_hostile_files_run_no_script_in_chromium(served_world, browser_as):
    page = browser_as("jean-baptiste")
    opened = []
    for item in hostile.CORPUS:
        if item.refused:
            continue
        url = _send(page, item)
        for force in (False, True):
            _open(page, url, force)
            opened.append((item.label, force))
        # the page listing what was just received shows the (cleaned) name as text
    runs = page.watch.check("hostile files")
    assert not runs, runs
    assert len(opened) == 2 * sum(1 for i in hostile.CORPUS if not i.refused)
    # control: the same forced rendering without the sandboxing CSP does run the text's script,
    # so what stops it above is the CSP (and nosniff/attachment before it)
    text = next(i for i in hostile.CORPUS if i.label == "text-with-html-inside")
    _open(page, _send(page, text), force_html=True, strip_csp=True)
    assert page.watch.check("control"), "the forced rendering ran nothing even without a CSP"


def test_subtitles_with_script_run_nothing(served_world, browser_as):
    """A cue holding <script> and an onerror image: the VTT file, forced to render as HTML,
    and the material's page with its transcript, run nothing."""
    from portal.extensions import db
    from portal.library import services as library
    from portal.library.models import Material

    with served_world.app.app_context():
        material = db.session.query(Material).filter_by(slug="sec-public-doc").one()
        library.set_subtitles(material, "es", VTT_SCRIPT, served_world.users["tanaka"][0])
        db.session.commit()
    page = browser_as()
    for url in ("/library/m/sec-public-doc/subtitles/es.vtt",
                "/library/m/sec-public-doc/transcript/es.txt"):
        for force in (False, True):
            _open(page, url, force)
    page.goto("/library/m/sec-public-doc?lang=es")
    page.wait_for_timeout(250)
    runs = page.watch.check("subtitles")
    assert not runs, runs
