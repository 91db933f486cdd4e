"""Action plans in a real browser: an alumnus writes a progress report in Spanish (with a
mistake first); another revises his accepted plan with the script's autosave, offline and back."""
import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to keep screenshots for a visual review


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "ap-" + name + ".png"), full_page=True)


def test_alumnus_writes_a_progress_report_in_spanish(page_in, live_server, login):
    page = page_in("es", width=400, height=800)  # a phone
    login(page, "carlos@demo.example.org")
    page.goto("/action-plans")
    assert "Sus planes de acción" in page.content()
    page.click("text=3 meses después del curso")
    page.wait_for_url("**/reports/3")
    assert "Informe de avance" in page.locator("h1").inner_text()
    selects = page.locator("select[name$=-status]")
    selects.nth(0).select_option("done")
    selects.nth(1).select_option("in_progress")
    percents = page.locator("input[name$=-percent]")
    percents.nth(0).fill("100")
    percents.nth(1).fill("150")  # a mistake
    page.fill("textarea[name=achievements]", "Nueve asociaciones participaron en el diagnóstico.")
    page.fill("textarea[name=challenges]", "Las lluvias cortaron dos caminos en febrero.")
    page.fill("textarea[name=next_steps]", "Abrir el mercado de Sacaba en mayo.")
    page.fill("textarea[name=applied]", "El modelo michi-no-eki y la gestión por asociaciones.")
    page.click("button[value=submit]")
    summary = page.locator(".error-summary")
    assert "Introduzca un número entero de 0 a 100" in summary.inner_text()
    assert page.input_value("textarea[name=challenges]") == \
        "Las lluvias cortaron dos caminos en febrero."  # nothing typed is lost
    assert page.input_value("input[name$=-percent] >> nth=1") == "150"
    _shot(page, "report-error-es")
    page.locator("input[name$=-percent]").nth(1).fill("45")
    page.click("button[value=submit]")
    page.wait_for_url("**/action-plans/*")
    assert "Su informe de avance se envió. Gracias." in page.content()
    row = page.locator("tr", has_text="3 meses después del curso")
    assert "Entregado" in row.inner_text()
    _shot(page, "plan-after-report-es")
    page.click("text=3 meses después del curso")
    assert "Nueve asociaciones participaron" in page.content()
    assert "45&nbsp;%" in page.content()  # Babel's Spanish share: no break before the %


def test_alumnus_revises_the_plan_with_autosave_offline_and_back(page_in, live_server, login):
    page = page_in("en")
    login(page, "samuel@demo.example.org")
    page.goto("/action-plans")
    page.click("main a[href^='/action-plans/'] >> nth=0")
    page.fill("textarea[name=reason]", "The radio agreements need their own activity.")
    page.click("text=Start a revision")
    page.wait_for_url("**/edit")
    rows = page.locator(".ap-activity-row")
    count = rows.count()
    page.click("text=Add another activity")  # handled by the script: no page load
    assert rows.count() == count + 1
    last = rows.nth(count)
    assert "Activity %d" % (count + 1) in last.locator("legend").inner_text()
    last.locator("textarea").first.fill("Sign agreements with two radio stations")
    status = page.locator(".ap-status")
    expect(status).to_contain_text("Draft saved")
    page.context.set_offline(True)
    last.locator("input[name$=-responsible]").fill("Communication unit")
    expect(status).to_contain_text("You are offline", timeout=10_000)
    _shot(page, "editor-offline")
    page.context.set_offline(False)
    expect(status).to_contain_text("Draft saved", timeout=10_000)
    page.reload()
    assert page.input_value(".ap-activity-row >> nth=%d >> input[name$=-responsible]"
                            % count) == "Communication unit"
    assert "offline" not in status.inner_text()
    new = page.locator(".ap-activity-row").nth(count)
    new.locator("input[name$=-start]").fill("2026-05-01")
    new.locator("input[name$=-end]").fill("2026-04-01")  # ends before it starts
    new.locator("input[name$=-indicator]").fill("Agreements signed")
    page.click("button[value=submit] >> nth=-1")
    assert "ends (Apr 1, 2026) before it starts (May 1, 2026)" in \
        page.locator(".error-summary").inner_text()
    page.locator(".ap-activity-row").nth(count).locator("input[name$=-end]").fill("2026-06-30")
    page.click("button[value=submit] >> nth=-1")
    page.wait_for_url("**/action-plans/*")
    assert "Version 2 of your plan is saved." in page.content()
    page.click("text=Show the differences")
    page.wait_for_selector(".ap-diff ins")  # the differences' page, loaded (not the plan's)
    diff = page.locator(".ap-diff ins").all_inner_texts()
    assert any("Sign agreements with two radio stations" in t for t in diff)
    _shot(page, "diff")
