"""The production topology on one machine, for tests and demonstrations.

    .venv/bin/python deploy/topology.py     # starts everything, prints the URLs, Ctrl-C stops

PostgreSQL (the one already running, a fresh database in it), Redis (the local server, a queue of
this run's own), moto standing in for S3, two web hosts (gunicorn) each with its own instance
folder, search index and index worker, one job worker, and nginx balancing the two hosts.
Everything listens on 127.0.0.1 only and stops with the script.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _catalogs_stale() -> bool:
    """Whether a .mo file is missing or older than its .po. Fresh ones are left alone: test
    workers may be reading them (`make test` and `make topology` build them first)."""
    for po in (ROOT / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            return True
    return False


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except Exception as error:
            if time.time() > deadline:
                raise RuntimeError("no answer from %s" % url) from error
            time.sleep(0.3)


@dataclass
class Host:
    name: str
    port: int
    env: dict
    processes: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port


@dataclass
class Topology:
    folder: Path
    env: dict
    hosts: list
    balancer_url: str | None = None
    processes: list = field(default_factory=list)
    database: str | None = None
    admin_database_url: str | None = None

    def flask(self, *args: str, env: dict | None = None) -> str:
        out = subprocess.run([PY, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                             env=env or self.env, capture_output=True, text=True, timeout=600)
        if out.returncode:
            raise RuntimeError("flask %s failed:\n%s" % (" ".join(args), out.stderr[-3000:]))
        return out.stdout

    def spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / ("%s.log" % name), "w")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env or self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, proc))
        return proc

    def stop_host(self, host: Host) -> None:
        for name, proc in list(self.processes):
            if name.startswith(host.name + "-"):
                _stop(proc)

    def stop(self) -> None:
        for _name, proc in reversed(self.processes):
            _stop(proc)
        if self.database and self.admin_database_url:
            from sqlalchemy import create_engine, text
            engine = create_engine(self.admin_database_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.database))
            engine.dispose()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def start(folder: Path, admin_database_url: str, redis_url: str = "redis://127.0.0.1:6379/0",
          hosts: int = 2, with_nginx: bool = True) -> Topology:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    folder.mkdir(parents=True, exist_ok=True)
    dbname = "portal_topology_%s" % uuid.uuid4().hex[:8]
    engine = create_engine(admin_database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('CREATE DATABASE "%s"' % dbname))
    engine.dispose()
    database_url = make_url(admin_database_url).set(database=dbname).render_as_string(
        hide_password=False)
    s3_port, balancer_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update({
        "PORTAL_ENV": "testing", "SECRET_KEY": uuid.uuid4().hex, "DATABASE_URL": database_url,
        "REDIS_URL": redis_url, "JOBS_QUEUE": "topology-%s" % uuid.uuid4().hex[:8],
        "STORAGE_URL": "s3://portal-topology/files",
        "S3_ENDPOINT_URL": "http://127.0.0.1:%d" % s3_port, "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path", "AWS_ACCESS_KEY_ID": "topology",
        "AWS_SECRET_ACCESS_KEY": "topology-secret", "PORTAL_INSTANCE_DIR": str(folder / "shared"),
        "DEMO_PASSWORD": "topology demo password", "PYTHONUNBUFFERED": "1",
        "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4"})
    topo = Topology(folder, env, [], database=dbname, admin_database_url=admin_database_url)
    try:
        topo.spawn("s3", [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)])
        wait_http(env["S3_ENDPOINT_URL"])
        if _catalogs_stale():
            topo.flask("translations", "compile")
        # Bucket and CORS for the portal's origin (browsers send parts to S3 directly).
        topo.flask("storage", "init", "--origin", "http://127.0.0.1:%d" % balancer_port)
        topo.flask("db", "upgrade")
        topo.flask("seed-demo")
        topo.spawn("jobs", [PY, "-m", "flask", "--app", "wsgi", "jobs", "worker"])
        for n in range(hosts):
            name = "host%s" % "ABCDEFGH"[n]
            host_env = dict(env, PORTAL_INSTANCE_DIR=str(folder / name),
                            SEARCH_INDEX_DIR=str(folder / name / "index"))
            host = Host(name, free_port(), host_env)
            host_env["GUNICORN_BIND"] = "127.0.0.1:%d" % host.port
            topo.flask("index", "rebuild", env=host_env)
            host.processes["web"] = topo.spawn(
                name + "-web", [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                env=host_env)
            host.processes["index"] = topo.spawn(
                name + "-index", [PY, "-m", "flask", "--app", "wsgi", "index", "worker"],
                env=host_env)
            topo.hosts.append(host)
        for host in topo.hosts:
            wait_http(host.url + "/healthz")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if with_nginx and os.path.exists(nginx):
            port = balancer_port
            conf = _nginx_conf(folder, port, [h.port for h in topo.hosts])
            topo.spawn("nginx", [nginx, "-p", str(folder), "-c", str(conf), "-g",
                                 "daemon off;"])
            topo.balancer_url = "http://127.0.0.1:%d" % port
            wait_http(topo.balancer_url + "/healthz")
    except BaseException:
        topo.stop()
        raise
    return topo


def _nginx_conf(folder: Path, port: int, upstreams: list[int]) -> Path:
    (folder / "logs").mkdir(exist_ok=True)
    servers = "\n".join("        server 127.0.0.1:%d max_fails=1 fail_timeout=5s;" % p
                        for p in upstreams)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text("""%(user)sworker_processes 1;
pid %(folder)s/nginx.pid;
error_log %(folder)s/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log %(folder)s/logs/access.log;
    client_body_temp_path %(folder)s/body;
    proxy_temp_path %(folder)s/proxy;
    fastcgi_temp_path %(folder)s/fastcgi;
    uwsgi_temp_path %(folder)s/uwsgi;
    scgi_temp_path %(folder)s/scgi;
    client_max_body_size 70m;
    upstream portal_web {
%(servers)s
    }
    server {
        listen 127.0.0.1:%(port)d;
        location /static/ { alias %(root)s/static/; }
        location / {
            proxy_pass http://portal_web;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
        }
    }
}
""" % {"user": user, "folder": folder, "servers": servers, "port": port, "root": ROOT})
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL URL whose server gets a fresh database for this run")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="portal-topology-"))
    topo = start(folder, args.database, args.redis)
    print("topology up (logs in %s):" % folder)
    for host in topo.hosts:
        print("  %s  %s" % (host.name, host.url))
    print("  nginx  %s" % (topo.balancer_url or "(nginx not installed)"))
    print("  S3     %s" % topo.env["S3_ENDPOINT_URL"])
    print("demo accounts: password %r; Ctrl-C stops everything" % topo.env["DEMO_PASSWORD"])
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        topo.stop()


if __name__ == "__main__":
    main()
