"""Load benchmark: the portal under gunicorn + PostgreSQL (+ Redis), side by side with a trivial
Flask route on the same gunicorn settings, at 10, 50 and 100 concurrent users.

    .venv/bin/python bench/load.py [--users 10,50,100] [--mix-seconds 45] [--sat-seconds 15]
                                   [--slow 6] [--no-cache] [--small] [--json FILE]

What it does (docs/PERFORMANCE.md explains the method and holds the figures):

1. Data at program scale (bench/loaddata.py; cached in $TMPDIR/portal-bench-cache for the day):
   a fresh database ``portal_bench_<random>`` on the PostgreSQL server, dropped at the end.
2. gunicorn ``-c gunicorn.conf.py wsgi:app`` (gthread) for the portal, the same command for
   ``bench/trivial_app.py``, and nginx in front of the portal when it is installed.
3. A closed-loop client of its own (asyncio, HTTP/1.1 keep-alive, one connection per user, no
   dependency): each user has a persona (participant, instructor, coordinator, anonymous) and a
   weighted mix of pages, thinks 0.5-1.5 s between requests, and now and then signs out and in as
   another account. Per endpoint: requests/s, p50/p95/p99, errors (anything but the expected
   status, a timeout or a broken connection).
4. Saturation runs without think time: the participant dashboard alone, then the trivial route
   alone, at the same concurrency; their throughput ratio is the figure asked for.
5. Slow clients: a few users uploading a file at 50 kB/s while 50 users run the mix, straight to
   gunicorn and through nginx; the others' p95 is compared with a run without them.

Server CPU time (all gunicorn processes, from /proc) is recorded per phase, so CPU ms per request
can be read even when other work shares the machine. Every phase is bounded in time.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loaddata  # noqa: E402  (bench/loaddata.py)
from search import query_mix  # noqa: E402  (bench/search.py)

PY = sys.executable
REQUEST_TIMEOUT = 30.0
SLOW_RATE = 50_000          # bytes per second
SLOW_FILE = 600_000         # bytes: 12 s per upload at 50 kB/s
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


# ------------------------------------------------------------------ a small HTTP/1.1 client


class HTTPError(Exception):
    pass


class Connection:
    """One keep-alive connection to ``host:port``; reconnects when the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"",
                      rate: int | None = None) -> tuple[int, dict, bytes]:
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                await self._open()
            try:
                return await self._exchange(method, path, headers, body, rate)
            except (ConnectionError, asyncio.IncompleteReadError, HTTPError):
                self.close()
                if fresh or attempt == 2:  # a reused connection may have been closed idle
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method, path, headers, body, rate):
        head = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (self.host, self.port)]
        head += ["%s: %s" % kv for kv in headers.items()]
        if body or method in ("POST", "PUT"):
            head.append("Content-Length: %d" % len(body))
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if rate:  # a slow client: the body trickles at ``rate`` bytes/s
            chunk = max(1, rate // 10)
            for start in range(0, len(body), chunk):
                self.writer.write(body[start:start + chunk])
                await self.writer.drain()
                await asyncio.sleep(0.1)
        else:
            self.writer.write(body)
        await self.writer.drain()
        line = await self.reader.readline()
        if not line:
            raise HTTPError("connection closed")
        status = int(line.split()[1])
        resp_headers: dict[str, list[str]] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            resp_headers.setdefault(name.strip().lower(), []).append(value.strip())
        data = await self._read_body(method, status, resp_headers)
        if "close" in ",".join(resp_headers.get("connection", [])).lower():
            self.close()
        return status, resp_headers, data

    async def _read_body(self, method, status, resp_headers) -> bytes:
        if "chunked" in ",".join(resp_headers.get("transfer-encoding", [])).lower():
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            return b"".join(parts)
        if "content-length" in resp_headers:
            return await self.reader.readexactly(int(resp_headers["content-length"][0]))
        if method == "HEAD" or status in (204, 304):
            return b""
        data = await self.reader.read()
        self.close()
        return data


class Browser:
    """A user's browser: one connection, a cookie jar, an address of its own."""

    def __init__(self, host: str, port: int, address: str):
        self.conn = Connection(host, port)
        self.cookies: dict[str, str] = {}
        self.address = address

    async def call(self, method: str, path: str, body: bytes = b"", content_type: str = "",
                   rate: int | None = None) -> tuple[int, bytes]:
        headers = {"User-Agent": "portal-bench", "Accept-Language": "en",
                   "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        status, resp_headers, data = await asyncio.wait_for(
            self.conn.request(method, path, headers, body, rate), REQUEST_TIMEOUT * (
                20 if rate else 1))
        for cookie in resp_headers.get("set-cookie", []):
            pair = cookie.split(";")[0]
            name, _, value = pair.partition("=")
            expired = "expires=thu, 01 jan 1970" in cookie.lower() or "max-age=0" in \
                cookie.lower()
            if expired or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return status, data

    def close(self):
        self.conn.close()


# ------------------------------------------------------------------ what users do


@dataclass
class Catalogue:
    """What the users pick from, read from the benchmark database."""
    participants: list[str]
    instructors: list[tuple[str, list[int]]]       # (email, course ids they teach)
    coordinators: list[tuple[str, list[int]]]
    assignments: dict[str, list[int]]              # participant email -> assignment ids
    materials: list[str]                           # public slugs (page)
    subtitles: list[tuple[str, str]]               # (slug, lang) with a stored .vtt
    searches: list[tuple[str, dict]] = field(default_factory=list)  # (label, params)


def read_catalogue(url: str, seed: int) -> Catalogue:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        today = conn.execute(text("SELECT CURRENT_DATE")).scalar()
        participants = [r[0] for r in conn.execute(text(
            "SELECT u.email FROM users u JOIN enrollments e ON e.user_id = u.id "
            "JOIN courses c ON c.id = e.course_id WHERE u.role = 'participant' "
            "AND e.status <> 'withdrawn' AND c.pre_arrival_opens <= :t AND c.closes_on >= :t "
            "ORDER BY u.id"), {"t": today})]
        staff = {}
        for role, table in (("instructor", "course_instructors"),
                            ("coordinator", "course_coordinators")):
            rows = conn.execute(text(
                "SELECT u.email, array_agg(s.course_id) FROM users u JOIN %s s "
                "ON s.user_id = u.id WHERE u.role = :r GROUP BY u.email ORDER BY u.email"
                % table), {"r": role}).all()
            staff[role] = [(email, list(ids)) for email, ids in rows]
        assignments: dict[str, list[int]] = {}
        for email, aid in conn.execute(text(
                "SELECT u.email, a.id FROM users u JOIN enrollments e ON e.user_id = u.id "
                "JOIN assignments a ON a.course_id = e.course_id WHERE u.role = 'participant' "
                "AND a.opens_at <= now()")):
            assignments.setdefault(email, []).append(aid)
        materials = [r[0] for r in conn.execute(text(
            "SELECT slug FROM library_materials WHERE visibility = 'public' ORDER BY id"))]
        subtitles = [tuple(r) for r in conn.execute(text(
            "SELECT m.slug, t.lang FROM library_subtitles t JOIN library_materials m "
            "ON m.id = t.material_id JOIN stored_files f ON f.id = t.file_id "
            "WHERE f.size > 0 AND m.visibility = 'public'"))]
    engine.dispose()
    searches = []
    for label, text_, lang, extra in query_mix(seed, 3000):
        params = {"q": text_, "lang": lang}
        params.update(extra.get("filters") or {})
        if extra.get("sort"):
            params["sort"] = extra["sort"]
        if extra.get("page"):
            params["page"] = extra["page"]
        searches.append((label, params))
    return Catalogue(participants, staff["instructor"], staff["coordinator"], assignments,
                     materials, subtitles, searches)


# persona -> [(endpoint label, weight)]
MIX = {
    "participant": [("dashboard (participant)", 30), ("my assignments", 8),
                    ("assignment page", 6), ("action plans", 4), ("search HTML", 12),
                    ("search API", 12), ("material page", 10), ("subtitles .vtt", 8),
                    ("home", 4)],
    "instructor": [("dashboard (staff)", 25), ("review queue", 35), ("search HTML", 10),
                   ("search API", 10), ("material page", 10), ("matrix", 5), ("home", 5)],
    "coordinator": [("dashboard (staff)", 20), ("course list", 25), ("matrix", 30),
                    ("review queue", 10), ("search API", 10), ("home", 5)],
    "anonymous": [("home", 10), ("search HTML", 30), ("search API", 30), ("material page", 20),
                  ("subtitles .vtt", 10)],
}
PERSONAS = [("participant", 70), ("instructor", 10), ("coordinator", 5), ("anonymous", 15)]
RELOGIN = 0.02              # share of a signed-in user's requests that sign out and in again


@dataclass
class Recorder:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    recording: bool = True

    def add(self, label: str, ms: float, ok: bool, detail: str = "") -> None:
        if not self.recording:
            return
        self.samples.setdefault(label, []).append(ms)
        if not ok:
            self.errors[label] = self.errors.get(label, 0) + 1
            if len(self.error_examples) < 10:
                self.error_examples.append("%s: %s" % (label, detail))


BENCH_TOTP_SECRET = "BENCHPORTALKEYAAAAAAAAAAAAAAAAAA"  # every benchmark admin and coordinator


class TwoStepCodes:
    """Codes as a person with the authenticator app types them: each account's code is good
    once per 30-second step (one step of drift either way), so a coordinator signing in again
    soon takes the next step, and waits when there is none left."""

    def __init__(self):
        self.used: dict[str, int] = {}

    async def code(self, account: str) -> str:
        import pyotp
        while True:
            now = int(time.time()) // 30
            step = max(now - 1, self.used.get(account, -10) + 1)
            if step <= now + 1:
                self.used[account] = step
                return pyotp.TOTP(BENCH_TOTP_SECRET).at(step * 30)
            await asyncio.sleep(30 - time.time() % 30 + 0.2)


TWO_STEP = TwoStepCodes()


FIXED_PATHS = {"home": "/", "my assignments": "/assignments", "action plans": "/action-plans",
               "course list": "/courses"}


class User:
    def __init__(self, number: int, persona: str, cat: Catalogue, host: str, port: int,
                 rng: random.Random, accounts: Accounts):
        self.number, self.persona, self.cat, self.rng = number, persona, cat, rng
        self.accounts = accounts
        self.browser = Browser(host, port, "10.%d.%d.%d" % (
            number // 65536 % 256, number // 256 % 256, number % 256 or 1))
        self.email: str | None = None
        self.courses: list[int] = []

    async def timed(self, rec: Recorder, label: str, method: str, path: str,
                    expect=(200,), **kw) -> bytes | None:
        started = time.perf_counter()
        try:
            status, data = await self.browser.call(method, path, **kw)
            ok, detail = status in expect, "status %d on %s" % (status, path)
        except (TimeoutError, ConnectionError, OSError, HTTPError,
                asyncio.IncompleteReadError) as exc:
            data, ok, detail = None, False, "%s on %s" % (type(exc).__name__, path)
            self.browser.close()
        rec.add(label, (time.perf_counter() - started) * 1000, ok, detail)
        return data if ok else None

    async def login(self, rec: Recorder) -> None:
        if self.persona == "anonymous":
            return
        if self.email:
            page = await self.timed(rec, "dashboard (%s)" % (
                "participant" if self.persona == "participant" else "staff"), "GET",
                "/dashboard")
            token = CSRF.search(page or b"")
            if token:
                await self.timed(rec, "sign out", "POST", "/logout", expect=(302,),
                                 body=urllib.parse.urlencode(
                                     {"csrf_token": token.group(1).decode()}).encode(),
                                 content_type="application/x-www-form-urlencoded")
            self.browser.cookies.clear()
        self.email, self.courses = self.accounts.next(self.persona)
        page = await self.timed(rec, "login page", "GET", "/login")
        token = CSRF.search(page or b"")
        if not token:
            return
        body = urllib.parse.urlencode({"csrf_token": token.group(1).decode(),
                                       "email": self.email, "password": loaddata.PASSWORD})
        await self.timed(rec, "login (POST)", "POST", "/login", expect=(302,),
                         body=body.encode(), content_type="application/x-www-form-urlencoded")
        if self.persona == "coordinator":  # two-step sign-in is required for coordinators
            page = await self.timed(rec, "two-step page", "GET", "/login/two-step")
            token = CSRF.search(page or b"")
            if token:
                code = await TWO_STEP.code(self.email)
                body = urllib.parse.urlencode({"csrf_token": token.group(1).decode(),
                                               "code": code})
                await self.timed(rec, "two-step (POST)", "POST", "/login/two-step",
                                 expect=(302,), body=body.encode(),
                                 content_type="application/x-www-form-urlencoded")

    async def step(self, rec: Recorder) -> None:
        if self.persona != "anonymous" and self.rng.random() < RELOGIN:
            await self.login(rec)
            return
        labels, weights = zip(*MIX[self.persona], strict=True)
        label = self.rng.choices(labels, weights)[0]
        await self.timed(rec, label, "GET", self.path_for(label))

    def path_for(self, label: str) -> str:
        if label.startswith("dashboard"):
            return "/dashboard"
        if label in FIXED_PATHS:
            return FIXED_PATHS[label]
        if label in ("assignment page", "review queue", "matrix"):
            return self._course_path(label)
        return self._library_path(label)

    def _course_path(self, label: str) -> str:
        if label == "assignment page":
            ids = self.cat.assignments.get(self.email or "") or [1]
            return "/assignments/%d" % self.rng.choice(ids)
        page = "queue" if label == "review queue" else "matrix"
        return "/assignments/course/%d/%s" % (self.rng.choice(self.courses), page)

    def _library_path(self, label: str) -> str:
        return library_path(label, self.cat, self.rng)


def library_path(label: str, cat: Catalogue, rng: random.Random) -> str:
    """A library page of the mix (bench/pages.py asks for the same ones)."""
    if label in ("search HTML", "search API"):
        _, params = rng.choice(cat.searches)
        base = "/library/search" if label == "search HTML" else "/api/v1/library/search"
        return base + "?" + urllib.parse.urlencode(params)
    if label == "material page":
        return "/library/m/%s" % rng.choice(cat.materials)
    if label == "subtitles .vtt":
        slug, lang = rng.choice(cat.subtitles)
        return "/library/m/%s/subtitles/%s.vtt" % (slug, lang)
    raise KeyError(label)


class Accounts:
    """Hands out accounts in turn, so no account signs in often (its own rate limit)."""

    def __init__(self, cat: Catalogue, rng: random.Random):
        self.pools = {"participant": [(e, []) for e in cat.participants],
                      "instructor": list(cat.instructors), "coordinator": list(cat.coordinators)}
        for pool in self.pools.values():
            rng.shuffle(pool)
        self.turn = dict.fromkeys(self.pools, 0)

    def next(self, persona: str) -> tuple[str, list[int]]:
        pool = self.pools[persona]
        self.turn[persona] += 1
        return pool[self.turn[persona] % len(pool)]


# ------------------------------------------------------------------ phases


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and all its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = open("/proc/%s/stat" % entry).read()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        ppid = int(fields[1])
        children.setdefault(ppid, []).append(int(entry))
        # utime, stime, and the children's that were waited for (recycled workers)
        stats[int(entry)] = sum(int(f) for f in fields[11:15]) / ticks
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, 0.0)
        todo.extend(children.get(p, []))
    return total


@dataclass
class PhaseResult:
    name: str
    users: int
    seconds: float
    rec: Recorder
    server_cpu_s: float
    client_cpu_s: float
    load_avg: tuple[float, float]

    def rows(self) -> list[dict]:
        out = []
        for label, samples in sorted(self.rec.samples.items()):
            values = sorted(samples)
            out.append({"endpoint": label, "n": len(values), "rps": len(values) / self.seconds,
                        "p50": pct(values, 0.50), "p95": pct(values, 0.95),
                        "p99": pct(values, 0.99), "errors": self.rec.errors.get(label, 0)})
        return out

    def total_rps(self) -> float:
        return sum(len(v) for v in self.rec.samples.values()) / self.seconds

    def to_json(self) -> dict:
        return {"name": self.name, "users": self.users, "seconds": self.seconds,
                "rows": self.rows(), "server_cpu_s": self.server_cpu_s,
                "client_cpu_s": self.client_cpu_s, "load_avg": self.load_avg,
                "error_examples": self.rec.error_examples}


def pct(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def run_users(users: list[User], seconds: float, think: tuple[float, float] | None,
                    rec: Recorder, only: str | None = None, ramp: float = 2.0) -> None:
    deadline = time.monotonic() + seconds

    async def loop(user: User, delay: float):
        await asyncio.sleep(delay)
        while time.monotonic() < deadline:
            if only:
                await user.timed(rec, only, "GET", user.path_for(only))
            else:
                await user.step(rec)
            if think:
                await asyncio.sleep(min(user.rng.uniform(*think),
                                        max(0.0, deadline - time.monotonic())))

    await asyncio.wait_for(asyncio.gather(*(
        loop(u, ramp * n / max(1, len(users))) for n, u in enumerate(users))),
        seconds + REQUEST_TIMEOUT * 2 + ramp)


async def slow_uploader(user: User, seconds: float, rec: Recorder) -> None:
    """Sends a document through the plain upload form at 50 kB/s, again and again."""
    deadline = time.monotonic() + seconds
    payload = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * (SLOW_FILE - 100) + b"\n%%EOF\n"
    while time.monotonic() < deadline:
        page = await user.timed(rec, "slow: upload page", "GET", "/uploads/new?purpose=document")
        token = CSRF.search(page or b"")
        if not token:
            await asyncio.sleep(1)
            continue
        boundary = uuid.uuid4().hex
        body = b"".join([
            b"--%s\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n%s\r\n" % (
                boundary.encode(), token.group(1)),
            b"--%s\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ndocument\r\n" %
            boundary.encode(),
            b"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n" % boundary.encode(), payload,
            b"\r\n--%s--\r\n" % boundary.encode()])
        await user.timed(rec, "slow: upload at 50 kB/s", "POST", "/uploads/form",
                         expect=(200, 422), body=body, rate=SLOW_RATE,
                         content_type="multipart/form-data; boundary=%s" % boundary)


async def phase(name: str, users: list[User], seconds: float, pid: int,
                think: tuple[float, float] | None = (0.5, 1.5), only: str | None = None,
                slow: list[User] | None = None) -> PhaseResult:
    rec = Recorder()
    slow_rec = Recorder()
    cpu0, client0, started = server_cpu(pid), time.process_time(), time.monotonic()
    tasks = [run_users(users, seconds, think, rec, only)]
    tasks += [slow_uploader(u, seconds, slow_rec) for u in slow or []]
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    for label, values in slow_rec.samples.items():  # reported apart from the others
        rec.samples["(" + label + ")"] = values
        if slow_rec.errors.get(label):
            rec.errors["(" + label + ")"] = slow_rec.errors[label]
    rec.error_examples += slow_rec.error_examples
    result = PhaseResult(name, len(users), elapsed, rec, server_cpu(pid) - cpu0,
                         time.process_time() - client0, os.getloadavg()[:2])
    errors = sum(rec.errors.values())
    print("  %-40s %5.0f s  %7.1f req/s  errors %d  server CPU %.0f s  load %.1f"
          % (name, elapsed, result.total_rps(), errors, result.server_cpu_s,
             result.load_avg[0]), flush=True)
    return result


def make_users(count: int, cat: Catalogue, host: str, port: int, accounts: Accounts,
               seed: int, persona: str | None = None, first: int = 0) -> list[User]:
    rng = random.Random(seed)
    names, weights = zip(*PERSONAS, strict=True)
    return [User(first + n, persona or rng.choices(names, weights)[0], cat, host, port,
                 random.Random(seed * 7919 + n), accounts) for n in range(count)]


async def sign_in(users: list[User]) -> None:
    rec = Recorder()
    sem = asyncio.Semaphore(8)

    async def one(u):
        async with sem:
            await u.login(rec)
    await asyncio.wait_for(asyncio.gather(*(one(u) for u in users)), 600)
    if rec.errors:
        raise RuntimeError("sign-in failed: %s" % rec.error_examples)


async def benchmark(args, cat: Catalogue, portal_port: int, trivial_port: int,
                    nginx_port: int | None, pid: int, trivial_pid: int) -> list[PhaseResult]:
    results: list[PhaseResult] = []
    host = "127.0.0.1"
    accounts = Accounts(cat, random.Random(args.seed))
    most = max(args.users)
    everyone = make_users(most, cat, host, portal_port, accounts, args.seed)
    print("signing in %d users..." % most, flush=True)
    await sign_in(everyone)
    await phase("warm-up (not reported)", everyone[:20], 15, pid)
    for count in args.users:
        users = everyone[:count]
        results.append(await phase("mix, %d users" % count, users, args.mix_seconds, pid))
        dash = [u for u in everyone if u.persona == "participant"][:count]
        dash += make_users(count - len(dash), cat, host, portal_port, accounts,
                           args.seed + count, "participant", first=10_000)
        await sign_in(dash)
        results.append(await phase("dashboard only, %d users, no think time" % count, dash,
                                   args.sat_seconds, pid, think=None,
                                   only="dashboard (participant)"))
        for u in dash:
            u.browser.close()
        trivial = [User(20_000 + n, "anonymous", cat, host, trivial_port, random.Random(n),
                        accounts) for n in range(count)]
        results.append(await phase("trivial route, %d users, no think time" % count, trivial,
                                   args.sat_seconds, trivial_pid, think=None, only="home"))
        for u in trivial:
            u.browser.close()
    if args.slow:
        users = everyone[:50]
        targets = [("direct", portal_port)] + ([("nginx", nginx_port)] if nginx_port else [])
        for where, port in targets:
            for u in users:
                u.browser.close()
                u.browser.conn.port = port
            slow = make_users(args.slow, cat, host, port, accounts, args.seed + 99,
                              "participant", first=30_000)
            await sign_in(slow)
            results.append(await phase("mix, 50 users, %s" % where, users, args.mix_seconds,
                                       pid))
            results.append(await phase("mix, 50 users + %d slow uploads, %s" % (
                args.slow, where), users, args.mix_seconds, pid, slow=slow))
            for u in slow:
                u.browser.close()
    for u in everyone:
        u.browser.close()
    return results


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, seconds: float = 90) -> None:
    import urllib.request
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5)
            return
        except Exception as error:
            if time.time() > deadline:
                raise RuntimeError("no answer on port %d" % port) from error
            time.sleep(0.5)


def spawn(folder: Path, name: str, argv: list[str], env: dict) -> subprocess.Popen:
    log = open(folder / ("%s.log" % name), "w")
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def nginx_conf(folder: Path, port: int, upstream: int) -> Path:
    """deploy/topology.py's nginx, one upstream; the client's X-Forwarded-For is passed on as
    it came (each simulated user has an address of its own, as real users do)."""
    sys.path.insert(0, str(ROOT / "deploy"))
    from topology import _nginx_conf

    conf = _nginx_conf(folder, port, [upstream])
    conf.write_text(conf.read_text().replace("$proxy_add_x_forwarded_for",
                                             "$http_x_forwarded_for"))
    return conf


# ------------------------------------------------------------------ report


def report(results: list[PhaseResult]) -> str:
    lines = []
    for r in results:
        lines.append("\n### %s (%.0f s; %.1f req/s; server CPU %.1f s = %.1f ms/request; "
                     "client CPU %.0f s; load average %.1f)\n" % (
                         r.name, r.seconds, r.total_rps(), r.server_cpu_s,
                         1000 * r.server_cpu_s / max(1, sum(len(v) for v in
                                                           r.rec.samples.values())),
                         r.client_cpu_s, r.load_avg[0]))
        lines.append("| endpoint | n | req/s | p50 ms | p95 ms | p99 ms | errors |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for row in r.rows():
            lines.append("| %(endpoint)s | %(n)d | %(rps).1f | %(p50).0f | %(p95).0f | "
                         "%(p99).0f | %(errors)d |" % row)
        if r.rec.error_examples:
            lines.append("\nerrors, for example: " + "; ".join(r.rec.error_examples[:5]))
    by_name = {r.name: r for r in results}
    lines.append("\n### Ratios and targets\n")
    lines.append("| users | dashboard req/s | trivial req/s | ratio | dashboard CPU ms/req | "
                 "trivial CPU ms/req |")
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        if r.name.startswith("dashboard only"):
            t = by_name[r.name.replace("dashboard only", "trivial route")]
            n_d = sum(len(v) for v in r.rec.samples.values())
            n_t = sum(len(v) for v in t.rec.samples.values())
            lines.append("| %d | %.1f | %.1f | %.2f | %.1f | %.2f |" % (
                r.users, r.total_rps(), t.total_rps(), r.total_rps() / max(t.total_rps(), 1e-9),
                1000 * r.server_cpu_s / max(n_d, 1), 1000 * t.server_cpu_s / max(n_t, 1)))
    mix50 = by_name.get("mix, 50 users")
    if mix50:
        rows = {row["endpoint"]: row for row in mix50.rows()}
        for label in ("dashboard (participant)", "search HTML", "search API"):
            if label in rows:
                lines.append("\n- %s p95 at 50 users: %.0f ms (target < 150 ms): %s" % (
                    label, rows[label]["p95"], "met" if rows[label]["p95"] < 150 else "MISSED"))
    errors = sum(sum(r.rec.errors.values()) for r in results)
    lines.append("- errors in all phases: %d (target 0)" % errors)
    return "\n".join(lines)


def server_env(args, folder: Path) -> dict:
    """The environment of both servers (and of the flask commands that prepare the data)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_",
                                                                     "GUNICORN_"))}
    env.update({
        "PORTAL_ENV": "production", "SECRET_KEY": uuid.uuid4().hex,
        # start-up refuses production without these (portal/config.py): links name this host,
        # mail goes to the log on purpose
        "PUBLIC_URL": "http://127.0.0.1", "MAIL_URL": "log://",
        "PORTAL_INSTANCE_DIR": str(folder / "instance"), "REDIS_URL": args.redis,
        "STORAGE_URL": "file://%s" % (folder / "storage"),
        "SEARCH_INDEX_DIR": str(folder / "index"), "TRUSTED_PROXIES": "1",
        "PYTHONUNBUFFERED": "1"})
    for name in ("workers", "threads"):
        if getattr(args, name):
            env["GUNICORN_%s" % name.upper()] = getattr(args, name)
    return env


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server on which portal_bench_<random> is created and dropped")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11",
                        help="rate limits and jobs (a database of its own)")
    parser.add_argument("--users", default="10,50,100")
    parser.add_argument("--mix-seconds", type=float, default=45)
    parser.add_argument("--sat-seconds", type=float, default=15)
    parser.add_argument("--slow", type=int, default=6, help="slow uploaders (0: skip)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--small", action="store_true",
                        help="a tenth of the data (a quick check of the script itself)")
    parser.add_argument("--materials", type=int, default=5000,
                        help="library size (indexing 5,000 takes ~15 min on 2 idle cores)")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--workers", help="GUNICORN_WORKERS for both servers")
    parser.add_argument("--threads", help="GUNICORN_THREADS for both servers")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--keep", action="store_true", help="keep the folder and database")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 on any error, or if slow uploads starve the other users "
                             "(their p95 more than 3x + 250 ms that of the same run without)")
    args = parser.parse_args(argv)
    args.users = [int(n) for n in args.users.split(",")]
    scale = loaddata.Scale(participants=1000, courses=30, materials=500) if args.small \
        else loaddata.Scale(materials=args.materials)
    folder = Path(tempfile.mkdtemp(prefix="portal-load-"))
    env = server_env(args, folder)
    print("%d CPUs, load average %.1f; data in %s" % (os.cpu_count(), os.getloadavg()[0],
                                                      folder), flush=True)
    processes: list[subprocess.Popen] = []
    dbname = None
    failed = False
    try:
        dbname, url = loaddata.prepare(args.database, folder, scale, env,
                                       use_cache=not args.no_cache)
        env["DATABASE_URL"] = url
        same_hash_for_everyone(url)
        loaddata.flask(env, "translations", "compile")
        cat = read_catalogue(url, args.seed)
        portal_port, trivial_port = free_port(), free_port()
        portal = spawn(folder, "portal", [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                          "wsgi:app"],
                       dict(env, GUNICORN_BIND="127.0.0.1:%d" % portal_port))
        trivial = spawn(folder, "trivial", [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                            "--pythonpath", "bench", "trivial_app:app"],
                        dict(env, GUNICORN_BIND="127.0.0.1:%d" % trivial_port))
        processes += [portal, trivial]
        nginx_port = None
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if args.slow and os.path.exists(nginx):
            nginx_port = free_port()
            conf = nginx_conf(folder, nginx_port, portal_port)
            processes.append(spawn(folder, "nginx", [nginx, "-p", str(folder), "-c", str(conf),
                                                     "-g", "daemon off;"], env))
        wait_http(portal_port, "/healthz")
        wait_http(trivial_port, "/")
        if nginx_port:
            wait_http(nginx_port, "/healthz")
        results = asyncio.run(benchmark(args, cat, portal_port, trivial_port, nginx_port,
                                        portal.pid, trivial.pid))
        text = report(results)
        print("\n%d materials; %s" % (
            scale.materials,
            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
        print(text)
        if args.json:
            args.json.write_text(json.dumps([r.to_json() for r in results], indent=1))
        problems = check(results)
        for problem in problems:
            print("CHECK FAILED: " + problem, flush=True)
        if args.check and problems:
            failed = True
    finally:
        for proc in reversed(processes):
            stop(proc)
        if dbname and not args.keep:
            loaddata.drop_database(args.database, dbname)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print("kept %s and database %s" % (folder, dbname))
    if failed:
        sys.exit(1)


def same_hash_for_everyone(url: str) -> None:
    """Every benchmark account shares one hash of the password made with the portal's own
    Argon2 parameters (the cached data may hold one made with others); admins and coordinators
    have two-step sign-in with one known key (they must)."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    from portal.auth.models import hash_password
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h"),
                     {"h": hash_password(loaddata.PASSWORD)})
        conn.execute(text("UPDATE users SET totp_secret = :s, totp_enabled_at = :t, "
                          "totp_last_step = NULL WHERE role IN ('admin', 'coordinator')"),
                     {"s": BENCH_TOTP_SECRET, "t": datetime.now(UTC)})
    engine.dispose()


def check(results: list) -> list[str]:
    """Issue 8.10's pass conditions: no error anywhere, and slow clients starving nobody."""
    problems = []
    for r in results:
        errors = sum(r.rec.errors.values())
        if errors:
            problems.append("%s: %d errors (%s)" % (r.name, errors,
                                                    "; ".join(r.rec.error_examples[:3])))
    by_name = {r.name: r for r in results}
    for r in results:
        if "slow uploads" not in r.name:
            continue
        where = r.name.rsplit(", ", 1)[1]
        base = by_name.get("mix, 50 users, %s" % where)
        if base is None:
            continue
        with_slow, without = _p95_all(r), _p95_all(base)
        if with_slow > 3 * without + 250:
            problems.append("%s: the other users' p95 %.0f ms against %.0f ms without slow "
                            "uploads" % (r.name, with_slow, without))
    return problems


def _p95_all(result) -> float:
    values = sorted(v for label, vs in result.rec.samples.items()
                    if "slow" not in label for v in vs)
    return values[int(0.95 * (len(values) - 1))] if values else 0.0


if __name__ == "__main__":
    main()
