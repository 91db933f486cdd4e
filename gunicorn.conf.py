"""gunicorn settings for the portal (``gunicorn -c gunicorn.conf.py wsgi:app``).

Threads, not more processes: requests mostly wait on the database, storage or the client, and
large uploads go browser -> S3 directly (presigned parts) or in bounded parts to the local part
endpoint, so no request holds a worker for long. nginx in front buffers slow clients.
Every value can be overridden from the environment (GUNICORN_*)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 8)
# A part of an upload is at most 64 MiB: at 1 Mbit/s that is ~9 minutes when not buffered.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5
max_requests = 5000          # recycle workers now and then: memory stays flat
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None             # the portal writes its own structured request log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
preload_app = False          # each worker opens its own database pool and search reader


def post_worker_init(worker):
    """The worker has loaded the app: ready it (portal.app.prepare_worker)."""
    from portal.app import prepare_worker
    prepare_worker(worker.wsgi)
