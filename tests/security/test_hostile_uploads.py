"""Issue 8.5: a corpus of hostile files sent through every real upload route.

Routes: the resumable protocol (JSON: create, parts, complete), the plain form
(/uploads/form), and the domain forms that take files: an assignment's work page, a new library
material, library subtitles, and a progress report's evidence. Each file is either refused with a
clear message in the sender's language (nothing stored), or stored under a clean name and served
only as an attachment with ``nosniff`` and the sandboxing CSP (raster images: inline, typed,
``nosniff``). Opening what is served in headless Chromium: tests/security/test_hostile_browser.py.
"""
from __future__ import annotations

import hashlib
import html
import importlib.util
import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

_spec = importlib.util.spec_from_file_location(
    "security_forms_state", Path(__file__).resolve().parent / "test_forms_state.py")
forms_state = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(forms_state)
FormReader = forms_state.FormReader

MiB = 1024 * 1024
PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PDF_JS = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"
          b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
XSS_JS = "fetch('/__xss__');alert(1);document.title='PWNED'"
SVG = ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="%s">'
       '<script>%s</script></svg>' % (XSS_JS, XSS_JS)).encode()
HTML = ('<!doctype html><html><body><script>%s</script><img src=x onerror="%s"></body></html>'
        % (XSS_JS, XSS_JS)).encode()
# Valid GIF header whose bytes are also JavaScript (GIF89a=...) once a browser runs them.
GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=1;" + XSS_JS.encode() + b";/*\x00;*/"
TEXT_WITH_HTML = ("Minutes of the meeting\n\n<script>%s</script>\n<img src=x onerror=\"%s\">\n"
                  % (XSS_JS, XSS_JS)).encode()


def png_with_html() -> bytes:
    """A real 1x1 PNG carrying an HTML/JS payload in a text chunk (an image/HTML polyglot)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = zlib.compress(b"\x00\xff\xff\xff")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00" + HTML) + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def zip_bomb() -> bytes:
    """A .docx whose directory says it unpacks to almost 4 GiB (what a bomb's directory says)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"\0" * MiB)
    data = bytearray(buffer.getvalue())
    entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    data[entry + 24:entry + 28] = (0xFFFFFF00).to_bytes(4, "little")
    return bytes(data)


@dataclass(frozen=True)
class Hostile:
    label: str
    name: str
    data: bytes
    refused: str | None        # the refusal code, or None: stored and served safely
    clean: str | None = None   # the stored name when accepted


CORPUS = [
    Hostile("svg-with-script", "diagram.svg", SVG, "type_not_allowed"),
    Hostile("svg-named-png", "photo.png", SVG, "extension_mismatch"),
    Hostile("html", "page.html", HTML, "type_not_allowed"),
    Hostile("html-named-txt", "notes.txt", HTML, "extension_mismatch"),
    Hostile("double-extension", "report.pdf.html", HTML, "type_not_allowed"),
    Hostile("polyglot-gif-js", "chart.gif", GIF_JS, "type_not_allowed"),
    Hostile("polyglot-gif-js-named-png", "chart.png", GIF_JS, "extension_mismatch"),
    Hostile("bidi-override-exe", "invoice\u202efdp.exe", PDF, "type_not_allowed"),
    Hostile("nul-then-html", "report.pdf\x00.html", PDF, "type_not_allowed"),
    Hostile("empty", "empty.pdf", b"", "empty"),
    Hostile("zip-bomb", "plan.docx", zip_bomb(), "archive_too_large"),
    # accepted, but harmless as stored and served
    Hostile("path-traversal", "../../x.pdf", PDF, None, "x.pdf"),
    # (a multipart filename's backslashes are unquoted on the way: "windowswin.pdf" is fine too)
    Hostile("windows-traversal", "..\\..\\windows\\win.pdf", PDF, None, "win.pdf"),
    Hostile("bidi-override-pdf", "report\u202etxt.pdf", PDF, None, "reporttxt.pdf"),
    Hostile("nul-in-name", "re\x00port.pdf", PDF, None, "report.pdf"),
    Hostile("pdf-with-javascript", "budget.pdf", PDF_JS, None, "budget.pdf"),
    Hostile("text-with-html-inside", "minutes.txt", TEXT_WITH_HTML, None, "minutes.txt"),
    Hostile("png-html-polyglot", "photo.png", png_with_html(), None, "photo.png"),
]
DANGEROUS_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml", "application/xml",
                   "application/javascript", "text/javascript")
INLINE_OK = ("image/png", "image/jpeg", "video/", "audio/", "text/vtt")


# ------------------------------------------------------------------ senders, one per route

@dataclass
class Outcome:
    status: int
    body: str
    lang: str


def _lang_of(page_html: str) -> str:
    found = re.search(r'<html[^>]*\blang="([a-z]{2})', page_html)
    return found.group(1) if found else "en"


def send_protocol(world, who, item: Hostile, purpose="document") -> Outcome:
    """The resumable protocol as the widget speaks it (local backend: parts to the portal)."""
    client = world.client(who)
    page = client.get("/uploads/new?purpose=%s" % purpose).get_data(as_text=True)
    headers = {"X-CSRFToken": client.csrf_token("/"), "Accept": "application/json"}
    created = client.post("/uploads", json={"name": item.name, "size": len(item.data),
                                            "purpose": purpose}, headers=headers)
    if created.status_code != 201:
        return Outcome(created.status_code, created.get_data(as_text=True), _lang_of(page))
    upload = created.get_json()
    size = upload["part_size"]
    for n in range(1, upload["part_count"] + 1):
        target = client.get("/uploads/%s/parts/%d" % (upload["id"], n), headers=headers)
        sent = client.put(target.get_json()["url"], data=item.data[(n - 1) * size:n * size],
                          headers={**headers, "Content-Type": "application/octet-stream"})
        assert sent.status_code == 200, sent.get_data(as_text=True)
    done = client.post("/uploads/%s/complete" % upload["id"], headers=headers)
    return Outcome(done.status_code, done.get_data(as_text=True), _lang_of(page))


def send_form(world, who, page_url: str, field: str, item: Hostile, extra=None) -> Outcome:
    """Fill the page's form holding ``field`` as a browser does, attach the file, post it."""
    client = world.client(who)
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    text = page.get_data(as_text=True)
    reader = FormReader()
    reader.feed(text)
    form = next(f for f in reader.forms if f["types"].get(field) == "file")
    data = {**forms_state.fill(form), **(extra or {})}
    data[field] = (io.BytesIO(item.data), item.name)
    action = html.unescape(form["action"] or page_url)
    response = client.post(action, data=data, content_type="multipart/form-data")
    return Outcome(response.status_code, response.get_data(as_text=True), _lang_of(text))


ROUTES = {
    "protocol": lambda world, item: send_protocol(world, "jean-baptiste", item),
    "form": lambda world, item: send_form(world, "jean-baptiste",
                                          "/uploads/new?purpose=document", "file", item),
    "assignment": lambda world, item: send_form(world, "jean-baptiste",
                                                "/assignments/%d" % world.ids["job_report"],
                                                "file", item, {"action": "save"}),
    "library": lambda world, item: send_form(world, "tanaka", "/library/new", "file", item,
                                             {"title_en": "Hostile " + item.label,
                                              "visibility": "registered", "year": "2024"}),
    "evidence": lambda world, item: send_form(world, "samuel", "/action-plans/%d/reports/6",
                                              "evidence", item, {"action": "save"}),
}
UPLOADER = {"protocol": "jean-baptiste", "form": "jean-baptiste", "assignment": "jean-baptiste",
            "library": "tanaka", "evidence": "samuel"}


@pytest.fixture(scope="module")
def hostile_world(world):
    """The demo world, with the job report open to many files of any kind (1 MB each)."""
    from portal.assignments.models import Assignment
    from portal.extensions import db

    with world.app.app_context():
        job_report = db.session.scalar(select(Assignment).where(
            Assignment.course_id == world.ids["fish"], Assignment.id != world.ids["assignment"]))
        world.ids["job_report"] = job_report.id
        job_report.max_files, job_report.max_size_mb, job_report.file_types = 200, 1, []
        job_report.asks = "both"
        db.session.commit()
    ROUTES["evidence"] = lambda w, item: send_form(
        w, "samuel", "/action-plans/%d/reports/6" % w.ids["plan"], "evidence", item,
        {"action": "save"})
    return world


def expected_fragment(app, code: str, lang: str) -> str:
    """The longest fixed part of refusal ``code``'s message in ``lang`` (placeholders cut)."""
    from flask_babel import force_locale

    from portal.uploads.messages import message

    marker = "\x00"
    params = {"size": marker, "limit": marker, "extension": marker, "allowed": marker,
              "detected": marker, "entries": 1, "missing": marker}
    with app.test_request_context("/"), force_locale(lang):
        text = message(code, params if code != "type_not_allowed" else {**params,
                                                                         "extension": ".x"})
    return max(re.split(r"\x00|\.x|1", text), key=len).strip()


def stored_files(world):
    from portal.extensions import db
    from portal.uploads.models import StoredFile
    with world.app.app_context():
        return {f.id: (f.name, f.content_type, f.sha256, f.uploader_id, f.purpose, f.key)
                for f in db.session.scalars(select(StoredFile))}


def storage_objects(world) -> set:
    root = Path(world.app.config["STORAGE_URL"][len("file://"):])
    return {p for p in root.rglob("*") if p.is_file() and "/files/" in str(p)
            and ".uploads" not in p.parts}


def check_served(world, who, file_id, item: Hostile, problems: list, where: str) -> None:
    response = world.client(who).get("/files/%d" % file_id)
    if response.status_code == 302:   # a store that serves from elsewhere
        problems.append("%s: redirected download" % where)
        return
    body = response.get_data()
    headers = response.headers
    if body != item.data:
        problems.append("%s: served bytes differ (%d)" % (where, response.status_code))
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("%s: no nosniff" % where)
    ctype = headers.get("Content-Type", "").split(";")[0]
    if ctype in DANGEROUS_TYPES:
        problems.append("%s: served as %s" % (where, ctype))
    disposition = headers.get("Content-Disposition", "")
    if disposition.startswith("attachment"):
        csp = headers.get("Content-Security-Policy", "")
        if "sandbox" not in csp or "default-src 'none'" not in csp:
            problems.append("%s: attachment without the sandbox CSP: %s" % (where, csp))
    elif not ctype.startswith(INLINE_OK):
        problems.append("%s: %s served inline (%s)" % (where, ctype, disposition))
    for bad in ("\u202e", "\x00", "/", "\\", ".."):
        if bad in disposition.split("filename=")[-1].split(";")[0]:
            problems.append("%s: %r in the served name %r" % (where, bad, disposition))


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_hostile_corpus_through_every_upload_route(hostile_world, route):
    world = hostile_world
    problems, tried = [], 0
    for item in CORPUS:
        where = "%s/%s" % (route, item.label)
        before_rows, before_objects = stored_files(world), storage_objects(world)
        outcome = ROUTES[route](world, item)
        tried += 1
        assert outcome.status < 500, (where, outcome.status, outcome.body[:500])
        after_rows = stored_files(world)
        new = sorted(set(after_rows) - set(before_rows))
        if item.refused:
            problems += _refusal_problems(world, route, item, outcome, where,
                                          new or storage_objects(world) - before_objects)
        elif outcome.status >= 400:
            problems.append("%s: refused (%d) %s" % (where, outcome.status,
                                                     re.findall(r'class="error[^"]*"[^>]*>([^<]+)',
                                                                outcome.body)[:2]))
        else:
            problems += _acceptance_problems(world, route, item, after_rows, new, where)
    assert tried == len(CORPUS)
    assert not problems, "\n".join(problems)


def _refusal_problems(world, route, item, outcome, where, stored) -> list[str]:
    """What is wrong with the answer to a file that must be refused."""
    if outcome.status < 400:
        return ["%s: accepted (%d)" % (where, outcome.status)]
    problems = []
    fragment = expected_fragment(world.app, item.refused, outcome.lang)
    if route == "protocol":
        body = json.loads(outcome.body)["error"]["message"]
    else:
        body, fragment = outcome.body, html.escape(fragment, quote=True)
    if fragment not in body:
        problems.append("%s: message %r (%s) not in the answer" % (where, fragment,
                                                                  outcome.lang))
    if stored:
        problems.append("%s: refused, but something was stored" % where)
    return problems


def _acceptance_problems(world, route, item, after_rows, new, where) -> list[str]:
    """What is wrong with what was stored (and is served) from an accepted file."""
    problems = []
    # What the portal made from an accepted document (a preview: portal/library/previews.py)
    # is a JPEG it encoded itself, never the sender's bytes.
    derived = [i for i in new if after_rows[i][4] == "library"]
    for i in derived:
        if after_rows[i][1] != "image/jpeg" or after_rows[i][2] == hashlib.sha256(
                item.data).hexdigest():
            problems.append("%s: derived file %r" % (where, after_rows[i][:2]))
    mine = [i for i in new if after_rows[i][3] == world.users[UPLOADER[route]][0]
            and i not in derived]
    if len(mine) != 1:
        return [*problems, "%s: %d files stored" % (where, len(mine))]
    name, ctype, digest, *_ = after_rows[mine[0]]
    if not name.endswith(item.clean) or any(c in name for c in ("/", "\\", "\x00",
                                                                   "\u202e", "..")):
        problems.append("%s: stored as %r, not %r" % (where, name, item.clean))
    if digest != hashlib.sha256(item.data).hexdigest():
        problems.append("%s: checksum differs" % where)
    if ctype in DANGEROUS_TYPES:
        problems.append("%s: recorded as %s" % (where, ctype))
    check_served(world, UPLOADER[route], mine[0], item, problems, where)
    return problems


def test_refusals_speak_the_senders_language(hostile_world):
    """jean-baptiste reads French: the protocol's JSON message and the form's page say it in
    French (and not in English)."""
    world = hostile_world
    item = CORPUS[0]
    fr = expected_fragment(world.app, item.refused, "fr")
    en = expected_fragment(world.app, item.refused, "en")
    assert fr != en
    answer = send_protocol(world, "jean-baptiste", item)
    assert answer.lang == "fr"
    assert json.loads(answer.body)["error"]["message"].find(fr) >= 0
    page = send_form(world, "jean-baptiste", "/uploads/new?purpose=document", "file", item)
    assert html.escape(fr, quote=True) in page.body and html.escape(en) not in page.body


# ------------------------------------------------------------------ limits, by one byte

def _fits_and_one_more(limit: int):
    body = PDF + b"%" + b"0" * (limit - len(PDF) - 2) + b"\n"
    assert len(body) == limit
    return (Hostile("at-limit", "limit.pdf", body, None, "limit.pdf"),
            Hostile("limit-plus-one", "limit.pdf", body + b"\n", "too_large"))


def test_limit_plus_one_byte_on_the_assignment_form(hostile_world):
    world = hostile_world
    at, over = _fits_and_one_more(1 * MiB)   # the job report takes files up to 1 MB
    ok = ROUTES["assignment"](world, at)
    assert ok.status == 302, ok.body[:300]
    refused = ROUTES["assignment"](world, over)
    assert refused.status == 400
    assert html.escape(expected_fragment(world.app, "too_large", "fr"), quote=True) in \
        refused.body


def test_limit_plus_one_byte_on_the_plain_form(hostile_world):
    world = hostile_world
    configured = world.app.config["UPLOAD_FORM_MAX"]
    world.app.config["UPLOAD_FORM_MAX"] = 256 * 1024
    try:
        at, over = _fits_and_one_more(256 * 1024)
        assert ROUTES["form"](world, at).status == 200
        refused = ROUTES["form"](world, over)
    finally:
        world.app.config["UPLOAD_FORM_MAX"] = configured
    assert refused.status == 422
    assert html.escape(expected_fragment(world.app, "too_large_for_form", "fr"),
                       quote=True) in refused.body


def test_limit_plus_one_byte_through_the_protocol(hostile_world):
    """Declared one byte over the purpose's limit: refused before any byte; declared right
    but sent one byte more: the part is refused; nothing is stored."""
    world = hostile_world
    client = world.client("jean-baptiste")
    headers = {"X-CSRFToken": client.csrf_token("/"), "Accept": "application/json"}
    over = client.post("/uploads", json={"name": "big.pdf", "size": 100 * MiB + 1,
                                         "purpose": "document"}, headers=headers)
    assert over.status_code == 413
    assert over.get_json()["error"]["code"] == "too_large"
    assert "100" in over.get_json()["error"]["message"]
    created = client.post("/uploads", json={"name": "small.pdf", "size": 1000,
                                            "purpose": "document"}, headers=headers).get_json()
    sent = client.put("/uploads/%s/parts/1" % created["id"], data=PDF + b"0" * (1001 - len(PDF)),
                      headers={**headers, "Content-Type": "application/octet-stream"})
    assert sent.status_code == 400
    assert sent.get_json()["error"]["code"] == "part_invalid"


def test_limit_plus_one_byte_on_subtitles(hostile_world):
    world = hostile_world
    cue = b"00:00:00.000 --> 00:00:01.000\nx\n\n"
    body = b"WEBVTT\n\n" + cue * (5 * MiB // len(cue) + 1)
    outcome = send_form(world, "tanaka", "/library/m/sec-course-doc/edit", "subtitles",
                        Hostile("big-vtt", "big.vtt", body[:5 * MiB + 1], "too_large"),
                        {"lang": "fr"})
    assert outcome.status == 400
    assert "5" in re.search(r'class="error[^"]*"[^>]*>([^<]+)', outcome.body).group(1)


def test_request_larger_than_the_portal_accepts(hostile_world):
    """Past MAX_CONTENT_LENGTH: the generic 413 page, translated, not a 500."""
    world = hostile_world
    world.app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    try:
        at, over = _fits_and_one_more(600 * 1024)
        outcome = ROUTES["assignment"](world, over)
    finally:
        world.app.config["MAX_CONTENT_LENGTH"] = 64 * MiB
    assert outcome.status == 413
    assert outcome.lang == "fr" and "Trop volumineux" in outcome.body or \
        "volumineux" in outcome.body, outcome.body[-1500:]


@pytest.mark.parametrize("item", [
    Hostile("svg-as-vtt", "subs.vtt", SVG, "subtitles_invalid"),
    Hostile("html-as-vtt", "subs.vtt", HTML, "subtitles_invalid"),
    Hostile("gif-as-srt", "subs.srt", GIF_JS, "subtitles_invalid"),
    Hostile("empty-vtt", "subs.vtt", b"", "subtitles_invalid"),
], ids=lambda i: i.label)
def test_hostile_subtitle_files_are_refused(hostile_world, item):
    world = hostile_world
    before = stored_files(world)
    outcome = send_form(world, "tanaka", "/library/m/sec-course-doc/edit", "subtitles", item,
                        {"lang": "es"})
    assert outcome.status == 400, outcome.status
    assert re.search(r'class="error[^"]*"[^>]*>\s*\S', outcome.body)
    assert stored_files(world) == before


def test_stored_files_count_is_bounded(hostile_world):
    """Bookkeeping: the corpus runs left no orphan objects (every object has its row)."""
    world = hostile_world
    keys = {row[5] for row in stored_files(world).values()}
    root = Path(world.app.config["STORAGE_URL"][len("file://"):])
    orphans = [p for p in storage_objects(world)
               if str(p.relative_to(root)) not in keys]
    assert not orphans, orphans[:5]
    with world.app.app_context():
        from portal.extensions import db
        from portal.uploads.models import StoredFile
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == len(keys)
