"""Evidence sent through the upload widget belongs to the progress report at once (issue 15.2):
in Chromium, an alumnus sends a file, leaves the page without saving and finds it on the report,
with its Remove button; a second file is taken off again with the widget's own Remove button."""
import pytest

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _send(page, path):
    page.set_input_files("input[type=file][name=evidence]", str(path))
    page.wait_for_function("() => document.querySelector('input[name=evidence_id]').value !== ''")
    assert path.name in page.inner_text(".upload-status")


def test_evidence_sent_stays_with_the_report(page_in, live_server, tmp_path, login):
    page = page_in("es")  # Carlos reads the portal in Spanish
    login(page, "carlos@demo.example.org")
    page.goto("/action-plans")
    page.click("a[href$='/reports/6']")
    page.wait_for_url("**/reports/6")
    report = page.url
    minutes = tmp_path / "Sacaba market minutes.pdf"
    minutes.write_bytes(PDF)
    _send(page, minutes)
    page.click("main p.muted a")  # "Back to the plan": nothing saved with the form
    page.wait_for_url("**/action-plans/*")
    page.goto(report)
    files = page.locator(".ap-files li")
    assert files.count() == 1 and "Sacaba market minutes.pdf" in files.inner_text()
    assert files.locator("button[value^=remove-file-]").count() == 1  # its Remove button
    photo = tmp_path / "Wrong file.pdf"
    photo.write_bytes(PDF)
    _send(page, photo)
    page.click("[data-upload] [data-action=remove]")
    page.wait_for_selector("[data-upload] .upload-progress", state="hidden")
    page.goto(report)
    files = page.locator(".ap-files").inner_text()
    assert "Sacaba market minutes.pdf" in files and "Wrong file.pdf" not in files
    assert not page.locator(".error-summary").count()
