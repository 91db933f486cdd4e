"""Courses in a real browser: a coordinator creates a course, imports nominees through the
preview and confirms; a participant sees the phase timeline on a phone."""
import os
import re
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to keep screenshots for a visual review


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name + ".png"), full_page=True)


def test_coordinator_creates_a_course_and_imports_nominees(page_in, live_server, tmp_path, login):
    page = page_in("en")
    login(page, "coordinator@demo.example.org")
    page.goto("/courses/new")
    start = date.today() + timedelta(days=30)
    page.fill("input[name=code]", "BROWSER-WATER")
    page.fill("input[name=title_fr]", "Eau potable urbaine")
    page.fill("input[name=pre_arrival_opens]", start.isoformat())
    page.fill("input[name=arrival]", (start - timedelta(days=1)).isoformat())
    page.fill("input[name=departure]", (start + timedelta(days=30)).isoformat())
    page.click("form.course-form button[type=submit]")
    # The dates are out of order: the form comes back with what was typed and a clear message.
    assert "must open before the arrival" in page.content()
    assert page.input_value("input[name=title_fr]") == "Eau potable urbaine"
    page.fill("input[name=arrival]", (start + timedelta(days=10)).isoformat())
    page.click("form.course-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/courses/\d+$"))
    assert "Eau potable urbaine" in page.locator("h1").inner_text()
    _shot(page, "course")

    nominees = tmp_path / "nominees.csv"
    nominees.write_text("nom;courriel;pays;langue\n"
                        "Awa Ndiaye;awa.browser@example.org;Sénégal;français\n"
                        "Sans Adresse;;Mali;fr\n", encoding="utf-8-sig")
    page.click("text=Import nominees")
    page.set_input_files("input[type=file]", str(nominees))
    page.click("form.upload-form button[type=submit]")
    page.wait_for_url("**/import/*")
    content = page.content()
    assert "The e-mail address is missing." in content
    _shot(page, "preview")
    page.click("form.confirm-form button[type=submit]")
    # The answer comes at once; the mail goes out after it and the import's page counts it
    # (issue 15: "x of n mails sent", refreshing itself while mail waits).
    page.wait_for_url("**/import/*#mail-progress")
    assert "mails sent" in page.locator("#mail-progress").inner_text()
    page.click("text=Back to the course")
    page.wait_for_url(re.compile(r".*/courses/\d+$"))
    assert "Awa Ndiaye" in page.content()
    # With JavaScript, one box selects every participant.
    page.check("#select-all")
    assert page.locator("input[name=enrollment]:checked").count() == \
        page.locator("input[name=enrollment]").count() >= 1
    _shot(page, "course-with-participants")


def test_participant_timeline_on_a_phone(page_in, live_server, login):
    page = page_in("fr", width=360, height=740)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, "aminata@demo.example.org")
    current = page.locator(".tl-step.tl-current")
    assert current.count() >= 1
    _shot(page, "dashboard-phone-fr")
    for url in ("/dashboard", "/courses"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, url
    assert not [e for e in errors if "Content Security Policy" in e], errors
