"""Benchmark of library search through HTTP: the whole Flask app (routing, sessions, the
permission filter built from the reader's courses, the search, the database query for the hits,
JSON or HTML rendering).

Uses the synthetic materials and the query mix of bench/search.py (same seed, same data): each
material is stored in a fresh SQLite database as the portal stores it (subtitle cues included),
the index is built with the portal's own rebuild (``flask index rebuild``), and the queries go
through Flask's test client as an anonymous visitor or as a signed-in participant enrolled in two
courses. Reports rebuild time from the database, then latency p50/p95/max per endpoint.

    .venv/bin/python bench/search_http.py [--sizes 1000,5000] [--queries 400] [--seed 7]
                                          [--keep DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search import materials, percentile, query_mix  # noqa: E402  (bench/search.py)

PASSWORD = "benchmark password 1"


def build_app(workdir: Path, size: int):
    from flask_migrate import upgrade

    from portal.app import create_app
    from portal.extensions import db

    app = create_app({"TESTING": True, "PORTAL_ENV": "testing", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": str(workdir), "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///%s" % (workdir / (
                          "bench-%d.sqlite3" % size)),
                      "STORAGE_URL": "file://" + str(workdir / "storage"),
                      "SEARCH_INDEX_DIR": str(workdir / ("index-%d" % size)),
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


def load(app, size: int, seed: int) -> float:
    """Insert ``size`` materials with their transcripts; returns seconds."""
    from portal.auth import services as accounts
    from portal.courses.models import Course, Enrollment
    from portal.extensions import db
    from portal.library.models import Material, SubtitleTrack
    from portal.uploads.models import StoredFile

    started = time.perf_counter()
    with app.app_context():
        shared = StoredFile(backend="file", key="bench/none.vtt", name="none.vtt", size=0,
                            content_type="text/vtt", purpose="library")
        db.session.add(shared)
        db.session.flush()
        now = datetime.now(UTC)
        materials_rows, tracks = [], []
        for number, m in enumerate(materials(seed, size), 1):
            created = datetime.fromtimestamp(m["created_ts"], UTC)
            materials_rows.append({
                "id": number, "slug": m["id"], "kind": m["kind"], "title": m["title"],
                "description": m["description"], "subjects": m["subjects"],
                "keywords": m["keywords"], "courses": m["courses"], "year": m["year"],
                "audio_language": m["audio_language"], "visibility": m["visibility"],
                "allow_download": True, "state": "ready", "view_count": m["view_count"],
                "created_at": created, "updated_at": now})
            for lang, cues in m["transcripts"].items():
                tracks.append({"material_id": number, "lang": lang, "file_id": shared.id,
                               "cues": [list(c) for c in cues]})
        db.session.execute(Material.__table__.insert(), materials_rows)
        db.session.execute(SubtitleTrack.__table__.insert(), tracks)
        user = accounts.create_user("reader@example.org", "Reader", "participant",
                                    password=PASSWORD)
        for code in ("C001", "C017"):
            course = Course(code=code, title={"en": code}, subject="education",
                            training_center="Tokyo", fiscal_year=2026,
                            pre_arrival_opens=date(2026, 1, 1), arrival=date(2026, 2, 1),
                            departure=date(2026, 3, 1))
            db.session.add(course)
            db.session.flush()
            db.session.add(Enrollment(course_id=course.id, user_id=user.id, status="accepted"))
        db.session.commit()
    return time.perf_counter() - started


def rebuild(app) -> tuple[float, object]:
    from portal.library import indexing

    with app.app_context():
        started = time.perf_counter()
        status = indexing.rebuild_all()
        return time.perf_counter() - started, status


def params_for(text: str, lang: str, extra: dict) -> dict:
    params = {"q": text, "lang": lang}
    for name, value in (extra.get("filters") or {}).items():
        params[name] = value
    if extra.get("sort"):
        params["sort"] = extra["sort"]
    if extra.get("page"):
        params["page"] = extra["page"]
    return params


def _timed(function, *args, **kwargs) -> tuple[float, float, object]:
    """(wall ms, CPU ms of this thread, result): on a shared machine CPU time shows the cost
    alone, wall time includes waiting for the CPU."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = function(*args, **kwargs)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result


def time_http(app, queries: int, seed: int) -> dict[str, list[tuple[float, float]]]:
    anonymous = app.test_client()
    reader = app.test_client()
    response = reader.post("/login", data={"email": "reader@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    mix = list(query_mix(seed, queries))
    timings: dict[str, list[tuple[float, float]]] = {"api": [], "page": [], "suggest": []}
    for _label, text, lang, extra in mix[:20]:  # warm-up
        (reader if extra.get("allowed") else anonymous).get(
            "/api/v1/library/search", query_string=params_for(text, lang, extra))
    searcher = app.extensions["search_index"].searcher

    def forget() -> None:
        """Every query as if new: the index view's kept answers are dropped before each one,
        so these figures are the engine's whole cost (the next pass shows answers kept)."""
        if searcher._view is not None:
            searcher._view._results.clear()

    for number, (label, text, lang, extra) in enumerate(mix):
        client = reader if extra.get("allowed") else anonymous
        params = params_for(text, lang, extra)
        forget()
        wall, cpu, response = _timed(client.get, "/api/v1/library/search", query_string=params)
        timings["api"].append((wall, cpu))
        assert response.status_code == 200, (label, response.status_code)
        if number % 4 == 0:
            forget()
            wall, cpu, response = _timed(client.get, "/library/search", query_string=params)
            timings["page"].append((wall, cpu))
            assert response.status_code == 200
        if number % 4 == 1:
            wall, cpu, _ = _timed(client.get, "/api/v1/library/suggest",
                                  query_string={"q": (text or "wat")[:4], "lang": lang})
            timings["suggest"].append((wall, cpu))
    timings["kept"] = []
    for timed in (False, True):  # the same searches twice more: answers kept by the view
        for _label, text, lang, extra in mix:
            client = reader if extra.get("allowed") else anonymous
            wall, cpu, response = _timed(client.get, "/api/v1/library/search",
                                         query_string=params_for(text, lang, extra))
            if timed:
                timings["kept"].append((wall, cpu))
    return timings


def _built(app, size: int):
    """The database and index of an earlier run with --keep, if complete."""
    from media_index.indexer import status
    from portal.extensions import db
    from portal.library.models import Material

    with app.app_context():
        try:
            st = status(app.config["SEARCH_INDEX_DIR"])
        except LookupError:
            return None
        count = db.session.query(Material).count()
    return st if count == size and st.materials == size else None


def run(size: int, queries: int, seed: int, keep: Path | None = None) -> dict:
    import logging
    logging.disable(logging.WARNING)  # request logs would dominate the output
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        app = build_app(workdir, size)
        status = _built(app, size) if keep else None
        load_s = rebuild_s = None
        if status is None:
            load_s = load(app, size, seed)
            rebuild_s, status = rebuild(app)
        timings = time_http(app, queries, seed)
        app.extensions["search_index"].searcher.close()
    return {"size": size, "load_s": load_s, "rebuild_s": rebuild_s,
            "index_mb": status.size_bytes / 1e6, "windows": status.windows, "timings": timings}


def report(result: dict) -> None:
    print("\n== %d materials (through HTTP) ==" % result["size"])
    if result["rebuild_s"] is not None:
        print("database load %.1f s; rebuild from the database (flask index rebuild) %.1f s "
              "(%.1f materials/s)" % (result["load_s"], result["rebuild_s"],
                                      result["size"] / result["rebuild_s"]))
    print("index %.1f MB, %d transcript windows" % (result["index_mb"], result["windows"]))
    names = {"api": "GET /api/v1/library/search", "page": "GET /library/search (HTML)",
             "suggest": "GET /api/v1/library/suggest",
             "kept": "GET /api/v1/library/search again"}
    for key, values in result["timings"].items():
        wall, cpu = [w for w, _ in values], [c for _, c in values]
        print("%-30s n=%4d  wall p50 %6.1f p95 %6.1f max %6.1f ms | CPU p50 %6.1f p95 %6.1f ms"
              % (names[key], len(values), percentile(wall, 0.5), percentile(wall, 0.95),
                 max(wall), percentile(cpu, 0.5), percentile(cpu, 0.95)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="keep the databases and indexes in DIR and reuse them next time")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        report(run(size, args.queries, args.seed, args.keep))


if __name__ == "__main__":
    main()
