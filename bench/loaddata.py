"""Data at program scale for the load benchmark (bench/load.py), generated in bulk.

10,000 participants plus staff, 300 courses of the current fiscal year spread over every phase,
their enrollments, assignments, submissions (states spread as a real year spreads them, every
version kept), action plans and progress reports of some alumni, and the 5,000 library materials
of bench/search.py (20-minute transcripts in two or three languages), indexed with the portal's
own rebuild. Rows go in through SQLAlchemy Core ``insert()`` in batches; Argon2 runs once: every
account shares one precomputed hash of ``PASSWORD``.

    .venv/bin/python bench/loaddata.py --database postgresql+psycopg://postgres@127.0.0.1/x \\
                                       --folder /tmp/somewhere [--participants 10000]

``prepare()`` is what bench/load.py calls: it creates a fresh database ``portal_bench_<random>``,
and fills it either from the cache (a ``pg_dump`` plus the index and the stored subtitle files,
under ``$TMPDIR/portal-bench-cache/<key>``; the key covers this file, the migrations, the scale
and the day, since phases follow today's date) or by generating it and then caching it.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time as dtime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PASSWORD = "load benchmark password"
CACHE = Path(tempfile.gettempdir()) / "portal-bench-cache"
SUBJECTS = ("governance", "gender", "peacebuilding", "ict", "evaluation", "education", "health",
            "social-security", "economic-policy", "private-sector", "agriculture",
            "rural-development", "transportation", "urban-regional", "natural-resources-energy",
            "environmental-management", "natural-environment-conservation", "water-resources",
            "disaster-risk-reduction")
CENTERS = ("Tokyo", "Yokohama", "Tsukuba", "Chubu", "Kansai", "Chugoku", "Shikoku", "Kyushu",
           "Okinawa", "Hokkaido", "Tohoku", "Hokuriku")
REGIONS = ("africa", "southeast-asia-pacific", "latin-america-caribbean", "south-asia",
           "middle-east-europe", "east-central-asia-caucasus")
COUNTRIES = ("KE GH SN TZ UG ZM RW ET NG CM CI MG MZ MW BF PH ID VN TH KH LA MM FJ WS PG PE BO "
             "CO EC HN GT PY SV NI BR MX BD NP LK PK IN TN MA JO EG TR UA GE KZ KG UZ MN").split()
ZONES = ("Africa/Nairobi", "Africa/Dakar", "Asia/Manila", "Asia/Jakarta", "America/Lima",
         "America/Bogota", "Asia/Dhaka", "Africa/Tunis", "Asia/Tbilisi", "Pacific/Fiji", "UTC")
FIRST = ("Amina Kofi Maria Jose Nguyen Siti Ravi Fatima Juan Ana Tariq Grace Samuel Lucia "
         "Pedro Aisha Daniel Rosa Ibrahim Mei Carlos Elena Moses Nadia Omar Sofia").split()
LAST = ("Mensah Okafor Garcia Lopez Tran Rahman Perera Diallo Silva Mwangi Santos Haddad "
        "Khan Banda Rojas Ndiaye Cruz Flores Abebe Sato Kimura Nakamura Reyes Torres").split()
TEXT = ("In my ministry we lack a shared register of the works done by each municipality, so "
        "budgets are planned without knowing what was built the year before. During the course I "
        "learnt how the prefecture keeps such a register and how the residents are consulted. ")


@dataclass
class Scale:
    participants: int = 10_000
    courses: int = 300
    instructors: int = 80
    coordinators: int = 25
    materials: int = 5_000
    seed: int = 11

    def key(self) -> str:
        digest = hashlib.sha256()
        digest.update(Path(__file__).read_bytes())
        digest.update((ROOT / "bench" / "search.py").read_bytes())
        for f in sorted((ROOT / "migrations" / "versions").glob("*.py")):
            digest.update(f.name.encode() + f.read_bytes())
        digest.update(repr((self, date.today().isoformat())).encode())
        return digest.hexdigest()[:16]


def log(message: str, *args) -> None:
    print("[loaddata %s] %s" % (time.strftime("%H:%M:%S"), message % args), flush=True)


# ------------------------------------------------------------------ database and cache


def create_database(admin_url: str) -> tuple[str, str]:
    """A fresh database on the server of ``admin_url``: (name, URL)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "portal_bench_%s" % uuid.uuid4().hex[:8]
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('CREATE DATABASE "%s"' % name))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
    engine.dispose()


def _libpq(url: str) -> list[str]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    return args + ["-d", u.database]


def _pg_env(url: str) -> dict:
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    return dict(os.environ, **({"PGPASSWORD": password} if password else {}))


def _vacuum_analyze(url: str) -> None:
    """Planner statistics and the visibility map, as a production database has them. Without
    them (a database just generated, or restored with ``pg_restore``, which brings back
    neither) autovacuum analyses and vacuums every table during the measured phases, and
    queries are planned on guesses until it has."""
    subprocess.run(["psql", "-q", *_libpq(url), "-c", "VACUUM ANALYZE"], check=True,
                   env=_pg_env(url))


def prepare(admin_url: str, folder: Path, scale: Scale, env: dict, use_cache: bool = True
            ) -> tuple[str, str]:
    """Create the benchmark database and fill it (from the cache when possible).

    ``env`` is the portal's environment for flask commands (STORAGE_URL, SEARCH_INDEX_DIR
    under ``folder``); returns (database name, URL)."""
    name, url = create_database(admin_url)
    env = dict(env, DATABASE_URL=url)
    cached = CACHE / scale.key()
    index_dir, storage = Path(env["SEARCH_INDEX_DIR"]), Path(env["STORAGE_URL"][len("file://"):])
    try:
        if use_cache and (cached / "done").exists():
            started = time.perf_counter()
            subprocess.run(["pg_restore", "--no-owner", "-j", "2", *_libpq(url),
                            str(cached / "db.dump")], check=True, env=_pg_env(url))
            shutil.copytree(cached / "index", index_dir)
            shutil.copytree(cached / "storage", storage)
            _vacuum_analyze(url)
            log("restored from the cache %s in %.0f s", cached, time.perf_counter() - started)
            return name, url
        flask(env, "db", "upgrade")
        generate(url, storage, scale)
        started = time.perf_counter()
        flask(env, "index", "rebuild", timeout=3 * 3600)  # ~15 min alone on 2 cores
        log("index rebuilt from the database in %.0f s", time.perf_counter() - started)
        _vacuum_analyze(url)
        if use_cache:
            _forget_old_caches()
            tmp = CACHE / (scale.key() + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            subprocess.run(["pg_dump", "-Fc", "-Z", "1", "-f", str(tmp / "db.dump"),
                            *_libpq(url)], check=True, env=_pg_env(url))
            shutil.copytree(index_dir, tmp / "index")
            shutil.copytree(storage, tmp / "storage")
            (tmp / "done").write_text("ok")
            tmp.rename(cached)
            log("cached in %s", cached)
    except BaseException:
        drop_database(admin_url, name)
        raise
    return name, url


def _forget_old_caches() -> None:
    """Data sets cached more than a day ago (their phases no longer match today)."""
    if CACHE.is_dir():
        for entry in CACHE.iterdir():
            if time.time() - entry.stat().st_mtime > 36 * 3600:
                shutil.rmtree(entry, ignore_errors=True)


def flask(env: dict, *args: str, timeout: float = 1800) -> str:
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError("flask %s failed:\n%s" % (" ".join(args), out.stderr[-3000:]))
    return out.stdout


# ------------------------------------------------------------------ generation


def generate(url: str, storage: Path, scale: Scale) -> None:
    from argon2 import PasswordHasher
    from sqlalchemy import create_engine

    started = time.perf_counter()
    rng = random.Random(scale.seed)
    engine = create_engine(url)
    pw_hash = PasswordHasher().hash(PASSWORD)
    today = datetime.now(UTC).date()
    with engine.begin() as conn:
        g = _Generator(conn, rng, pw_hash, today, scale, storage)
        g.users()
        g.courses()
        g.enrollments()
        g.assignments()
        g.submissions()
        g.action_plans()
        g.library()
        g.fix_sequences()
    engine.dispose()
    log("generated in %.0f s: %s", time.perf_counter() - started,
        ", ".join("%s %d" % kv for kv in g.counts.items()))


def _insert(conn, table, rows: list[dict], batch: int = 5000) -> None:
    for start in range(0, len(rows), batch):
        conn.execute(table.insert(), rows[start:start + batch])


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, dtime(hour), UTC)


class _Generator:
    def __init__(self, conn, rng, pw_hash, today, scale, storage):
        self.conn, self.rng, self.pw_hash, self.today = conn, rng, pw_hash, today
        self.scale, self.storage = scale, storage
        self.now = datetime.now(UTC)
        self.counts: dict[str, int] = {}

    def put(self, model, rows: list[dict]) -> None:
        _insert(self.conn, model.__table__, rows)
        self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)

    # -------------------------------------------------------------- people

    def users(self) -> None:
        from portal.auth.models import User

        rows, rng = [], self.rng
        staff = ([("admin", n) for n in range(2)]
                 + [("coordinator", n) for n in range(self.scale.coordinators)]
                 + [("instructor", n) for n in range(self.scale.instructors)])
        people = staff + [("participant", n) for n in range(self.scale.participants)]
        self.staff: dict[str, list[int]] = {"admin": [], "coordinator": [], "instructor": []}
        self.participants: list[int] = []
        for uid, (role, n) in enumerate(people, 1):
            lang = rng.choices(("en", "fr", "es"), weights=(5, 3, 2))[0]
            rows.append({
                "id": uid, "email": "%s%05d@bench.example.org" % (role, n),
                "name": "%s %s" % (rng.choice(FIRST), rng.choice(LAST)), "role": role,
                "country": rng.choice(COUNTRIES) if role == "participant" else "JP",
                "organization": "Ministry of Public Works", "position": "Engineer",
                "language": lang, "timezone": rng.choice(ZONES) if role == "participant"
                else "Asia/Tokyo", "active": True, "password_hash": self.pw_hash,
                "session_version": 1, "created_at": self.now - timedelta(days=400)})
            (self.participants if role == "participant" else self.staff[role]).append(uid)
        self.put(User, rows)

    # -------------------------------------------------------------- courses

    def courses(self) -> None:
        from portal.courses.models import Course, CourseCoordinator, CourseInstructor
        from portal.dates import closes_on

        rng, rows, teach, coord = self.rng, [], [], []
        fy = self.today.year if self.today.month >= 4 else self.today.year - 1
        first = date(fy, 4, 1) - timedelta(days=120)  # some courses of last year still open
        span = (date(fy + 1, 3, 1) - first).days
        self.course_rows = []
        for cid in range(1, self.scale.courses + 1):
            arrival = first + timedelta(days=int(span * (cid - 0.5) / self.scale.courses))
            departure = arrival + timedelta(days=rng.choice((21, 28, 35, 42, 56)))
            months = rng.choice(([3, 6], [6], [3, 6, 12]))
            subject = rng.choice(SUBJECTS)
            code = "FY%d-%s-%03d" % (arrival.year, subject[:4].upper(), cid)
            row = {
                "id": cid, "code": code,
                "title": {"en": "%s for local governments (%d)" % (subject.title(), cid),
                          "fr": "%s pour les collectivités (%d)" % (subject.title(), cid),
                          "es": "%s para gobiernos locales (%d)" % (subject.title(), cid)},
                "description": {"en": TEXT * 2}, "objectives": {"en": TEXT}, "outline": {},
                "subject": subject, "program_type": rng.choice(
                    ("group-region", "group-region", "country", "young-leaders")),
                "training_center": rng.choice(CENTERS), "fiscal_year": fy if arrival >= date(
                    fy, 4, 1) else fy - 1,
                "languages": rng.choice((["en"], ["fr"], ["es"], ["en", "fr"])),
                "region": rng.choice(REGIONS), "pre_arrival_opens": arrival - timedelta(days=42),
                "arrival": arrival, "departure": departure, "report_months": months,
                "closes_on": closes_on(departure, months),
                "created_at": self.now - timedelta(days=300), "updated_at": self.now}
            rows.append(row)
            for uid in rng.sample(self.staff["instructor"], 3):
                teach.append({"course_id": cid, "user_id": uid})
            for uid in rng.sample(self.staff["coordinator"], rng.choice((1, 2))):
                coord.append({"course_id": cid, "user_id": uid})
        self.course_rows = rows
        self.put(Course, rows)
        self.put(CourseInstructor, teach)
        self.put(CourseCoordinator, coord)

    def phase(self, course: dict) -> str:
        t = self.today
        if t < course["pre_arrival_opens"]:
            return "upcoming"
        if t < course["arrival"]:
            return "pre-arrival"
        if t <= course["departure"]:
            return "in-japan"
        return "post-return" if t <= course["closes_on"] else "closed"

    def enrollments(self) -> None:
        from portal.courses.models import Enrollment

        rng, rows = self.rng, []
        people = list(self.participants)
        rng.shuffle(people)
        per = len(people) // len(self.course_rows)
        self.enrolled: dict[int, list[tuple[int, int, str]]] = {}  # course -> (eid, uid, status)
        eid = 0
        for n, course in enumerate(self.course_rows):
            phase = self.phase(course)
            group = people[n * per:(n + 1) * per] if n < len(self.course_rows) - 1 else \
                people[n * per:]
            for uid in group:
                eid += 1
                status = {"upcoming": rng.choice(("nominated", "nominated", "accepted")),
                          "pre-arrival": "accepted", "in-japan": "in_progress",
                          "post-return": "completed", "closed": "completed"}[phase]
                if rng.random() < 0.02:
                    status = "withdrawn"
                rows.append({"id": eid, "course_id": course["id"], "user_id": uid,
                             "status": status, "created_at": self.now - timedelta(days=200),
                             "updated_at": self.now})
                self.enrolled.setdefault(course["id"], []).append((eid, uid, status))
        self.put(Enrollment, rows)

    # -------------------------------------------------------------- assignments

    def assignments(self) -> None:
        from portal.assignments.models import Assignment

        rows, aid = [], 0
        self.assignment_rows: list[dict] = []
        for course in self.course_rows:
            arrival, departure = course["arrival"], course["departure"]
            plan = [("pre-arrival", "Job report", course["pre_arrival_opens"], arrival -
                     timedelta(days=14), None),
                    ("pre-arrival", "Country report", course["pre_arrival_opens"], arrival -
                     timedelta(days=7), None),
                    ("pre-arrival", "Questionnaire", course["pre_arrival_opens"], arrival -
                     timedelta(days=3), None),
                    ("in-japan", "Inception report", arrival, arrival + timedelta(days=7), None),
                    ("in-japan", "Site visit notes", arrival, departure - timedelta(days=3), None)]
            from portal.dates import add_months
            for month in course["report_months"]:
                plan.append(("post-return", "Progress report (%d months)" % month, departure,
                             add_months(departure, month), month))
            for phase, title, opens, due, months in plan:
                aid += 1
                row = {"id": aid, "course_id": course["id"], "phase": phase,
                       "title": {"en": title, "fr": title + " (fr)", "es": title + " (es)"},
                       "instructions": {"en": "Write **two pages**: " + TEXT},
                       "statement": {"en": "This is my own work."},
                       "opens_at": _at(opens, 0), "due_at": _at(due, 23),
                       "due_months_after_departure": months, "cutoff_at": None,
                       "asks": "both", "file_types": ["pdf", "word"], "max_files": 3,
                       "max_size_mb": 20, "created_by_id": None,
                       "created_at": self.now - timedelta(days=250), "updated_at": self.now}
                rows.append(row)
                self.assignment_rows.append(row)
        self.put(Assignment, rows)

    def submissions(self) -> None:
        from portal.assignments.models import Submission, SubmissionVersion

        rng, subs, versions = self.rng, [], []
        sid = vid = 0
        reviewers = {c: [] for c in range(1, len(self.course_rows) + 1)}
        for course in self.course_rows:
            reviewers[course["id"]] = self.staff["instructor"][:1]
        for a in self.assignment_rows:
            if a["opens_at"] > self.now:
                continue
            overdue = a["due_at"] < self.now
            for _eid, uid, status in self.enrolled[a["course_id"]]:
                if status == "withdrawn":
                    continue
                if overdue:
                    state = rng.choices(("accepted", "submitted", "returned", "draft", None),
                                        weights=(75, 8, 7, 3, 7))[0]
                else:
                    state = rng.choices(("accepted", "submitted", "returned", "draft", None),
                                        weights=(15, 25, 5, 25, 30))[0]
                if state is None:
                    continue
                sid += 1
                late = overdue and state != "draft" and rng.random() < 0.1
                when = min(self.now, a["due_at"] - timedelta(hours=rng.randint(-30, 200)))
                subs.append({"id": sid, "assignment_id": a["id"], "user_id": uid,
                             "state": state, "late": late,
                             "submitted_at": None if state == "draft" else when,
                             "created_at": when, "updated_at": when})
                history = {"accepted": ["accepted"], "submitted": ["submitted"],
                           "returned": ["returned"], "draft": ["draft"]}[state]
                if state == "accepted" and rng.random() < 0.15:
                    history = ["returned", "accepted"]
                for number, vstate in enumerate(history, 1):
                    vid += 1
                    reviewed = vstate in ("accepted", "returned")
                    versions.append({
                        "id": vid, "submission_id": sid, "number": number, "state": vstate,
                        "text": TEXT * rng.randint(2, 6), "draft_saved_at": when,
                        "submitted_at": None if vstate == "draft" else when, "late": late,
                        "statement_accepted": vstate != "draft",
                        "feedback": "Good work; please add figures." if reviewed else "",
                        "reviewed_at": when + timedelta(days=2) if reviewed else None,
                        "reviewer_id": self.staff["instructor"][a["course_id"] % len(
                            self.staff["instructor"])] if reviewed else None})
        self.put(Submission, subs)
        self.put(SubmissionVersion, versions)

    # -------------------------------------------------------------- action plans

    def action_plans(self) -> None:
        from portal.action_plans.models import (
            ActionPlan,
            PlanVersion,
            ProgressReport,
            ReportActivity,
        )
        from portal.dates import add_months

        rng, plans, versions, reports, activities = self.rng, [], [], [], []
        pid = vid = rid = 0
        for course in self.course_rows:
            phase = self.phase(course)
            if phase not in ("in-japan", "post-return", "closed"):
                continue
            for eid, uid, status in self.enrolled[course["id"]]:
                if status == "withdrawn" or rng.random() > 0.7:
                    continue
                pid += 1
                state = "accepted" if phase != "in-japan" else rng.choice(
                    ("draft", "draft", "submitted", "returned"))
                acts = [{"key": "a%d" % k, "description": "Survey of works in district %d" % k,
                         "responsible": "Planning unit", "start": "2026-0%d" % (k + 1),
                         "end": "2026-1%d" % (k - 1), "indicator": "districts covered",
                         "target": "%d" % (k * 5), "resources": "staff time"}
                        for k in range(1, 4)]
                content = {"title": "Register of public works", "problem": TEXT,
                           "objectives": TEXT, "target_group": "municipal engineers",
                           "activities": acts, "risks": "budget cuts", "support": "JICA office"}
                when = _at(course["departure"] - timedelta(days=2))
                plans.append({"id": pid, "enrollment_id": eid, "language": "en",
                              "state": state, "content": content, "shared": rng.random() < 0.3,
                              "revision_reason": None, "search_text": TEXT.lower(),
                              "edit_count": rng.randint(1, 40), "created_at": when,
                              "updated_at": when})
                if state == "draft":
                    continue
                vid += 1
                versions.append({"id": vid, "plan_id": pid, "number": 1, "content": content,
                                 "language": "en", "status": "accepted" if state == "accepted"
                                 else state, "reason": None, "created_at": when,
                                 "created_by_id": uid, "decided_at": when if state != "submitted"
                                 else None, "decided_by_id": None})
                for month in course["report_months"]:
                    if add_months(course["departure"], month) > self.today + timedelta(days=20):
                        break
                    if rng.random() > 0.6:
                        continue
                    rid += 1
                    reports.append({
                        "id": rid, "plan_id": pid, "month": month, "version_id": vid,
                        "state": rng.choice(("draft", "submitted", "submitted")),
                        "language": "en", "achievements": TEXT, "challenges": "budget",
                        "next_steps": "extend", "applied": "kaizen", "created_at": self.now,
                        "updated_at": self.now, "submitted_at": self.now})
                    for pos, act in enumerate(acts):
                        activities.append({"report_id": rid, "position": pos,
                                           "activity_key": act["key"],
                                           "description": act["description"],
                                           "status": rng.choice(("in_progress", "done")),
                                           "percent": rng.choice((20, 50, 100))})
        self.put(ActionPlan, plans)
        self.put(PlanVersion, versions)
        self.put(ProgressReport, reports)
        self.put(ReportActivity, activities)

    # -------------------------------------------------------------- library

    def library(self) -> None:
        """The materials of bench/search.py; the first 300 have their WebVTT files stored."""
        from search import materials  # bench/search.py

        from media_index.transcripts import to_webvtt
        from portal.library.models import Material, SubtitleTrack
        from portal.uploads.models import StoredFile

        codes = [c["code"] for c in self.course_rows]
        mats, tracks, files = [], [], []
        fid = 0
        for number, m in enumerate(materials(7, self.scale.materials), 1):
            created = datetime.fromtimestamp(m["created_ts"], UTC)
            mats.append({
                "id": number, "slug": m["id"], "kind": m["kind"], "title": m["title"],
                "description": m["description"], "subjects": m["subjects"],
                "keywords": m["keywords"],
                "courses": [codes[int(c[1:]) % len(codes)] for c in m["courses"]],
                "year": m["year"], "audio_language": m["audio_language"],
                "duration_s": 1200, "producer": "JICA", "visibility": m["visibility"],
                "allow_download": True, "state": "ready", "view_count": m["view_count"],
                "created_at": created, "updated_at": created})
            for lang, cues in m["transcripts"].items():
                fid += 1
                key = "library/%s/%s.vtt" % (m["id"], lang)
                size = 0
                if number <= 300:
                    data = to_webvtt(cues).encode()
                    path = self.storage.joinpath(*key.split("/"))
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    size = len(data)
                files.append({"id": fid, "backend": "file", "key": key,
                              "name": "%s.vtt" % lang, "size": size,
                              "sha256": None, "content_type": "text/vtt",
                              "purpose": "library", "uploader_id": None, "created_at": created})
                tracks.append({"material_id": number, "lang": lang, "file_id": fid,
                               "cues": [list(c) for c in cues]})
        self.put(Material, mats)
        self.put(StoredFile, files)
        for start in range(0, len(tracks), 500):  # the cues make these rows large
            self.put(SubtitleTrack, tracks[start:start + 500])

    def fix_sequences(self) -> None:
        from sqlalchemy import text

        for table in ("users", "courses", "enrollments", "assignments", "submissions",
                      "submission_versions", "action_plans", "action_plan_versions",
                      "progress_reports", "library_materials", "stored_files"):
            self.conn.execute(text(
                "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
                "COALESCE((SELECT MAX(id) FROM %s), 1))" % (table, table)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                        "postgres", help="server to create portal_bench_<random> on")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--materials", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args(argv)
    scale = Scale(participants=args.participants, materials=args.materials)
    args.folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update(PORTAL_ENV="testing", SECRET_KEY="bench", PORTAL_INSTANCE_DIR=str(args.folder),
               STORAGE_URL="file://%s" % (args.folder / "storage"),
               SEARCH_INDEX_DIR=str(args.folder / "index"))
    name, url = prepare(args.database, args.folder, scale, env)
    print(url)
    if not args.keep:
        drop_database(args.database, name)


if __name__ == "__main__":
    main()
