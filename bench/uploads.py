"""Benchmark of the upload paths: big files through the resumable protocol, end to end.

For each path and size, a client sends a file the way the upload widget does (declare, then for
each part ask where to send it and PUT it there, then complete) to the portal served by gunicorn
(one worker, four threads), and reports:

- throughput in MB/s for the whole upload (parts + completion) and for the parts alone;
- how long completion takes (joining the parts, checking the content, computing the SHA-256);
- the server worker's peak resident memory (VmHWM) and its growth over the peak after a
  20 MiB warm-up upload: it must stay flat as files grow (< 64 MiB of growth).

Paths:
  local  STORAGE_URL=file://...: parts go through the portal's part endpoint, streamed to disk;
         completion joins them while hashing.
  s3     STORAGE_URL=s3://...: parts go straight to the store with presigned URLs (moto's server
         in a separate process here); completion asks the store to join them, then the
         stored-file job reads the object back once for its SHA-256 (in-process jobs run right
         after the request's commit, so that time is inside "complete").

    .venv/bin/python bench/uploads.py [--sizes-gib 1,4] [--paths local,s3] [--keep]

Needs about 3x the largest size free in the temporary folder (source file, parts, object).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password for uploads"
EMAIL = "bench-instructor@example.org"
MiB = 1024 * 1024
GiB = 1024 * MiB
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


def make_app():
    """gunicorn's entry point: the portal as production runs it."""
    sys.path.insert(0, str(ROOT))
    from portal.app import create_app

    return create_app()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.time() + timeout
    while True:
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException as error:
            if time.time() > deadline:
                raise RuntimeError("%s did not answer" % url) from error
            time.sleep(0.2)


def make_file(path: Path, size: int) -> str:
    """A file that sniffs as MP4, random after its header; returns its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        written = 0
        while written < size:
            chunk = os.urandom(min(8 * MiB, size - written))
            if written == 0:
                chunk = MP4_HEAD + chunk[len(MP4_HEAD):]
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


def peak_rss(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, in bytes."""
    status = Path("/proc/%d/status" % pid).read_text()
    values = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M))
    return int(values["VmHWM"]) * 1024, int(values["VmRSS"]) * 1024


def worker_pid(master: int) -> int:
    deadline = time.time() + 30
    while time.time() < deadline:
        children = Path("/proc/%d/task/%d/children" % (master, master)).read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker")


class Client:
    """The upload widget's protocol, spoken with requests."""

    def __init__(self, base: str):
        import requests

        self.base = base
        self.session = requests.Session()
        self.direct = requests.Session()  # presigned URLs: no portal cookies
        login = self.session.get(base + "/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        response = self.session.post(base + "/login", data={
            "csrf_token": token, "email": EMAIL, "password": PASSWORD}, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        page = self.session.get(base + "/uploads/new?purpose=material").text
        self.csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        self.headers = {"X-CSRFToken": self.csrf, "Accept": "application/json"}

    def upload(self, path: Path, size: int) -> dict:
        started = time.perf_counter()
        created = self.session.post(self.base + "/uploads", headers=self.headers, json={
            "name": path.name, "size": size, "purpose": "material", "type": "video/mp4"})
        assert created.status_code == 201, created.text
        upload = created.json()
        with open(path, "rb") as source:
            for number in range(1, upload["part_count"] + 1):
                data = source.read(upload["part_size"])
                target = self.session.get(self.base + "%s/parts/%d" % (upload["url"], number),
                                          headers=self.headers).json()
                if target["direct"]:
                    sent = self.direct.put(target["url"], data=data)
                else:
                    sent = self.session.put(self.base + target["url"], data=data, headers={
                        **self.headers, "Content-Type": "application/octet-stream"})
                assert sent.status_code == 200, sent.text[:500]
        parts_done = time.perf_counter()
        done = self.session.post(self.base + upload["url"] + "/complete", headers=self.headers)
        assert done.status_code == 200, done.text[:1000]
        finished = time.perf_counter()
        return {"file": done.json()["file"], "parts_s": parts_done - started,
                "complete_s": finished - parts_done, "total_s": finished - started,
                "parts": upload["part_count"], "part_size": upload["part_size"]}


def prepare(env: dict) -> None:
    """Migrate the database and create the instructor who uploads."""
    code = ("from uploads import make_app\n"
            "from flask_migrate import upgrade\n"
            "from portal.extensions import db\n"
            "from portal.auth import services\n"
            "app = make_app()\n"
            "with app.app_context():\n"
            "    upgrade()\n"
            "    if not services.find_user_by_email(%r):\n"
            "        services.create_user(%r, 'Bench Instructor', 'instructor', password=%r)\n"
            "        db.session.commit()\n") % (EMAIL, EMAIL, PASSWORD)
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def run_path(name: str, sizes: list[int], work: Path, sources: dict) -> list[dict]:
    instance = work / ("instance-" + name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update({"PORTAL_ENV": "testing", "PORTAL_INSTANCE_DIR": str(instance),
                "SECRET_KEY": uuid.uuid4().hex, "DATABASE_URL": "sqlite:///%s" % (
                    instance / "bench.sqlite3"), "PYTHONPATH": "%s:%s" % (ROOT / "bench", ROOT),
                "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"})
    moto = None
    try:
        if name == "local":
            env["STORAGE_URL"] = "file://%s" % (work / "storage-local")
        else:
            moto_port = free_port()
            moto = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H",
                                     "127.0.0.1", "-p", str(moto_port)], cwd=work,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for("http://127.0.0.1:%d" % moto_port)
            env.update({"STORAGE_URL": "s3://bench/portal", "S3_ENDPOINT_URL":
                        "http://127.0.0.1:%d" % moto_port, "S3_REGION": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "S3_ADDRESSING_STYLE": "path",
                        # moto loads a whole object in memory before it answers a GET
                        "S3_READ_TIMEOUT": "60"})
        instance.mkdir(parents=True)
        prepare(env)
        if name == "s3":
            subprocess.run([sys.executable, "-m", "flask", "--app", "uploads:make_app",
                            "storage", "init", "--origin", "http://127.0.0.1"], env=env,
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return serve_and_measure(name, sizes, work, sources, env)
    finally:
        if moto:
            moto.terminate()
            moto.wait(30)


def serve_and_measure(name: str, sizes: list[int], work: Path, sources: dict,
                      env: dict) -> list[dict]:
    port = free_port()
    log = open(work / ("gunicorn-%s.log" % name), "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4",
                               "--timeout", "1800", "-b", "127.0.0.1:%d" % port,
                               "uploads:make_app()"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    results = []
    try:
        base = "http://127.0.0.1:%d" % port
        wait_for(base + "/login")
        worker = worker_pid(server.pid)
        client = Client(base)
        warm = work / "warm-up.mp4"
        if not warm.exists():
            make_file(warm, 20 * MiB)
        client.upload(warm, 20 * MiB)
        baseline, _ = peak_rss(worker)
        for size in sizes:
            source, sha = sources[size]
            result = client.upload(source, size)
            assert result["file"]["sha256"] == sha, "SHA-256 differs"
            hwm, rss = peak_rss(worker)
            result.update(path=name, size=size, hwm=hwm, rss=rss, baseline=baseline,
                          growth=hwm - baseline)
            results.append(result)
            print_row(result)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        log.close()
    return results


HEADER = ("| path | size | parts | MB/s overall | MB/s parts | complete (s) | worker peak RSS | "
          "growth over warm-up peak |\n|---|---|---|---|---|---|---|---|")


def print_row(r: dict) -> None:
    print("| %s | %d GiB | %d x %d MiB | %.0f | %.0f | %.1f | %.0f MiB | %+.1f MiB |" % (
        r["path"], r["size"] // GiB, r["parts"], r["part_size"] // MiB,
        r["size"] / 1e6 / r["total_s"], r["size"] / 1e6 / r["parts_s"], r["complete_s"],
        r["hwm"] / MiB, r["growth"] / MiB), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes-gib", default="1,4")
    parser.add_argument("--paths", default="local,s3")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    sizes = [int(float(s) * GiB) for s in args.sizes_gib.split(",")]
    work = Path(tempfile.mkdtemp(prefix="portal-bench-uploads-"))
    try:
        sources = {}
        for size in sizes:
            path = work / ("lecture-%dMiB.mp4" % (size // MiB))
            sources[size] = (path, make_file(path, size))
        print(HEADER, flush=True)
        results = []
        for name in args.paths.split(","):
            results += run_path(name, sizes, work, sources)
        worst = max(r["growth"] for r in results)
        print("\nlargest growth of the worker's peak RSS: %.1f MiB (limit 64 MiB): %s" % (
            worst / MiB, "OK" if worst < 64 * MiB else "TOO MUCH"))
        return 0 if worst < 64 * MiB else 1
    finally:
        if args.keep:
            print("work folder kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
