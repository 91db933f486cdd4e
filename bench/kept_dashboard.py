"""CPU per kept participant dashboard against a trivial Flask route, in one process.

    .venv/bin/python bench/kept_dashboard.py [--requests 3000] [--redis redis://127.0.0.1:6379/12]

No server and no network but Redis (the page cache's counters; ``--redis ''`` keeps them in
this process): each request is one WSGI call with a demo participant's session cookie, so the
figure is the portal's own cost of a kept page (cookie check, counters, headers, request log)
without gunicorn's or the client's. Prints CPU ms per request, p50/p95/p99 wall time and the
ratio to a one-line Flask route called the same way. The load benchmark (bench/load.py) gives
the same comparison through gunicorn."""
from __future__ import annotations

import argparse
import io
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

UA = {"User-Agent": "bench", "X-Forwarded-For": "10.0.0.5", "X-Forwarded-Proto": "https"}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="portal-kept-")
    os.environ.update({"PORTAL_INSTANCE_DIR": folder, "PORTAL_ENV": "production",
                       "SECRET_KEY": "bench-" + "x" * 32, "TRUSTED_PROXIES": "1",
                       "REDIS_URL": args.redis, "PAGE_CACHE": "1"})
    from flask import Flask
    from flask_migrate import upgrade
    from werkzeug.test import EnvironBuilder

    from portal import create_app, demo, jobs
    app = create_app()
    quiet = logging.getLogger("portal.requests")
    quiet.handlers[:] = [logging.FileHandler(os.path.join(folder, "requests.log"))]
    quiet.propagate = False
    with app.app_context():
        upgrade()
        demo.load(password="bench-password-2026")
        jobs.commit()
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost", headers=UA)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    signed_in = client.post("/login", base_url="https://localhost", data={
        "csrf_token": token, "email": "aminata@" + demo.DOMAIN,
        "password": "bench-password-2026"},
        headers={**UA, "Referer": "https://localhost/login"})
    assert signed_in.status_code == 302, signed_in.status_code
    client.get("/dashboard", base_url="https://localhost", headers=UA)  # the flash message
    cookie = client.get_cookie("portal_session").value
    environ = EnvironBuilder(path="/dashboard", base_url="https://localhost", headers={
        **UA, "Cookie": "portal_session=" + cookie, "Accept-Language": "fr"}).get_environ()

    trivial = Flask("trivial")
    trivial.get("/dashboard")(lambda: "<!doctype html><title>ok</title><p>ok</p>")

    def run(wsgi, n):
        walls = []
        cpu = time.process_time()
        for _ in range(n):
            env = dict(environ, **{"wsgi.input": io.BytesIO()})
            started = time.perf_counter()
            b"".join(wsgi(env, lambda *a: None))
            walls.append((time.perf_counter() - started) * 1000)
        return (time.process_time() - cpu) * 1000 / n, walls

    store = app.extensions["page_cache"]
    run(app, 50)
    run(trivial, 50)
    hits = store.hits
    portal_cpu, portal_wall = run(app, args.requests)
    assert store.hits - hits == args.requests, "not every dashboard was a kept one"
    trivial_cpu, trivial_wall = run(trivial, args.requests)
    print("%d requests each; counters %s" % (args.requests, "in Redis" if args.redis
                                             else "in this process"))
    print("| route | CPU ms/request | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, cpu, walls in (("kept dashboard", portal_cpu, portal_wall),
                             ("trivial route", trivial_cpu, trivial_wall)):
        q = statistics.quantiles(walls, n=100)
        print("| %s | %.3f | %.3f | %.3f | %.3f |" % (name, cpu, q[49], q[94], q[98]))
    print("ratio (trivial CPU / kept dashboard CPU): %.2f" % (trivial_cpu / portal_cpu))


if __name__ == "__main__":
    main()
