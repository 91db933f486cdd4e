"""Two-step sign-in in a real browser (issue 16): an instructor sets it up on a 320 px phone in
French, keeps the recovery codes, signs out, and signs in again with the code the app would
show; a wrong code is explained; the demo coordinator signs in with the code; no script needed."""
import re

import pyotp
import pytest

from portal.demo import DEMO_TOTP_SECRET
from tests import two_step

pytestmark = pytest.mark.browser

EMAIL = "deux.etapes@demo.example.org"


def _fits(page, width: int = 320) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, "%s is %d px wide on a %d px screen" % (page.url, scroll, width)


def test_set_up_on_a_phone_then_sign_in_with_the_code(page_in, live_server, login, axe):
    live_server.flask("create-user", EMAIL, "--role", "instructor", "--name", "Awa Deux",
                      "--language", "fr",
                      input="%s\n%s\n" % (live_server.password, live_server.password))
    page = page_in("fr", width=320, height=640)
    login(page, EMAIL)
    page.goto("/account")
    page.click("a[href$='/account/two-step']")
    assert page.locator("h1").inner_text() == "Configurer la connexion en deux étapes"
    assert page.locator(".qr svg").count() == 1
    _fits(page)
    axe(page, "two-step setup (fr, 320 px)")
    secret = page.locator("p.secret code").first.inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("input[name=code]", "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    page.click("main form button[type=submit]")
    assert "Ce code n'est pas correct" in page.locator(".error").first.inner_text()
    page.fill("input[name=code]", two_step.code(secret, EMAIL))
    page.click("main form button[type=submit]")
    codes = page.locator("ul.recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    _fits(page)
    with page.expect_navigation():
        page.click("header form[action$='/logout'] button")

    page.goto("/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", live_server.password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/two-step")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("input[name=code]").get_attribute("autocomplete") == "one-time-code"
    _fits(page)
    axe(page, "two-step code (fr, 320 px)")
    page.fill("input[name=code]", two_step.code(secret, EMAIL))
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard")

    # the next time, a recovery code instead of the phone
    with page.expect_navigation():
        page.click("header form[action$='/logout'] button")
    page.goto("/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", live_server.password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/two-step")
    page.click("a[href*='recovery=1']")
    page.fill("input[name=code]", codes[3])
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert "il en reste 9" in page.locator(".flashes").inner_text()


def test_the_demo_coordinator_signs_in_with_the_code(page_in, live_server):
    page = page_in("en")
    page.goto("/login")
    page.fill("input[name=email]", "coordinator@demo.example.org")
    page.fill("input[name=password]", live_server.password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/two-step")
    assert page.locator("h1").inner_text() == "Two-step sign-in"
    page.fill("input[name=code]", two_step.code(DEMO_TOTP_SECRET,
                                                "coordinator@demo.example.org"))
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard")
