"""The library in Chromium: type-ahead, a transcript moment opens the player at that second,
a click on a transcript line seeks, the current line follows the video, a view is counted."""
import pytest

pytestmark = pytest.mark.browser
AT = "() => Math.abs(document.getElementById('library-video').currentTime - %d) < 0.6"


def test_search_moment_opens_the_player_and_transcript_follows(page_in, live_server):
    page = page_in("fr")
    page.goto("/library/")
    page.fill("#library-q", "gest")
    page.wait_for_function(
        "() => document.querySelectorAll('#library-suggestions option').length > 0")
    titles = page.eval_on_selector_all("#library-suggestions option", "os => os.map(o => o.value)")
    assert any("gestion des déchets" in t for t in titles)

    page.fill("#library-q", "gestion des dechets")
    page.press("#library-q", "Enter")
    page.wait_for_url("**/library/search?**")
    moment = page.locator(".library-moments a").first
    href = moment.get_attribute("href")
    second = int(href.split("#t=")[1])
    assert "?t=%d#t=%d" % (second, second) in href and second > 0
    moment.click()
    page.wait_for_url("**#t=%d" % second)
    page.wait_for_function("() => document.getElementById('library-video').readyState >= 1")
    page.wait_for_function(AT % second)
    current = page.locator(".library-transcript li.current")
    assert float(current.get_attribute("data-start")) == second
    assert "déchets" in current.inner_text()
    # The track in the reader's language is the default one.
    assert page.locator("track[srclang=fr]").get_attribute("default") is not None

    # Clicking another line seeks there and highlights it.
    page.locator(".library-transcript li").nth(1).locator("a").click()
    page.wait_for_function(AT % 2)
    page.wait_for_selector(".library-transcript li.current[data-start='2.0']")
    assert page.locator(".library-transcript li.current").count() == 1

    # Playing counts one view (muted so autoplay rules allow it).
    page.evaluate("v => { v.muted = true; return v.play(); }",
                  page.locator("#library-video").element_handle())
    page.wait_for_function("() => !document.getElementById('library-video').paused")
    page.wait_for_timeout(300)
    views = live_server.flask("shell", input=(
        "from portal.library.models import Material\n"
        "print('VIEWS', Material.query.filter_by(slug='kitakyushu-waste-management')"
        ".one().view_count)\n"))
    assert "VIEWS 1" in views


def test_player_page_fits_a_phone_and_save_data_picks_low(page_in):
    page = page_in("es", width=360, height=740)
    page.goto("/library/m/toyama-bay-fisheries")
    page.click("button[name=save_data][value='1']")
    page.wait_for_url("**/library/m/toyama-bay-fisheries")
    assert "/media/low" in page.locator("#library-video source").get_attribute("src")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
