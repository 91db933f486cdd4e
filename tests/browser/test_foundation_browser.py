"""The foundation in a real browser: languages, sign-in with the keyboard alone, phone width."""
import pytest

pytestmark = pytest.mark.browser


def test_home_in_french_and_language_switch(page_in):
    page = page_in("fr")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Apprendre au Japon" in page.locator("h1").inner_text()
    page.click("button[name=lang][value=es]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Aprender en Japón" in page.locator("h1").inner_text()


def test_sign_in_with_the_keyboard_alone(page_in, live_server):
    page = page_in("es")
    page.goto("/")
    # The first Tab reaches the skip link; Enter moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.goto("/login")
    page.focus("input[name=email]")
    page.keyboard.type("carlos@demo.example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(live_server.password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")
    assert "Bienvenido/a, Carlos Mendoza" in page.locator("h1").inner_text()


def test_wrong_password_keeps_email_and_says_why(page_in):
    page = page_in("fr")
    page.goto("/login")
    page.fill("input[name=email]", "aminata@demo.example.org")
    page.fill("input[name=password]", "pas le bon mot de passe")
    page.click("main button[type=submit]")
    assert "ne correspondent à aucun compte actif" in page.content()
    assert page.input_value("input[name=email]") == "aminata@demo.example.org"


def test_phone_width_has_no_horizontal_scroll(page_in):
    page = page_in("en", width=360, height=740)
    for url in ("/", "/login"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, url


def test_pages_run_no_inline_script_under_the_csp(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/")
    page.goto("/login")
    assert not [e for e in errors if "Content Security Policy" in e], errors
