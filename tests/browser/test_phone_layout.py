"""Issue 18, on a 390 px phone: the public course page readable in French, every menu link in
view without sideways scrolling, results before filters on the catalogue and the library, a
long text counted as it is typed. (The crawl checks every page it reaches at 320 px.)"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_public_course_page_fits_a_phone_in_french(page_in):
    page = page_in("fr", width=390, height=844)
    page.goto("/catalogue")
    page.locator(".catalogue-list a").first.click()
    page.wait_for_url(re.compile(r".*/catalogue/\d+$"))
    assert page.locator("dl.facts").count()
    assert page.evaluate(OVERFLOW) <= 0
    # each value is within the screen, under its label
    for box in page.locator("dl.facts dd").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= 390


def test_every_menu_link_is_in_view_on_a_phone(page_in, login):
    page = page_in("fr", width=390, height=844)
    login(page, "aminata@demo.example.org")
    links = page.locator("nav.main-nav a")
    assert links.count() >= 3
    for right in links.evaluate_all("els => els.map(e => e.getBoundingClientRect().right)"):
        assert right <= 390
    nav = page.locator("nav.main-nav")
    assert nav.evaluate("n => n.scrollWidth <= n.clientWidth")  # nothing hidden sideways
    assert page.get_by_role("link", name=re.compile("Mes travaux")).is_visible()


@pytest.mark.parametrize("url, results", [
    ("/catalogue", ".catalogue-list li"),
    ("/library/search?q=gestion", ".library-results"),
])
def test_results_come_before_the_filters_on_a_phone(page_in, url, results):
    page = page_in("fr", width=390, height=844)
    page.goto(url)
    filters = page.locator("details.filters")
    assert not filters.evaluate("d => d.open")  # folded away
    assert page.locator(results).first.evaluate("e => e.getBoundingClientRect().top") < 844
    filters.locator("summary").click()
    assert filters.evaluate("d => d.open")
    wide = page_in("fr", width=1280, height=900)
    wide.goto(url)
    assert wide.locator("details.filters").evaluate("d => d.open")  # open on a wide screen


def test_a_long_text_is_counted_and_not_cut(page_in, login):
    page = page_in("fr", width=390, height=844)
    login(page, "jean-baptiste@demo.example.org")  # his job report: only read elsewhere
    page.goto("/assignments")
    page.click("text=Rapport de poste")
    page.wait_for_selector("textarea[name=text]")
    area = page.locator("textarea[name=text]")
    page.wait_for_function("() => /sur/.test(document.getElementById('text-count').textContent)")
    assert re.search(r"sur 100\s000", page.locator("#text-count").inner_text())
    # Typed, not saved: the page is left before the autosave (20 s) would keep it.
    page.evaluate("t => { t.value = 'x'.repeat(100005); t.dispatchEvent(new Event('input')); }",
                  area.element_handle())
    assert len(area.input_value()) == 100005  # nothing cut
    assert "5 caractères de trop" in page.locator("#text-count").inner_text()
    assert area.get_attribute("aria-invalid") == "true"
    page.evaluate("t => { t.value = ''; localStorage.clear(); }", area.element_handle())
