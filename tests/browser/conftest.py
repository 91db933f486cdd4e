"""Browser harness: the portal served by gunicorn on a free port with fresh demo data, driven in
Debian's headless Chromium by Playwright (never a downloaded browser).

Fixtures: ``live_server`` (session; ``.url``, ``.mailbox``, ``.password``), ``browser`` (session),
``page`` (a fresh context per test; ``page_in("fr")`` for another interface language), ``login``
(the ``sign_in`` helper), ``axe`` (``axe(page)``: axe-core on the page, fails on a serious or
critical violation) and ``keys`` (``keys.tab_to(page, selector)``: the keyboard alone).

axe-core comes from npm into a cache folder (``AXE_CACHE``, default ~/.cache/portal-browser/axe)
the first time it is needed; without npm the accessibility checks skip, saying why.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.demo import DEMO_TOTP_SECRET
from tests import two_step
from tests.parallel import listening_socket

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PASSWORD = "browser demo password"


@dataclass
class LiveServer:
    url: str
    instance: Path
    env: dict
    mailbox: object
    password: str = PASSWORD

    def flask(self, *args: str, input: str | None = None) -> str:
        """Run a portal command against the live server's database."""
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                             env=self.env, capture_output=True, text=True, input=input,
                             timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server, make_pg_database):
    if not Path(CHROMIUM).exists():
        pytest.skip("BROWSER TESTS SKIPPED: no Chromium at %s (apt-get install chromium)"
                    % CHROMIUM)
    instance = tmp_path_factory.mktemp("live-instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update({"PORTAL_ENV": "testing", "PORTAL_INSTANCE_DIR": str(instance),
                "SECRET_KEY": uuid.uuid4().hex, "MAIL_URL": smtp_server.url,
                "DEMO_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1",
                "PASSWORD_HASHING": "cheapest"})
    # Where PostgreSQL is available (CI) the journeys run on it; elsewhere on SQLite.
    # BROWSER_DATABASE=sqlite forces SQLite.
    pg_url = make_pg_database() if os.environ.get("BROWSER_DATABASE") != "sqlite" else None
    env["DATABASE_URL"] = pg_url or "sqlite:///" + str(instance / "portal.sqlite3")
    sock = listening_socket()
    server = LiveServer("http://127.0.0.1:%d" % sock.getsockname()[1], instance, env, smtp_server)
    env["PUBLIC_URL"] = server.url  # links in mail are made from it only
    # The catalogs were built before any test worker started (tests/conftest.py): compiling them
    # again would rewrite files the other workers are reading.
    server.flask("db", "upgrade")
    server.flask("seed-demo")
    log = open(instance / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4",
                             "-b", "fd://%d" % sock.fileno(), "--timeout", "60", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            pass_fds=[sock.fileno()])
    sock.close()   # gunicorn has it now
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(server.url + "/healthz", timeout=2)
            break
        except Exception as error:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("gunicorn did not start:\n" +
                                   (instance / "gunicorn.log").read_text()[-3000:]) from error
            time.sleep(0.3)
    yield server
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


# Per module: Playwright's sync API allows one instance at a time in a process, and other
# modules (tests/security, tests/uploads) start their own on the same xdist worker.
@pytest.fixture(scope="module")
def browser(live_server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_in(browser, live_server):
    """``page_in(lang, width=1280)``: a page in a fresh browser context (no cookies)."""
    contexts = []

    def make(lang: str = "en", width: int = 1280, height: int = 900):
        ctx = browser.new_context(locale={"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}[lang],
                                  base_url=live_server.url,
                                  viewport={"width": width, "height": height})
        # 30 s: under `make test` the other worker may be running a server test of its own
        # (three gunicorn workers, 200 sign-ins) on the same two cores.
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx.new_page()
    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(page_in):
    return page_in("en")


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    two_step.answer_page(page, DEMO_TOTP_SECRET, email)   # the demo's admin and coordinator
    page.wait_for_url("**/dashboard")


@pytest.fixture(scope="session")
def login():
    """``login(page, email)``: sign in through the form (the demo password by default)."""
    return sign_in


AXE_CACHE = Path(os.environ.get("AXE_CACHE", Path.home() / ".cache" / "portal-browser" / "axe"))
AXE_JS = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed with npm into a cache folder when missing."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("ACCESSIBILITY CHECKS SKIPPED: npm is missing, so axe-core cannot be "
                        "installed (apt-get install npm, or put axe.min.js in %s)" % AXE_JS)
        out = subprocess.run([npm, "install", "--prefix", str(AXE_CACHE), "--no-audit",
                              "--no-fund", "axe-core@4"], capture_output=True, text=True,
                             timeout=300)
        if out.returncode != 0 or not AXE_JS.exists():
            pytest.skip("ACCESSIBILITY CHECKS SKIPPED: npm install axe-core@4 failed:\n"
                        + out.stderr[-1500:])
    return AXE_JS.read_text(encoding="utf-8")


class Axe:
    """Runs axe-core in the page under test. The script is evaluated through the DevTools
    protocol (not a <script> tag), so the portal's CSP (script-src 'self') stays as it is."""

    def __init__(self, source: str):
        self.source = source
        self.checked: dict[str, list] = {}  # url -> violations of any impact

    def __call__(self, page, label: str | None = None, exclude: list | None = None) -> list:
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate("() => {" + self.source + "\n}")
        options = {"resultTypes": ["violations"],
                   "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                        "wcag21aa", "best-practice"]}}
        context = {"exclude": exclude} if exclude else None
        violations = page.evaluate("([c, o]) => axe.run(c || document, o).then(r => "
                                   "r.violations.map(v => "
                                   "({id: v.id, impact: v.impact, help: v.help, nodes: "
                                   "v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
                                   [context, options])
        where = label or page.url
        self.checked[where] = violations
        bad = [v for v in violations if v["impact"] in BLOCKING]
        assert not bad, "axe-core on %s:\n%s" % (where, json.dumps(bad, indent=1,
                                                                   ensure_ascii=False))
        return violations


@pytest.fixture(scope="session")
def axe_session(axe_source):
    checker = Axe(axe_source)
    yield checker
    log = os.environ.get("BROWSER_A11Y_LOG")  # every finding, minor ones too, for a review
    if log:
        Path(log).write_text(json.dumps(checker.checked, indent=1, ensure_ascii=False),
                             encoding="utf-8")


@pytest.fixture
def axe(axe_session):
    return axe_session


class Keys:
    """The keyboard alone: Tab until a given element has the focus, then act on it."""

    @staticmethod
    def tab_to(page, selector: str, limit: int = 80, back: bool = False) -> None:
        for _ in range(limit):
            page.keyboard.press("Shift+Tab" if back else "Tab")
            if page.locator(selector).evaluate_all(
                    "els => els.includes(document.activeElement)"):
                outline = page.evaluate("() => { const s = getComputedStyle("
                                        "document.activeElement); return [s.outlineStyle, "
                                        "s.outlineWidth, s.boxShadow]; }")
                assert outline[0] != "none" or outline[2] != "none", \
                    "no visible focus on %s: %s" % (selector, outline)
                return
        raise AssertionError("%s never got the focus after %d Tabs on %s"
                             % (selector, limit, page.url))

    def press_on(self, page, selector: str, key: str = "Enter", **kw) -> None:
        self.tab_to(page, selector, **kw)
        page.keyboard.press(key)

    def choose(self, page, selector: str, value: str, **kw) -> None:
        """A <select>: type the start of the option as people do, then arrows if needed."""
        self.tab_to(page, selector, **kw)
        select = page.locator(selector)
        label = select.evaluate("(s, v) => [...s.options].find(o => o.value === v).text", value)
        # typed one key at a time, ASCII only (Chromium's select type-ahead takes key presses)
        for char in re.match(r"[ -~]*", label).group(0)[:12]:
            page.keyboard.press(char)
        for key in ("ArrowDown",) * 5 + ("ArrowUp",) * 10:
            if select.input_value() == value:
                return
            page.keyboard.press(key)
        assert select.input_value() == value

    def type_into(self, page, selector: str, text: str, **kw) -> None:
        self.tab_to(page, selector, **kw)
        page.keyboard.press("Control+A")
        page.keyboard.type(text)


@pytest.fixture(scope="session")
def keys():
    return Keys()
