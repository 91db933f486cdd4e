"""A course copied to its next year in a real browser (issue 17.2): the coordinator opens the
form from the course page, sees the preview on a phone (nothing wider than the screen, no axe
violation), goes back to change the code, confirms, and lands on the new course, which names
the course it came from and compares the years."""
import re

import pytest

pytestmark = pytest.mark.browser


def test_coordinator_copies_a_course_to_its_next_year(page_in, live_server, login, axe):
    page = page_in("en", width=320, height=740)
    login(page, "coordinator@demo.example.org")
    page.goto("/courses?q=FISH-FRA-2026")
    page.click("tr:has-text('FISH-FRA-2026') a")
    page.wait_for_url(re.compile(r".*/courses/\d+$"))
    page.click("text=Copy to another year")
    page.wait_for_url("**/rollover")
    axe(page)
    page.fill("input[name=code]", "FISH-FRA-BROWSER")
    page.click("form.course-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Check the copy')")
    axe(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # Back to the form with what was typed, then on to the copy.
    page.click("button[name=back]")
    page.wait_for_selector("input[name=code]")
    assert page.input_value("input[name=code]") == "FISH-FRA-BROWSER"
    page.fill("input[name=code]", "FISH-FRA-BROWSER-2027")
    page.click("form.course-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Check the copy')")
    page.click("form.confirm-form button.button")
    page.wait_for_selector("text=Copied from FISH-FRA-2026.")
    assert "FISH-FRA-BROWSER-2027" in page.content()
    assert page.locator("table.years tbody tr").count() >= 2
    axe(page)
