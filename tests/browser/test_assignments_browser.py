"""Issue 4, "Done when": a participant completes a pre-arrival task in French with an
attachment, the instructor returns it, the participant resubmits, the instructor accepts, and
the coordinator sees it in the matrix. Demo data: FISH-FRA-2026, "Rapport pays"."""
import os
import re
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOTS_DIR")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name + ".png"), full_page=True)


def _open_country_report(page):
    page.goto("/assignments")
    page.click("text=Rapport pays")
    page.wait_for_selector("h1:has-text('Rapport pays')")


def test_french_participant_instructor_and_coordinator(page_in, live_server, tmp_path, login):
    report = tmp_path / "rapport-senegal.pdf"
    report.write_bytes(PDF)
    aminata = page_in("fr")
    login(aminata, "aminata@demo.example.org")
    assert "Prochaines échéances" in aminata.content()
    _open_country_report(aminata)
    assert "(heure : Japon)" in aminata.content() and "à remettre dans" in aminata.content()
    aminata.fill("textarea[name=text]", "La pêche artisanale au Sénégal.")
    aminata.set_input_files("input[type=file][name=file]", str(report))
    # The resumable uploader sends it at once; the form waits until it has (it says so).
    aminata.wait_for_function("() => !document.querySelector('[data-upload]') || "
                              "document.querySelector('input[name=file_id]').value !== ''")
    aminata.click("button[value=draft]")
    aminata.wait_for_selector("text=Votre brouillon est enregistré.")
    assert "rapport-senegal.pdf" in aminata.content()
    # The statement is required: the text typed stays.
    aminata.click("button[value=submit]")
    aminata.wait_for_selector("text=Acceptez la déclaration")
    assert aminata.input_value("textarea[name=text]") == "La pêche artisanale au Sénégal."
    aminata.check("input[name=statement]")
    aminata.click("button[value=submit]")
    aminata.wait_for_url("**/receipt")
    assert "Votre travail a bien été reçu." in aminata.content()
    assert re.search(r"[0-9a-f]{64}", aminata.content())
    _shot(aminata, "receipt-fr")

    tanaka = page_in("en")
    login(tanaka, "tanaka@demo.example.org")
    tanaka.goto("/dashboard")
    tanaka.click(".panel li:has-text('FISH-FRA-2026') a:has-text('Review queue')")
    tanaka.click("a:has-text('Aminata Diallo')")
    assert "rapport-senegal.pdf" in tanaka.content()
    tanaka.fill("textarea[name=feedback]", "Please add the catches of 2024.")
    tanaka.check("input[name=decision][value=returned]")
    tanaka.click("button:has-text('Send the review')")
    tanaka.wait_for_selector("text=Your review is saved")

    _open_country_report(aminata)
    assert "Please add the catches of 2024." in aminata.content()
    aminata.fill("textarea[name=text]", "La pêche artisanale au Sénégal : 400 000 tonnes en 2024.")
    aminata.check("input[name=statement]")
    aminata.click("button[value=submit]")
    aminata.wait_for_url("**/v2/receipt")

    tanaka.goto("/dashboard")
    tanaka.click(".panel li:has-text('FISH-FRA-2026') a:has-text('Review queue')")
    tanaka.click("a:has-text('Aminata Diallo')")
    assert "400 000 tonnes" in tanaka.content()
    tanaka.check("input[name=decision][value=accepted]")
    tanaka.click("button:has-text('Send the review')")
    tanaka.wait_for_selector("text=Your review is saved")

    kenji = page_in("en")
    login(kenji, "coordinator@demo.example.org")
    kenji.click(".panel li:has-text('FISH-FRA-2026') a:has-text('Progress matrix')")
    row = kenji.locator("tr:has-text('Aminata Diallo')")
    assert "Accepted" in row.inner_text()
    assert kenji.locator("figure.chart svg > title").count() == 1
    _shot(kenji, "matrix")
    mails = [m["Subject"] for m in live_server.mailbox.to("aminata@demo.example.org")]
    assert "Accusé de réception : Rapport pays" in mails
    assert "Accepté : Rapport pays" in mails


def test_draft_kept_in_the_browser_and_saved_when_back_online(page_in, live_server, login):
    """A Spanish participant types while nothing reaches the server (the autosave's posts are
    dropped, as on a dead link: a timed offline switch let a quick autosave through now and
    then), loses the page, finds the text again, and the autosave puts it on the server once
    the connection is back. Demo data: CBD-LOCAL-2026."""
    page = page_in("es")
    login(page, "carlos@demo.example.org")
    page.goto("/assignments")
    page.click("text=Seminario de difusión (2 meses)")
    page.wait_for_selector("textarea[name=text]")
    page.wait_for_load_state("domcontentloaded")   # protect.js (deferred) has run
    work = re.sub(r"^https?://[^/]+", "", page.url)

    def dead_link(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()
    page.route("**" + work, dead_link)
    page.fill("textarea[name=text]", "Avance del plan de acción en Cochabamba.")
    page.wait_for_selector("#draft-status:not(:empty)")  # the autosave tried and failed
    page.goto("/dashboard")  # the text never reached the server
    page.go_back()
    page.wait_for_selector("textarea[name=text]")
    assert page.input_value("textarea[name=text]") == "Avance del plan de acción en Cochabamba."
    assert page.evaluate("Object.keys(localStorage).some(k => k.startsWith('portal-protect:'))")
    page.unroute("**" + work, dead_link)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#draft-status:has-text('Borrador guardado')")
    page.evaluate("localStorage.clear()")
    page.reload()
    assert page.input_value("textarea[name=text]") == "Avance del plan de acción en Cochabamba."


def test_countdown_kept_current_in_the_readers_language(page_in, live_server, login):
    page = page_in("fr")
    page.clock.install()
    login(page, "jean-baptiste@demo.example.org")
    # The page's clock stands still from here, so the minute timer fires exactly 60 s after the
    # page loads and what it writes does not depend on how fast the machine is.
    page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=5))
    page.goto("/assignments")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("text=Rapport de poste")
    # assignments.js is deferred: it has set its minute timer once DOMContentLoaded has fired
    # (the element alone can be there before; a tick run then found no timer to fire).
    countdown = page.locator("[data-countdown]")
    assert countdown.inner_text().startswith("à remettre dans ")
    page.evaluate("""() => { document.querySelector('[data-countdown]').dataset.countdown =
        new Date(Date.now() - (2 * 3600 + 4 * 60 + 30) * 1000).toISOString(); }""")
    page.clock.run_for(60_000)  # one tick: 2 h 4 min 30 s + 60 s overdue
    text = re.sub(r"\s", " ", countdown.inner_text())  # Intl puts no-break spaces in French
    assert text == "en retard de 2 heures 5 minutes"  # as the server writes it
