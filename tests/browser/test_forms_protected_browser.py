"""Issue 15, point 1 and the form half of point 6: a session that ends during each kind of form,
in the real browser, loses nothing typed (static/js/protect.js, portal/protect).

For every form where someone writes, the person types, the session ends (its cookie cleared,
as an expiry or a sign-out elsewhere does), they press the form's button: the page says, in
their language, that the session ended and what they wrote is kept; they sign in again and are
back on the same form with every word. Then the same without JavaScript (the server's copy
alone), the browser's own copy after an autosave met the ended session, and the warning before
leaving a form with unsaved changes. Demo data; each form is opened by an account no other
browser test changes the form of.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_TOTP_SECRET
from tests import two_step

pytestmark = pytest.mark.browser
TYPED = "Typed before the session ended — écrit avant la fin de la session, ¿perdido? No."


def _sign_in_here(page, email, password):
    """Sign in on the page the browser is on (the session-ended page keeps the form's way
    back)."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    two_step.answer_page(page, DEMO_TOTP_SECRET, email)


def _plan_url(page):
    page.goto("/action-plans")
    page.click("main a[href^='/action-plans/']:not([href*='courses']) >> nth=0")
    page.wait_for_url(re.compile(r".*/action-plans/\d+$"))
    return page.url.split(page.context.pages[0].url.split("/action-plans")[0])[-1]


def _work(page):
    page.goto("/assignments")
    page.click("text=Rapport de poste")
    page.wait_for_selector("textarea[name=text]")


def _plan_editor(page):
    plan = re.sub(r"^https?://[^/]+", "", _plan_url(page))
    page.goto(plan + "/edit")
    if not page.url.endswith("/edit"):  # accepted: start a revision
        page.fill("textarea[name=reason]", "A revision to try the session's end.")
        page.click("form[action$='/revise'] button[type=submit]")
        page.wait_for_url("**/edit")


def _report(page):
    plan = re.sub(r"^https?://[^/]+", "", _plan_url(page))
    page.goto(plan + "/reports/12")
    page.wait_for_selector("textarea[name=achievements]")


def _plan_review(page):
    page.goto("/action-plans/courses")
    page.click("main a:has-text('CBD-LOCAL-2026') >> nth=0")
    page.click("main tr:has-text('Nguyen Thi Lan') a[href*='/action-plans/'] >> nth=0")
    page.wait_for_selector("textarea[name=comment-general]")


def _course_id(page, code):
    page.goto("/courses?q=%s" % code)
    href = page.locator("main tr:has-text('%s') a[href^='/courses/'] >> nth=0"
                        % code).get_attribute("href")
    return int(re.search(r"/courses/(\d+)", href).group(1))


def _course_form(page):
    page.goto("/courses/%d/edit" % _course_id(page, "EDU-INCL-2026"))
    page.wait_for_selector("form.course-form")


def _assignment_form(page):
    page.goto("/assignments/course/%d/new" % _course_id(page, "FISH-FRA-2026"))
    page.wait_for_selector("form.assignment-form")
    page.fill("input[name=opens_at]", "2027-01-10T09:00")  # required by the browser


def _evaluation(page):
    page.goto("/evaluation")
    page.click("main a[href^='/evaluation/courses/'] >> nth=0")
    page.wait_for_selector("textarea[name^=q-]")


def _work_review(page):
    page.goto("/assignments/course/%d/queue" % _course_id(page, "FISH-FRA-2026"))
    page.click("main a:has-text('Jean-Baptiste Kaboré') >> nth=0")
    page.wait_for_selector("textarea[name=feedback]")


def _material_form(page):
    page.goto("/library/new")
    page.wait_for_selector("form.library-edit")


def _announcement(page):
    page.goto("/courses/%d/announcements/new" % _course_id(page, "CBD-LOCAL-2026"))
    page.wait_for_selector("form.announcement-form")


def _cue_editor(page):
    page.goto("/library/m/kitakyushu-waste-management/subtitles/en/cues")
    page.wait_for_selector("form.library-cues")


# form, account, how to open it, the fields typed into, the button that sends it
FORMS = [
    ("assignment work", "jean-baptiste", _work, ["textarea[name=text]"], "button[value=draft]"),
    ("action plan", "carlos", _plan_editor, ["textarea[name=problem]", "textarea[name=risks]"],
     ".ap-actions button[value=save]"),
    ("progress report", "carlos", _report,
     ["textarea[name=achievements]", "textarea[name=challenges]"],
     ".ap-actions button[value=save]"),
    ("evaluation answers", "lan", _evaluation, ["textarea[name^=q-] >> nth=0"],
     "main form[action^='/evaluation/'] button[type=submit]"),
    ("instructor feedback", "mori", _work_review,
     ["textarea[name=feedback]", "input[name=decision][value=returned]"],
     "form:has(textarea[name=feedback]) button[type=submit]"),
    ("plan review comments", "tanaka", _plan_review,
     ["textarea[name=comment-problem]", "textarea[name=comment-general]"],
     "form.ap-review button[type=submit]"),
    ("course form", "coordinator", _course_form,
     ["textarea[name=objectives_en]"], "form.course-form button[type=submit]"),
    ("assignment form", "mori", _assignment_form,
     ["[name=title_en]", "textarea[name=instructions_en]"],
     "form.assignment-form button[type=submit]"),
    ("material form", "mori", _material_form,
     ["input[name=title_en]", "textarea[name=description_en]"],
     "form.library-edit > button[type=submit]"),
    ("announcement form", "tanaka", _announcement,
     ["input[name=subject_en]", "textarea[name=body_en]"],
     "form.announcement-form button[value=preview]"),
    ("cue editor", "admin", _cue_editor, ["textarea[name=text-0]", "textarea[name=text-1]"],
     "form.library-cues button[type=submit]"),
]


@pytest.mark.parametrize("name,who,open_form,fields,button", FORMS, ids=[f[0] for f in FORMS])
def test_session_ends_during_the_form_and_nothing_typed_is_lost(page_in, live_server, login,
                                                                 name, who, open_form, fields,
                                                                 button):
    page = page_in("en")
    email = "%s@demo.example.org" % who
    login(page, email)
    open_form(page)
    form_url = page.url
    texts = {}
    for i, selector in enumerate(fields):
        if selector.startswith("input[name=decision]"):
            page.check(selector)  # the review's decision is required by the browser
            continue
        texts[selector] = "%s (%s, %d)" % (TYPED, name, i)
        page.fill(selector, texts[selector])
    page.context.clear_cookies()  # the session ends
    page.click(button)
    page.wait_for_selector("input[name=kept]", state="attached")
    assert "what you wrote is kept" in page.locator("main").inner_text()
    _sign_in_here(page, email, live_server.password)
    page.wait_for_url(form_url)
    for selector, text in texts.items():
        assert page.input_value(selector) == text, (name, selector)
    assert "back in the form" in page.locator(".flashes").inner_text() or \
        page.locator(".flashes").count() == 1


def test_without_javascript_the_server_keeps_the_text(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url,
                                  locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        email = "jean-baptiste@demo.example.org"
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", live_server.password)
        page.click("main button[type=submit]")
        page.wait_for_url("**/dashboard")
        _work(page)
        form_url = page.url
        page.fill("textarea[name=text]", TYPED + " (sans JavaScript)")
        context.clear_cookies()
        page.click("button[value=draft]")
        main = page.locator("main").inner_text()
        assert "Votre session a pris fin : reconnectez-vous ; ce que vous avez écrit est " \
               "conservé." in main
        _sign_in_here(page, email, live_server.password)
        page.wait_for_url(form_url)
        assert page.input_value("textarea[name=text]") == TYPED + " (sans JavaScript)"
        assert "de retour dans le formulaire" in page.locator(".flashes").inner_text()
    finally:
        context.close()


def test_autosave_meets_the_ended_session_and_the_browser_keeps_the_text(page_in, live_server,
                                                                          login):
    page = page_in("en")
    email = "carlos@demo.example.org"
    login(page, email)
    _report(page)
    form_url = page.url
    page.context.clear_cookies()
    page.fill("textarea[name=next_steps]", TYPED + " (autosave)")
    status = page.locator(".protect-status, #ap-status")
    expect(status.first).to_contain_text("Su sesión terminó", timeout=10_000)
    page.click(".protect-status a, #ap-status a")  # "Sign in", back to the form after
    _sign_in_here(page, email, live_server.password)
    page.wait_for_url(form_url)
    assert page.input_value("textarea[name=next_steps]") == TYPED + " (autosave)"


def test_leaving_with_unsaved_changes_asks_first_but_not_after_sending(page_in, live_server,
                                                                       login):
    page = page_in("en")
    login(page, "mori@demo.example.org")
    _material_form(page)
    page.fill("input[name=title_en]", "A title not saved yet")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page
    page.on("dialog", on_dialog)
    page.click("a.brand")  # leaves
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.input_value("input[name=title_en]") == "A title not saved yet"
    page.remove_listener("dialog", on_dialog)
    page.on("dialog", lambda dialog: asked.append(dialog.type) or dialog.accept())
    page.click("form.library-edit > button[type=submit]")  # a real submit: no question
    page.wait_for_load_state("load")
    assert asked == ["beforeunload"]


def test_a_copy_kept_by_the_former_script_is_taken_over(page_in, live_server, login):
    """A copy the replaced assignments.js kept ("portal-draft:assignment-<id>-user-<id>") is put
    back once by protect.js, then saved like any restored text."""
    page = page_in("en")
    login(page, "jean-baptiste@demo.example.org")
    _work(page)
    key = page.get_attribute("form.work-form[data-protect]", "data-protect-legacy")
    assert key and key.startswith("portal-draft:assignment-")
    page.evaluate("k => localStorage.setItem(k, JSON.stringify({text: 'Gardé par l\\'ancien "
                  "script', at: Date.now()}))", key)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    assert page.input_value("textarea[name=text]") == "Gardé par l'ancien script"
    assert page.evaluate("k => localStorage.getItem(k)", key) is None
    # Restored as unsaved text, it is autosaved: the server has it after the next reload.
    page.wait_for_function("() => !Object.keys(localStorage).some(k => "
                           "k.startsWith('portal-protect:'))")
    page.reload()
    assert page.input_value("textarea[name=text]") == "Gardé par l'ancien script"


def _kept(page, own_text, own_age_ms, former_text, former_age_ms):
    """Leave both copies of the work form: protect.js's own and the former script's."""
    form = page.locator("form.work-form[data-protect]")
    own = "portal-protect:%s:%s" % (page.get_attribute("script[src*='protect.js']", "data-user"),
                                    form.get_attribute("data-protect"))
    former = form.get_attribute("data-protect-legacy")
    page.evaluate("""([own, former, version, texts, ages]) => {
        localStorage.setItem(own, JSON.stringify({fields: {text: texts[0]}, version: version,
                                                  at: Date.now() - ages[0]}));
        localStorage.setItem(former, JSON.stringify({text: texts[1], at: Date.now() - ages[1]}));
    }""", [own, former, form.get_attribute("data-protect-version") or "",
           [own_text, former_text], [own_age_ms, former_age_ms]])
    return former


def test_of_two_kept_copies_the_newer_is_put_back(page_in, live_server, login):
    """Both scripts kept a copy of the same form (the former one before the update, this one
    after): the newer is put back, whichever it is, and the former copy is forgotten."""
    page = page_in("en")
    login(page, "jean-baptiste@demo.example.org")
    page.on("dialog", lambda dialog: dialog.accept())
    _work(page)
    former = _kept(page, "Older, kept by this script", 60_000, "Newer, kept by the former", 0)
    page.reload()
    assert page.input_value("textarea[name=text]") == "Newer, kept by the former"
    assert page.evaluate("k => localStorage.getItem(k)", former) is None
    page.wait_for_function("() => !Object.keys(localStorage).some(k => "
                           "k.startsWith('portal-protect:'))")  # autosaved
    page.reload()
    former = _kept(page, "Newer, kept by this script", 0, "Older, kept by the former", 60_000)
    page.reload()
    assert page.input_value("textarea[name=text]") == "Newer, kept by this script"
    assert page.evaluate("k => localStorage.getItem(k)", former) is None


def _existing_assignment_form(page):
    page.goto("/assignments/course/%d" % _course_id(page, "FISH-FRA-2026"))
    page.click("main a[href$='/edit'] >> nth=0")
    page.wait_for_selector("form.assignment-form")


# Forms whose fields the browser rewrites when it reads them (a due date sent with seconds, a
# date, a choice, times): opened and left alone, nothing is "changed".
UNTOUCHED = [("existing assignment", "mori", _existing_assignment_form),
             ("course form", "coordinator", _course_form),
             ("cue editor", "admin", _cue_editor)]


@pytest.mark.parametrize("name,who,open_form", UNTOUCHED, ids=[f[0] for f in UNTOUCHED])
def test_a_form_left_untouched_keeps_no_copy_and_asks_nothing(page_in, login, name, who,
                                                              open_form):
    page = page_in("en")
    login(page, "%s@demo.example.org" % who)
    open_form(page)
    page.wait_for_load_state("load")  # protect.js has run
    page.wait_for_timeout(300)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith("
                         "'portal-protect:'))") == [], name
    assert page.locator("form[data-protect] .protect-status").inner_text() == "", name
    asked = []
    page.on("dialog", lambda dialog: asked.append(dialog.type) or dialog.accept())
    page.click("a.brand")
    page.wait_for_load_state("load")
    assert asked == [], name


def test_text_typed_before_the_script_arrived_is_kept_and_saved(page_in, live_server, login):
    """On a slow link a page can be read, and typed into, before protect.js arrives: what was
    typed then counts as a change once the script runs (kept in the browser and autosaved)."""
    page = page_in("en")
    login(page, "lan@demo.example.org")
    page.goto("/assignments")
    page.click("text=Dissemination seminar (2 months)")
    page.wait_for_selector("textarea[name=text]")
    work = page.url
    held = []

    def hold(route):
        held.append(route)  # the script is on its way
    page.route("**/js/protect.js*", hold)
    page.goto(work, wait_until="commit")
    page.wait_for_selector("textarea[name=text]")
    page.fill("textarea[name=text]", TYPED + " (before the script)")
    page.wait_for_timeout(200)
    assert held and page.evaluate("Object.keys(localStorage).length") == 0
    held[0].continue_()
    page.wait_for_selector("#draft-status:has-text('Draft saved')")
    page.evaluate("localStorage.clear()")
    page.unroute("**/js/protect.js*", hold)
    page.goto(work)
    assert page.input_value("textarea[name=text]") == TYPED + " (before the script)"
