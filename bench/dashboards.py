"""CPU per request of the dashboards against the anonymous home page, in one process.

    .venv/bin/python bench/dashboards.py [--requests 300] [--warmup 30]     (make bench-dashboards)

The demo data (``flask seed-demo``) goes into a throw-away instance folder (SQLite); each page
is asked for through Flask's test client, signed in as a demo account, so every request takes
the whole path (session, access checks, queries, templates, headers, request log) and nothing
else: no server, no network. The clock is ``time.process_time`` (this process's CPU), after a
warm-up. Prints p50/p95 per page and each dashboard's ratio to the home page (issue 14 targets:
participant <= 2x, instructor and coordinator <= 3x). ``--profile PAGE`` prints where the CPU
of that page goes (cProfile, top 30 by cumulative time). ``--pieces`` splits the participant's
dashboard: the home page anonymous and signed in, the dashboard with no panel, the whole
dashboard (what being signed in costs, what the panels cost)."""
from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password-2026"
PAGES = (("home", None, "/"), ("participant", "aminata", "/dashboard"),
         ("instructor", "tanaka", "/dashboard"), ("coordinator", "coordinator", "/dashboard"))
TARGETS = {"participant": 2.0, "instructor": 3.0, "coordinator": 3.0}


def make_app(folder: str):
    os.environ["PORTAL_INSTANCE_DIR"] = folder
    from flask_migrate import upgrade

    from portal import demo, jobs
    from portal.app import create_app
    app = create_app({"PASSWORD_HASHING": "cheapest", "RATELIMIT_ENABLED": False})
    quiet = logging.getLogger("portal.requests")  # one log line per request, kept off screen
    quiet.handlers[:] = [logging.FileHandler(os.path.join(folder, "requests.log"))]
    quiet.propagate = False
    with app.app_context():
        upgrade()
        demo.load(password=PASSWORD)
        jobs.commit()
    return app


def signed_in(app, local: str | None):
    from portal import demo
    from tests import two_step
    client = app.test_client()
    if local is None:
        return client
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    email = "%s@%s" % (local, demo.DOMAIN)
    answer = client.post("/login", data={"csrf_token": token, "password": PASSWORD,
                                         "email": email})
    answer = two_step.answer(client, answer, demo.DEMO_TOTP_SECRET, email)   # demo staff
    assert answer.status_code == 302, answer.status_code
    if answer.headers["Location"].endswith("/login/two-step"):  # staff: the demo's app code
        import pyotp
        page = client.get("/login/two-step").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = client.post("/login/two-step", data={
            "csrf_token": token, "code": pyotp.TOTP(demo.DEMO_TOTP_SECRET).now()})
        assert answer.status_code == 302, answer.status_code
    client.get("/dashboard")  # the welcome flash message goes
    return client


def measure(clients: dict, requests: int, warmup: int) -> dict[str, list[float]]:
    """Pages asked for in turn, so that a busy machine slows every page alike."""
    times: dict[str, list[float]] = {name: [] for name in clients}
    for n in range(warmup + requests):
        for name, (client, path) in clients.items():
            started = time.process_time()
            response = client.get(path)
            spent = (time.process_time() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            if n >= warmup:
                times[name].append(spent)
    return times


def profile(client, path: str, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
        int(os.environ.get("BENCH_TOP", "30")))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", choices=[name for name, _, _ in PAGES])
    parser.add_argument("--pieces", action="store_true",
                        help="what the participant's dashboard is made of")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="portal-bench-dashboards-") as folder:
        app = make_app(folder)
        clients = {name: (signed_in(app, local), path) for name, local, path in PAGES}
        if args.pieces:
            pieces(clients, args.requests, args.warmup)
            return
        if args.profile:
            measure(clients, 0, args.warmup)
            profile(*clients[args.profile], args.requests)
            return
        report(measure(clients, args.requests, args.warmup), args.requests)


def pieces(clients: dict, requests: int, warmup: int) -> None:
    """The participant's dashboard taken apart: each piece measured in turn with the others."""
    from portal.home import panels
    participant = clients["participant"][0]
    shown = {"home": clients["home"], "home, signed in": (participant, "/"),
             "dashboard": (participant, "/dashboard")}
    results = measure(shown, requests, warmup)
    registered = list(panels._PANELS)
    panels._PANELS[:] = []   # the dashboard's page with no panel at all
    try:
        results["dashboard, no panel"] = measure(
            {"dashboard, no panel": (participant, "/dashboard")}, requests, warmup
        )["dashboard, no panel"]
    finally:
        panels._PANELS[:] = registered
    home = statistics.median(results["home"])
    print("| participant's dashboard, piece by piece | p50 ms | p50 / home |")
    print("|---|---:|---:|")
    for name in ("home", "home, signed in", "dashboard, no panel", "dashboard"):
        print("| %s | %.2f | %.2fx |" % (name, statistics.median(results[name]),
                                        statistics.median(results[name]) / home))


def report(results: dict[str, list[float]], requests: int) -> None:
    home = statistics.median(results["home"])
    print("%d requests per page after warm-up; CPU ms per request (time.process_time)"
          % requests)
    print("| page | p50 ms | p95 ms | p50 / home | target |")
    print("|---|---:|---:|---:|---:|")
    for name, times in results.items():
        q = statistics.quantiles(times, n=20)
        target = "<= %.0fx" % TARGETS[name] if name in TARGETS else ""
        print("| %s | %.2f | %.2f | %.2fx | %s |" % (name, statistics.median(times), q[18],
                                                     statistics.median(times) / home, target))


if __name__ == "__main__":
    main()
