"""Issue 7: weight and slow links. Each main page is loaded with an empty cache; the bytes
transferred (HTML, CSS, JS, images, fonts; not video or audio) are counted through the DevTools
protocol. Budget: no page over 200 KB, median under 60 KB. Then the same page, cache emptied
again, over a throttled link (256 kbit/s, 300 ms round trip): the time to DOMContentLoaded and
to load is reported.

With BROWSER_REPORT=1 the test also writes docs/BROWSER.md (the table) and the screenshots of
docs/screenshots/ (phone 390 px and desktop 1280 px).
"""
from __future__ import annotations

import os
import statistics
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
REPORT = os.environ.get("BROWSER_REPORT") == "1"
SHOTS = ROOT / "docs" / "screenshots"
KB = 1000
BUDGET_MAX, BUDGET_MEDIAN = 200 * KB, 60 * KB
SLOW = {"offline": False, "latency": 300, "downloadThroughput": 256_000 / 8,
        "uploadThroughput": 256_000 / 8}
COUNTED = {"Document", "Stylesheet", "Script", "Image", "Font", "Fetch", "XHR", "Other"}
# name, account (None: anonymous), interface language, path, screenshot?
PAGES = [
    ("home", None, "en", "/", True),
    ("sign-in", None, "es", "/login", False),
    ("library", None, "fr", "/library/", True),
    ("library-search", None, "fr", "/library/search?q=gestion+des+dechets", True),
    ("player", None, "fr", "/library/m/kitakyushu-waste-management?t=2", True),
    ("participant-dashboard", "aminata", "fr", "/dashboard", True),
    ("my-assignments", "aminata", "fr", "/assignments", False),
    ("assignment", "aminata", "fr", "/assignments/1", True),
    ("course", "aminata", "fr", "/courses/1", False),
    ("action-plans", "carlos", "es", "/action-plans", True),
    ("instructor-dashboard", "tanaka", "en", "/dashboard", False),
    ("coordinator-dashboard", "coordinator", "en", "/dashboard", True),
    ("progress-matrix", "coordinator", "en", "/assignments/course/1/matrix", False),
    ("course-admin", "coordinator", "en", "/courses/1", False),
]


class Meter:
    """Bytes on the wire per resource type, from Network.loadingFinished."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.types, self.bytes = {}, {}
        self.cdp.on("Network.responseReceived",
                    lambda e: self.types.__setitem__(e["requestId"], e["type"]))
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.bytes.__setitem__(e["requestId"], e["encodedDataLength"]))

    def reset(self, throttle: dict | None = None):
        self.types.clear()
        self.bytes.clear()
        self.cdp.send("Network.clearBrowserCache")
        self.cdp.send("Network.emulateNetworkConditions", throttle or {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    def by_type(self) -> dict:
        out = {}
        for request, size in self.bytes.items():
            kind = self.types.get(request, "Other")
            if kind in COUNTED:
                out[kind] = out.get(kind, 0) + size
        return out


def _timing(page) -> tuple[int, int]:
    t = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                      "return [n.domContentLoadedEventEnd, n.loadEventEnd]; }")
    return round(t[0]), round(t[1])


def _optimized_png(page, path: Path) -> None:
    from PIL import Image
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True)


@pytest.fixture(scope="module")
def measured(browser, live_server, login):
    rows = []
    for name, account, lang, path, shot in PAGES:
        ctx = browser.new_context(locale={"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}[lang],
                                  base_url=live_server.url,
                                  viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(60_000)
        page = ctx.new_page()
        if account:
            login(page, "%s@demo.example.org" % account)
        meter = Meter(page)
        meter.reset()
        page.goto(path, wait_until="load")
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == lang, (name, path)
        kinds = meter.by_type()
        if REPORT and shot:
            _optimized_png(page, SHOTS / ("%s-desktop.png" % name))
            page.set_viewport_size({"width": 390, "height": 844})
            page.reload(wait_until="networkidle")
            _optimized_png(page, SHOTS / ("%s-phone.png" % name))
        meter.reset(SLOW)
        page.goto(path, wait_until="load")
        dcl, load = _timing(page)
        meter.reset()
        rows.append({"name": name, "lang": lang, "path": path, "total": sum(kinds.values()),
                     "kinds": kinds, "dcl": dcl, "load": load, "shot": shot})
        ctx.close()
    if REPORT:
        _write_report(rows)
    return rows


def test_no_page_over_200_kb_and_median_under_60_kb(measured):
    totals = [r["total"] for r in measured]
    heavy = [(r["name"], r["total"]) for r in measured if r["total"] > BUDGET_MAX]
    assert not heavy, heavy
    assert statistics.median(totals) < BUDGET_MEDIAN, sorted(totals)
    assert all(r["kinds"].get("Document") for r in measured)


def test_every_main_page_is_usable_on_a_slow_link(measured):
    # Reported in docs/BROWSER.md; here only a sanity bound: usable within 15 s at 256 kbit/s.
    slow = [(r["name"], r["dcl"]) for r in measured if r["dcl"] > 15_000]
    assert not slow, slow


def _kb(n: int) -> str:
    return "%.1f" % (n / KB)


def _write_report(rows: list[dict]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    totals = [r["total"] for r in rows]
    lines = [
        "# The portal in a real browser",
        "",
        "Generated by `BROWSER_REPORT=1 .venv/bin/python -m pytest tests/browser/test_weight.py`"
        " (or `make browser-report`) on %s, with the demo data, headless Chromium and gunicorn."
        % date.today().isoformat(),
        "The browser tests themselves (`make browser`, or `pytest -m browser`) are described at"
        " the end.",
        "",
        "## Page weight and slow links",
        "",
        "Bytes transferred with an empty cache (compressed sizes as sent, headers included):"
        " HTML, CSS, JavaScript, images and fonts (the total also counts the favicon and any"
        " script requests); not video. Budget: no page over 200 KB,"
        " median under 60 KB (asserted by `test_weight.py`). Slow link: Chromium's network"
        " emulation at 256 kbit/s with 300 ms round trip, empty cache; times from the start of"
        " navigation.",
        "",
        "| page | language | path | HTML | CSS | JS | images | total KB | usable (DOMContentLoaded)"
        " at 256 kbit/s | load at 256 kbit/s |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        k = r["kinds"]
        lines.append("| %s | %s | `%s` | %s | %s | %s | %s | **%s** | %.1f s | %.1f s |" % (
            r["name"], r["lang"], r["path"], _kb(k.get("Document", 0)),
            _kb(k.get("Stylesheet", 0)), _kb(k.get("Script", 0)),
            _kb(k.get("Image", 0) + k.get("Font", 0)), _kb(r["total"]), r["dcl"] / 1000,
            r["load"] / 1000))
    lines += [
        "",
        "Largest page: %s KB; median: %s KB." % (_kb(max(totals)), _kb(statistics.median(totals))),
        "",
        "## Screenshots",
        "",
        "Phone (390 px) and desktop (1280 px), first screen of each page, demo data.",
        "",
        "| page | phone | desktop |",
        "|---|---|---|",
    ]
    for r in rows:
        if r["shot"]:
            lines.append("| %s (%s) | ![%s on a phone](screenshots/%s-phone.png) | "
                         "![%s on a desktop](screenshots/%s-desktop.png) |"
                         % (r["name"], r["lang"], r["name"], r["name"], r["name"], r["name"]))
    doc = ROOT / "docs" / "BROWSER.md"
    kept = doc.read_text(encoding="utf-8").split(TESTS_HEADING, 1) if doc.exists() else []
    lines += ["", TESTS_HEADING + (kept[1] if len(kept) == 2 else "\n")]
    doc.write_text("\n".join(lines), encoding="utf-8")


TESTS_HEADING = "## The browser tests"  # from there on docs/BROWSER.md is written by hand

