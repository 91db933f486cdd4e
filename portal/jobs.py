"""Background work behind one small interface.

A job is queued inside the unit of work that needs it (``enqueue``) and dispatched only after that
unit's commit (``commit``), so no job ever sees data that was rolled back. The embedded default
runs jobs in the same process right after the commit; with ``REDIS_URL`` set they go to a Redis
queue served by ``flask jobs worker`` (RQ). Every job is safe to re-run.
"""
from __future__ import annotations

import logging
from typing import Callable

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db

log = logging.getLogger(__name__)
_REGISTRY: dict[str, Callable] = {}
# Jobs that only the embedded default runs: in production a dedicated process does that work
# (the per-host index worker follows the outbox itself), so nothing is queued for them.
_EMBEDDED_ONLY: set[str] = set()


def job(name: str, embedded_only: bool = False) -> Callable:
    """Register a function as the job ``name``; its arguments must be JSON values.

    ``embedded_only``: run it after commit in the embedded default only; with ``REDIS_URL`` set
    a dedicated worker does this work, so the job is not queued.
    """
    def register(func: Callable) -> Callable:
        _REGISTRY[name] = func
        if embedded_only:
            _EMBEDDED_ONLY.add(name)
        return func
    return register


def enqueue(name: str, **kwargs) -> None:
    if name not in _REGISTRY:
        raise KeyError("unknown job %r" % name)
    db.session.info.setdefault("pending_jobs", []).append((name, kwargs))


def commit() -> None:
    """Commit the current unit of work, then dispatch the jobs it queued."""
    db.session.commit()
    pending = db.session.info.pop("pending_jobs", [])
    for name, kwargs in pending:
        dispatch(name, **kwargs)


def discard_pending() -> None:
    db.session.info.pop("pending_jobs", None)


def dispatch(name: str, **kwargs) -> None:
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        run(name, **kwargs)
        return
    if name in _EMBEDDED_ONLY:
        return
    try:
        _queue(redis_url).enqueue("portal.jobs.execute", name, kwargs, job_timeout=3600,
                                  retry=_retry())
    except Exception:  # Redis down: do the work here rather than lose it
        log.exception("could not queue job %s; running it in-process", name)
        run(name, **kwargs)


def run(name: str, **kwargs) -> None:
    try:
        _REGISTRY[name](**kwargs)
    except Exception:  # a failed job is logged and can be re-run; it never fails the request
        log.exception("job %s failed", name)
        db.session.rollback()


def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue
    return Queue(current_app.config.get("JOBS_QUEUE", "portal"),
                 connection=Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=10))


def _retry():
    from rq import Retry
    return Retry(max=3, interval=[10, 60, 300])


_worker_app = None


def execute(name: str, kwargs: dict) -> None:
    """Entry point of a queued job in the worker process (RQ calls it by dotted name)."""
    global _worker_app
    if _worker_app is None:
        from . import create_app
        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            _REGISTRY[name](**kwargs)
        finally:
            db.session.remove()


@click.group("jobs")
def jobs_cli():
    """The background job worker (used when REDIS_URL is set)."""


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run jobs from the Redis queue."""
    from rq import Worker
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("REDIS_URL is not set: jobs run in the web process")
    global _worker_app
    _worker_app = current_app._get_current_object()
    queue = _queue(redis_url)
    Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)
