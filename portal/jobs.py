"""Background work behind one small interface, and the unit of work that releases it.

A job is queued on the transaction that needs it (``enqueue``) and runs only once that
transaction has committed: ``commit()`` is the one call that ends a unit of work, committing the
session and then dispatching what it queued. The queue is bound to the session's transaction by
SQLAlchemy events (pypi/warehouse ``tasks.py`` does the same with its transaction manager), so a
rollback, a rolled-back savepoint or a session closed without commit drops the jobs queued in it
by itself, whoever rolled back. The embedded default runs jobs in the same process right after
the commit; with ``REDIS_URL`` set they go to a Redis queue served by ``flask jobs worker`` (RQ).
Every job is safe to re-run; a failing job is logged and never fails the request.

A long job is declared ``background``: in the embedded default, when a request queued it, it runs
on the app's background runner (a thread with its own app context and database session) so the
request answers at once; anywhere else (a command, a test's app context, the runner itself) it
runs right after the commit, so a command's exit status means what it says. The runner has two
lanes, each a thread: ``slow`` jobs (processing a video, listening to it, reading a document)
on one, everything else (mail batches, sweeps) on the other, so an hour of transcription never
holds back a mail. ``sweep`` jobs find
work that a stopped process left behind (its state is in the database): each web process queues
them at its first request and every ``JOBS_SWEEP_INTERVAL`` (on the runner, or on Redis), and
``flask jobs worker`` once when it starts.

A unit of work that only read ends with COMMIT rather than ROLLBACK (``end_reading``, when the
app context ends): the same for the data, and psycopg, which forgets its prepared statements at
every rollback, keeps them, so PostgreSQL stops planning each query of each request again. A
transaction that wrote, queued a job, holds unsaved changes or failed is rolled back as before.

This module is the only one that keeps state in ``session.info``.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

import click
from flask import Flask, current_app, has_request_context
from flask.cli import with_appcontext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

log = logging.getLogger(__name__)
_REGISTRY: dict[str, Callable] = {}
# Jobs that only the embedded default runs: in production a dedicated process does that work
# (the per-host index worker follows the outbox itself), so nothing is queued for them.
_EMBEDDED_ONLY: set[str] = set()
_BACKGROUND: set[str] = set()   # long jobs: on the runner when a request queued them
_SLOW: set[str] = set()         # background jobs of minutes or hours: the runner's slow lane
_LANE: ContextVar[str | None] = ContextVar("portal_jobs_lane", default=None)  # runner's lane
_SWEEPS: list[str] = []         # jobs that find work a stopped process left behind
_INLINE: ContextVar[bool] = ContextVar("portal_jobs_inline", default=False)
_HELD: ContextVar[_Held | None] = ContextVar("portal_jobs_held", default=None)  # held(...)
_RUNNER = "portal.jobs.runner"  # app.extensions key
_QUEUED = "portal.jobs.queued"        # queued in the open transaction
_COMMITTED = "portal.jobs.committed"  # committed, waiting for commit() to run them
_WROTE = "portal.jobs.wrote"          # connection.info: its transaction ran more than SELECTs


class _Held:
    """What ``held`` keeps back: the jobs it holds, each distinct run of them released by a
    commit, and the app they were released in (the block may end outside its context)."""

    def __init__(self, names: tuple[str, ...]):
        self.names, self.runs, self.app = names, [], None

    def keep(self, name: str, kwargs: dict) -> None:
        self.app = current_app._get_current_object()
        if (name, kwargs) not in self.runs:
            self.runs.append((name, kwargs))


class _Queued(NamedTuple):
    name: str
    kwargs: dict
    transaction: SessionTransaction  # the innermost transaction when it was queued

    def within(self, transaction: SessionTransaction) -> bool:
        current: SessionTransaction | None = self.transaction
        while current is not None and current is not transaction:
            current = current.parent
        return current is transaction


def job(name: str, embedded_only: bool = False, background: bool = False,
        sweep: bool = False, slow: bool = False) -> Callable:
    """Register a function as the job ``name``; its arguments must be JSON values.

    ``embedded_only``: run it after commit in the embedded default only; with ``REDIS_URL`` set
    a dedicated worker does this work, so the job is not queued.
    ``background``: a long job; queued by a request in the embedded default, it runs on the
    app's background runner instead of delaying the answer.
    ``sweep``: a job without arguments that queues again the work a stopped process left
    unfinished (background implied); see :func:`sweep`.
    ``slow``: a background job that may take minutes or hours (background implied): it runs
    on the runner's slow lane, so the other background jobs never wait behind it.
    """
    def register(func: Callable) -> Callable:
        _REGISTRY[name] = func
        if embedded_only:
            _EMBEDDED_ONLY.add(name)
        if background or sweep or slow:
            _BACKGROUND.add(name)
        if slow:
            _SLOW.add(name)
        if sweep and name not in _SWEEPS:
            _SWEEPS.append(name)
        return func
    return register


def enqueue(name: str, /, **kwargs) -> None:
    """Run job ``name`` once the current transaction of ``db.session`` commits."""
    queue_on(db.session(), name, kwargs)


def queue_on(session: Session, name: str, kwargs: dict | None = None, *,
             once: bool = False) -> None:
    """Queue job ``name`` on ``session``'s current transaction (for session event hooks).

    ``once``: leave it out if the same job with the same arguments is already queued.
    """
    if name not in _REGISTRY:
        raise KeyError("unknown job %r" % name)
    kwargs = kwargs or {}
    transaction = (session.get_nested_transaction() or session.get_transaction()
                   or session.begin())  # begun now, so a rollback before any SQL drops it too
    queued = session.info.setdefault(_QUEUED, [])
    if once and any(q.name == name and q.kwargs == kwargs for q in queued):
        return
    queued.append(_Queued(name, kwargs, transaction))


def commit() -> None:
    """End the unit of work: commit the session, then dispatch the jobs it queued (a job held
    by ``held`` waits for the end of its block)."""
    session = db.session()
    session.commit()
    committed = session.info.get(_COMMITTED, [])
    while committed:
        name, kwargs = committed.pop(0)
        held = _HELD.get()
        if held is not None and name in held.names:
            held.keep(name, kwargs)
            continue
        dispatch(name, **kwargs)


@contextmanager
def held(*names: str) -> Iterator[None]:
    """Within this block, jobs ``names`` that commits release are not run at each commit but
    once (per distinct arguments) when the block ends, however it ends: a batch of commits that
    would each queue the same job (one index sync for a whole library import, not one an item).
    A job queued and then rolled back is dropped as always; one committed always runs."""
    held_here = _Held(names)
    token = _HELD.set(held_here)
    try:
        yield
    finally:
        _HELD.reset(token)
        if held_here.runs:
            with held_here.app.app_context():
                for name, kwargs in held_here.runs:
                    dispatch(name, **kwargs)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # No SQL may run inside this hook, and jobs use the database: commit() runs them next.
    queued = session.info.pop(_QUEUED, [])
    session.info.setdefault(_COMMITTED, []).extend((q.name, q.kwargs) for q in queued)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queued = session.info.get(_QUEUED)
    if queued:
        queued[:] = [q for q in queued if not q.within(previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without a commit (after_commit ran first if any)
        session.info.pop(_QUEUED, None)


@event.listens_for(Engine, "begin")
def _transaction_began(connection) -> None:
    connection.info.pop(_WROTE, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, cursor, statement: str, parameters, context, executemany) -> None:
    # Anything but a SELECT counts as a write (savepoints and CTEs included): when in doubt,
    # the transaction is rolled back as before.
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_WROTE] = True


def end_reading(error: BaseException | None = None) -> None:
    """End the app context's transaction with COMMIT if all it did was read: no statement but
    SELECTs, no change waiting to be flushed, no job queued, no error. Anything else is left to
    the session's removal, which rolls back. (For the data the two are the same; psycopg drops
    its prepared statements at each rollback, so reading transactions that roll back make
    PostgreSQL plan every query of every request again.)"""
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    transaction = session.get_transaction()
    if (transaction is None or not transaction.is_active or session.get_nested_transaction()
            or _pending(session)):
        return
    try:
        if not session.connection().info.get(_WROTE):
            session.expire_on_commit = False  # the session is removed next: nothing to reload
            session.commit()
    except SQLAlchemyError:  # the transaction had failed after all: removal rolls it back
        log.debug("a reading transaction could not commit", exc_info=True)


def _pending(session: Session) -> bool:
    """What a commit would save or release: a change not flushed yet, a job queued."""
    return bool(session.info.get(_QUEUED) or session.new or session.dirty or session.deleted)


def dispatch(name: str, **kwargs) -> None:
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url and name in _EMBEDDED_ONLY:
        return
    lane = _lane_of(name)
    elsewhere = has_request_context() or _LANE.get() not in (None, lane)
    if _INLINE.get() or (not redis_url and not (name in _BACKGROUND and elsewhere)):
        run(name, **kwargs)
        return
    if not redis_url:  # a long job queued by a request (or the other lane): nobody waits
        _runner(current_app._get_current_object(), lane).submit(name, kwargs)
        return
    try:
        _send(redis_url, name, kwargs)
    except Exception:  # Redis down: do the work here rather than lose it
        log.exception("could not queue job %s; running it in-process", name)
        run(name, **kwargs)


def run(name: str, **kwargs) -> None:
    try:
        _REGISTRY[name](**kwargs)
    except Exception:  # a failed job is logged and can be re-run; it never fails the request
        log.exception("job %s failed", name)
        db.session.rollback()


@contextmanager
def inline() -> Iterator[None]:
    """Within this block every job dispatched here runs here, right after its commit, even a
    background one and even with ``REDIS_URL`` set (a command whose result depends on it);
    ``embedded_only`` jobs still stay with their dedicated worker when ``REDIS_URL`` is set."""
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)


def running_inline() -> bool:
    """True within :func:`inline` (a command whose result depends on its jobs): a job that
    only *may* follow (automatic transcription after processing) is left for the sweep."""
    return _INLINE.get()


# ---------------------------------------------------------------- the embedded background runner

def _lane_of(name: str) -> str:
    return "slow" if name in _SLOW else "quick"


class _Runner:
    """One per app, process and lane: a thread started when there is work, which runs the
    lane's background jobs one after the other, each in its own app context and database
    session, and ends when the queue is empty (the next job starts a new one)."""

    def __init__(self, app: Flask, lane: str):
        self.app = app
        self.lane = lane
        self.lock = threading.Condition()
        self.pending: deque[tuple[str, dict]] = deque()
        self.unfinished = 0          # queued or running
        self.thread: threading.Thread | None = None
        self.next_sweep = 0.0        # time.monotonic() of the next sweep; 0: at the first request

    def submit(self, name: str, kwargs: dict, once: bool = False) -> None:
        """``once``: leave it out if the same job is already waiting (a sweep while the runner
        is busy with a long job)."""
        with self.lock:
            if once and (name, kwargs) in self.pending:
                return
            self.pending.append((name, kwargs))
            self.unfinished += 1
            if self.thread is None:
                self.thread = threading.Thread(target=self._work, daemon=True,
                                               name="portal-jobs-runner" if self.lane == "quick"
                                               else "portal-jobs-" + self.lane)
                self.thread.start()

    def _work(self) -> None:
        _LANE.set(self.lane)  # this thread's own context
        while True:
            with self.lock:
                if not self.pending:
                    self.thread = None
                    return
                name, kwargs = self.pending.popleft()
            try:
                with self.app.app_context():
                    try:
                        run(name, **kwargs)
                    finally:
                        db.session.remove()
            except Exception:  # even the app context failed: logged, the runner goes on
                log.exception("background job %s could not run", name)
            finally:
                with self.lock:
                    self.unfinished -= 1
                    self.lock.notify_all()

    def wait_idle(self, timeout: float | None) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: self.unfinished == 0, timeout)

    def sweep_due(self) -> bool:
        """True once per ``JOBS_SWEEP_INTERVAL`` (at the first request, then when due)."""
        interval = self.app.config.get("JOBS_SWEEP_INTERVAL") or 0
        now = time.monotonic()
        if interval <= 0 or now < self.next_sweep:
            return False
        with self.lock:
            if now < self.next_sweep:
                return False
            self.next_sweep = now + interval
        return True


_RUNNERS_LOCK = threading.Lock()


def _runner(app: Flask, lane: str = "quick") -> _Runner:
    key = _RUNNER if lane == "quick" else _RUNNER + ":" + lane
    runner = app.extensions.get(key)
    if runner is None:
        with _RUNNERS_LOCK:
            runner = app.extensions.setdefault(key, _Runner(app, lane))
    return runner


def wait_idle(app: Flask | None = None, timeout: float | None = 60.0) -> bool:
    """Wait until the app's background runner has nothing queued or running on either lane
    (tests, and any caller that must see the result); False if ``timeout`` seconds passed
    first. A job on one lane may queue one on the other: idle is both idle at one look."""
    app = app or current_app._get_current_object()
    deadline = None if timeout is None else time.monotonic() + timeout
    lanes = [_runner(app, "quick"), _runner(app, "slow")]
    while True:
        for runner in lanes:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not runner.wait_idle(left):
                return False
        with lanes[0].lock, lanes[1].lock:
            if lanes[0].unfinished == 0 and lanes[1].unfinished == 0:
                return True


def sweep() -> None:
    """Run every sweep job now, after the current unit of work (they queue what was left)."""
    for name in _SWEEPS:
        enqueue(name)


def init_app(app: Flask) -> None:
    """The first request a process serves sweeps (work a stopped process left is queued again),
    and one request every ``JOBS_SWEEP_INTERVAL`` after that (work whose process stopped while
    this one was serving): on the runner in the embedded default, on the Redis queue with
    ``REDIS_URL`` (and if Redis does not answer, the next sweep will)."""
    runner = _runner(app)
    # Registered after the database (create_app), so it runs before the session is removed.
    app.teardown_appcontext(end_reading)

    @app.before_request
    def _sweep_when_due() -> None:
        if not runner.sweep_due():
            return
        redis_url = app.config.get("REDIS_URL")
        for name in _SWEEPS:
            if not redis_url:
                runner.submit(name, {}, once=True)
                continue
            try:
                _send(redis_url, name, {})
            except Exception:
                log.warning("could not queue the sweep %s; the next one will try again", name)


def _send(redis_url: str, name: str, kwargs: dict) -> None:
    _queue(redis_url).enqueue("portal.jobs.execute", name, kwargs, job_timeout=3600,
                              retry=_retry())


def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue
    return Queue(current_app.config["JOBS_QUEUE"],
                 connection=Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=10))


def _retry():
    from rq import Retry
    return Retry(max=3, interval=[10, 60, 300])


# Set by ``flask jobs worker``: the app its work horses (forked per job) run jobs in. Nothing
# here builds an app, so this low layer never imports the application factory.
_worker_app = None


def execute(name: str, kwargs: dict) -> None:
    """Entry point of a queued job in the worker process (RQ calls it by dotted name)."""
    if _worker_app is None:
        raise RuntimeError("portal jobs run in `flask --app wsgi jobs worker`, not in a bare "
                           "rq worker")
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
@click.option("--no-fork", "no_fork", is_flag=True,
              help="Run each job in this process instead of a work horse forked for it, so what "
                   "a job loads once (the speech recognition model) stays for the next.")
@with_appcontext
def worker(burst: bool, no_fork: bool) -> None:
    """Run jobs from the Redis queue."""
    from rq import SimpleWorker, Worker
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("REDIS_URL is not set: jobs run in the web process")
    global _worker_app
    _worker_app = current_app._get_current_object()
    sweep()     # what a stopped process left unfinished goes back on the queue
    commit()
    queue = _queue(redis_url)
    kind = SimpleWorker if no_fork else Worker
    kind([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)
