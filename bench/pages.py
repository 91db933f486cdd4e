"""CPU per request of each page of the load mix, at program scale, in one process.

    .venv/bin/python bench/load.py --users 10 --mix-seconds 5 --sat-seconds 1 --slow 0 --keep
    .venv/bin/python bench/pages.py --folder /tmp/portal-load-XXXX --database portal_bench_XXXX \
        [--requests 80] [--staff] [--profile "material page"]

``bench/load.py --keep`` leaves its data (database, search index, stored files) in place; this
script opens the portal on it as production does (``PORTAL_ENV=production``, PostgreSQL, the
index on disk), signs in 20 participants of the current courses and asks, in turn, for each page
of the participant's mix (the same paths as bench/load.py: its searches, materials, subtitles,
assignments), through Flask's test client: no server, no network, no other users. The clock is
``time.process_time`` of this process (PostgreSQL's own CPU is not in it; the elapsed time,
printed beside it, holds the database's share). ``--staff`` adds the staff's pages (the
dashboards of 5 instructors and 5 coordinators, review queues, progress matrices, the course
list; coordinators sign in with the benchmark's app code). Prints p50 / p95 / mean per page,
and the garbage collector's share (collections and CPU per generation); the
app is readied as a gunicorn worker readies it (``portal.app.prepare_worker``) unless
``--unprepared``. ``--profile PAGE`` prints where that page's CPU goes (cProfile;
``--profile-out FILE`` keeps it for ``python -m pstats FILE``). It answers "which page costs
what, and why" where bench/load.py answers "how does the whole mix behave".
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import logging
import os
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PAGES = ("dashboard", "my assignments", "assignment page", "action plans", "search HTML",
         "search API", "material page", "subtitles .vtt", "home")
# Staff pages, each asked for by the persona of the load mix that uses it most.
STAFF_PAGES = {"dashboard (instructor)": "instructor", "review queue": "instructor",
               "dashboard (coordinator)": "coordinator", "matrix": "coordinator",
               "course list": "coordinator"}
HOST = "https://localhost"


def make_app(folder: str, database_url: str):
    os.environ.update({
        "PORTAL_ENV": "production", "SECRET_KEY": "bench-pages-" + "x" * 32,
        "PUBLIC_URL": HOST, "MAIL_URL": "log://", "DATABASE_URL": database_url,
        "PORTAL_INSTANCE_DIR": os.path.join(folder, "instance"),
        "STORAGE_URL": "file://" + os.path.join(folder, "storage"),
        "SEARCH_INDEX_DIR": os.path.join(folder, "index")})
    from portal.app import create_app
    app = create_app({"RATELIMIT_ENABLED": False})
    quiet = logging.getLogger("portal.requests")  # one log line per request, kept off screen
    quiet.handlers[:] = [logging.NullHandler()]
    quiet.propagate = False
    return app


def signed_in(app, email: str, password: str):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # production cookies are Secure
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": token, "email": email,
                                         "password": password},
                         headers={"Referer": HOST + "/login", "Origin": HOST})
    assert answer.status_code == 302, answer.status_code
    if answer.headers["Location"].endswith("/login/two-step"):  # coordinators
        two_step(client)
    return client


def two_step(client) -> None:
    """The second step with the benchmark's app code. A code is taken once per account and
    time step (an earlier run may have used this one): the next step's code, accepted too,
    else the one after, once its time has come."""
    import pyotp
    from load import BENCH_TOTP_SECRET
    for step in (0, 1, 2):
        if step == 2:
            time.sleep(30 - time.time() % 30 + 0.5)
        page = client.get("/login/two-step").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = client.post("/login/two-step", data={
            "csrf_token": token, "code": pyotp.TOTP(BENCH_TOTP_SECRET).at(
                time.time() + 30 * min(step, 1))},
            headers={"Referer": HOST + "/login/two-step", "Origin": HOST})
        if answer.status_code == 302:
            return
    raise AssertionError("two-step sign-in refused: %d" % answer.status_code)


def path_of(page: str, cat, email: str, rng: random.Random, courses=()) -> str:
    import load
    simple = {"dashboard": "/dashboard", "my assignments": "/assignments",
              "action plans": "/action-plans", "home": "/", "course list": "/courses",
              "dashboard (instructor)": "/dashboard", "dashboard (coordinator)": "/dashboard"}
    if page in simple:
        return simple[page]
    if page == "assignment page":
        return "/assignments/%d" % rng.choice(cat.assignments[email])
    if page in ("review queue", "matrix"):
        return "/assignments/course/%d/%s" % (
            rng.choice(courses), "queue" if page == "review queue" else "matrix")
    return load.library_path(page, cat, rng)


def sign_in_all(app, cat, rng: random.Random, password: str) -> dict[str, list]:
    """20 participants of the current courses, 5 instructors and 5 coordinators, signed in:
    (email, their courses, client) per persona."""
    people = rng.sample([e for e in cat.participants if cat.assignments.get(e)], 20)
    clients = {"participant": [(email, (), signed_in(app, email, password))
                               for email in people]}
    for persona, staff in (("instructor", cat.instructors), ("coordinator", cat.coordinators)):
        clients[persona] = [(email, courses, signed_in(app, email, password))
                            for email, courses in rng.sample(staff, 5)]
    return clients


def measure(pages, clients, cat, rng, args, collector, profiler) -> tuple[dict, dict]:
    """Each page asked for in turn (so that a busy machine slows every page alike): CPU and
    elapsed milliseconds per page, after the warm-up rounds."""
    times: dict[str, list[float]] = {page: [] for page in pages}
    walls: dict[str, list[float]] = {page: [] for page in pages}
    for n in range(args.warmup + args.requests):
        for page in pages:
            persona = clients[STAFF_PAGES.get(page, "participant")]
            email, courses, client = persona[n % len(persona)]
            path = path_of(page, cat, email, rng, courses)
            measured = n >= args.warmup
            if profiler and measured:
                profiler.enable()
            collector.recording = measured
            started, wall = time.process_time(), time.perf_counter()
            response = client.get(path)
            spent = (time.process_time() - started) * 1000
            wall = (time.perf_counter() - wall) * 1000
            if profiler and measured:
                profiler.disable()
            assert response.status_code == 200, (path, response.status_code)
            if measured:
                times[page].append(spent)
                walls[page].append(wall)
    return times, walls


class Collections:
    """The garbage collector's work while recording: collections and CPU per generation."""

    def __init__(self) -> None:
        self.recording = False
        self.count, self.spent, self._started = [0, 0, 0], [0.0, 0.0, 0.0], 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        elif self.recording:
            self.count[info["generation"]] += 1
            self.spent[info["generation"]] += time.process_time() - self._started

    def report(self, requests: int) -> str:
        each = zip(self.count, self.spent, strict=True)
        return "garbage collector over %d requests: %s; %.2f ms a request" % (
            requests, ", ".join("generation %d: %d collections, %.0f ms" % (n, c, s * 1000)
                                for n, (c, s) in enumerate(each)),
            sum(self.spent) * 1000 / max(requests, 1))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="the folder bench/load.py --keep left")
    parser.add_argument("--database", required=True,
                        help="its database: a name on the server of --server, or a URL")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--profile", choices=(*PAGES, *STAFF_PAGES))
    parser.add_argument("--staff", action="store_true",
                        help="the staff's pages too (instructors' and coordinators')")
    parser.add_argument("--profile-out", metavar="FILE",
                        help="with --profile: also save the profile (pstats) to FILE")
    parser.add_argument("--unprepared", action="store_true",
                        help="skip what a gunicorn worker does once it has loaded the app")
    args = parser.parse_args(argv)
    url = args.database if "://" in args.database else "%s/%s" % (args.server, args.database)
    import load
    import loaddata
    app = make_app(args.folder, url)
    if not args.unprepared:
        from portal.app import prepare_worker
        prepare_worker(app)
    collector = Collections()
    cat = load.read_catalogue(url, 5)
    rng = random.Random(3)
    clients = sign_in_all(app, cat, rng, loaddata.PASSWORD)
    pages = [args.profile] if args.profile else [*PAGES, *(STAFF_PAGES if args.staff else ())]
    profiler = cProfile.Profile() if args.profile else None
    times, walls = measure(pages, clients, cat, rng, args, collector, profiler)
    print("%d requests per page after %d warm-up rounds; CPU ms per request (this process)"
          % (args.requests, args.warmup))
    print("| page | p50 ms | p95 ms | mean ms | elapsed p50 ms (database included) |")
    print("|---|---:|---:|---:|---:|")
    for page, values in times.items():
        print("| %s | %.2f | %.2f | %.2f | %.2f |" % (
            page, statistics.median(values), statistics.quantiles(values, n=20)[18],
            statistics.mean(values), statistics.median(walls[page])))
    print(collector.report(sum(len(v) for v in times.values())))
    if profiler and args.profile_out:
        profiler.dump_stats(args.profile_out)
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            int(os.environ.get("BENCH_TOP", "40")))


if __name__ == "__main__":
    main()
