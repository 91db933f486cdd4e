"""The embedded background runner (issue 15.5): a long job queued by a request runs after the
answer on the app's runner thread, with its own app context and database session; outside a
request (a command, a test's app context) it runs right after the commit; ``jobs.inline()``
forces that; sweeps run when the app starts serving and every ``JOBS_SWEEP_INTERVAL``. Every
test runs on SQLite and on PostgreSQL."""
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from portal import jobs
from portal.access import PUBLIC, allow
from portal.auth.models import User
from portal.extensions import db

SEEN = []
GATE = threading.Event()


@jobs.job("test.background", background=True)
def background(value):
    assert GATE.wait(30)
    # Its own session, after the request's commit: it sees what the request committed.
    users = db.session.scalar(select(func.count(User.id)))
    SEEN.append((value, threading.current_thread().name, users))


@jobs.job("test.background_fails", background=True)
def background_fails():
    raise RuntimeError("boom in the background")


@jobs.job("test.sweep", sweep=True)
def sweep():
    SEEN.append(("swept", threading.current_thread().name, None))


def _routes(app):
    @app.get("/_test/background/<value>")
    @allow(PUBLIC)
    def queue_background(value):
        jobs.enqueue("test.background", value=value)
        jobs.commit()
        return "answered"

    @app.get("/_test/background-then-fail")
    @allow(PUBLIC)
    def queue_then_fail():
        jobs.enqueue("test.background", value="rolled back")
        db.session.execute(select(1))
        raise RuntimeError("the view fails after queueing")

    @app.get("/_test/background-fails")
    @allow(PUBLIC)
    def queue_failing():
        jobs.enqueue("test.background_fails")
        jobs.enqueue("test.background", value="after the failure")
        jobs.commit()
        return "answered"


def setup_function():
    SEEN.clear()
    GATE.clear()


def test_a_request_answers_before_its_background_job_runs(app, make_user):
    _routes(app)
    make_user()
    client = app.test_client()
    response = client.get("/_test/background/first")   # the job waits for GATE: not yet run
    assert response.status_code == 200 and SEEN == []
    assert not jobs.wait_idle(app, timeout=0.2)          # queued or running, not finished
    GATE.set()
    assert jobs.wait_idle(app, timeout=30)
    assert SEEN == [("first", "portal-jobs-runner", 1)]


def test_a_failing_background_job_is_logged_and_the_next_one_runs(app, caplog):
    _routes(app)
    GATE.set()
    assert app.test_client().get("/_test/background-fails").status_code == 200
    assert jobs.wait_idle(app, timeout=30)
    assert "job test.background_fails failed" in caplog.text
    assert [value for value, _, _ in SEEN] == ["after the failure"]


def test_a_request_that_fails_after_queueing_runs_no_background_job(app):
    _routes(app)
    GATE.set()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/_test/background-then-fail").status_code == 500
    assert jobs.wait_idle(app, timeout=30) and SEEN == []


def test_outside_a_request_a_background_job_runs_at_the_commit(app):
    """A command (or a test's app context) waits for the work: its result can say how it went."""
    GATE.set()
    with app.app_context():
        jobs.enqueue("test.background", value="inline")
        jobs.commit()
        assert [(v, name) for v, name, _ in SEEN] == [("inline", threading.current_thread().name)]


def test_inline_runs_here_even_with_redis_but_leaves_embedded_only_jobs_alone(app):
    ran = []

    @jobs.job("test.embedded_only_in_inline", embedded_only=True)
    def local():
        ran.append("embedded only")

    GATE.set()
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"   # never contacted inside inline()
    with app.test_request_context(), jobs.inline():
        jobs.enqueue("test.background", value="inline with redis")
        jobs.enqueue("test.embedded_only_in_inline")
        jobs.commit()
    assert [v for v, _, _ in SEEN] == ["inline with redis"] and ran == []


def test_sweeps_run_when_the_app_starts_serving_then_when_due(app):
    client = app.test_client()
    client.get("/healthz")
    assert jobs.wait_idle(app) and SEEN == []          # JOBS_SWEEP_INTERVAL 0: never
    app.config["JOBS_SWEEP_INTERVAL"] = 60.0
    client.get("/healthz")                              # the first request since it is set
    client.get("/healthz")                              # not due again for a minute
    assert jobs.wait_idle(app)
    assert SEEN == [("swept", "portal-jobs-runner", None)]
    app.extensions["portal.jobs.runner"].next_sweep = 0.0   # a minute later
    client.get("/healthz")
    assert jobs.wait_idle(app) and len(SEEN) == 2


def test_a_sweep_already_waiting_is_not_queued_twice(app, make_user):
    """The runner busy with a long job: the sweeps due meanwhile wait as one."""
    _routes(app)
    make_user()
    app.config["JOBS_SWEEP_INTERVAL"] = 60.0
    runner = app.extensions["portal.jobs.runner"]
    client = app.test_client()
    client.get("/_test/background/long")   # sweeps (first request), then holds the runner
    # The first sweep has run (a busy machine may not have started it yet, and a sweep still
    # waiting rightly takes in the next ones): "long" now holds the runner.
    deadline = time.monotonic() + 30
    while "swept" not in [value for value, _, _ in SEEN] and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(3):
        runner.next_sweep = 0.0             # due again, three times, while "long" waits
        client.get("/healthz")
    GATE.set()
    assert jobs.wait_idle(app)
    assert [value for value, _, _ in SEEN] == ["swept", "long", "swept"]


def test_jobs_sweep_queues_every_sweep_job(app):
    with app.app_context():
        jobs.sweep()
        jobs.commit()
    assert ("swept", threading.current_thread().name, None) in SEEN


def _redis_up() -> bool:
    import socket
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_up(), reason="REDIS TESTS SKIPPED: no Redis on 127.0.0.1:6379")
def test_with_redis_the_sweeps_go_to_the_queue(app):
    from redis import Redis
    from rq import Queue

    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0", JOBS_SWEEP_INTERVAL=60.0,
                      JOBS_QUEUE="test-%s" % uuid.uuid4().hex)
    app.test_client().get("/healthz")
    queue = Queue(app.config["JOBS_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))
    try:
        assert sorted(job.args[0] for job in queue.jobs) == sorted(jobs._SWEEPS)
        assert jobs.wait_idle(app, timeout=1) and SEEN == []    # nothing ran here
    finally:
        queue.delete(delete_jobs=True)


def test_when_redis_is_down_a_sweep_waits_for_the_next_one(app, caplog):
    app.config.update(REDIS_URL="redis://127.0.0.1:9/0", JOBS_SWEEP_INTERVAL=60.0)
    assert app.test_client().get("/healthz").status_code == 200
    assert "could not queue the sweep test.sweep" in caplog.text
    assert jobs.wait_idle(app, timeout=1) and SEEN == []        # not run inside the request


SLOW_GATE = threading.Event()


@jobs.job("test.slow", slow=True)
def slow_job(value):
    assert SLOW_GATE.wait(30)   # an hour of transcription, say
    SEEN.append((value, threading.current_thread().name, None))
    jobs.enqueue("test.background", value="queued by the slow job")
    jobs.commit()


def test_a_slow_job_never_holds_back_the_quick_lane(app):
    """Processing, transcription and document reading run on a lane of their own: a mail batch
    or a sweep queued meanwhile runs at once (the quick lane); a quick job a slow one queues
    goes back to the quick lane; waiting for the runner waits for both."""
    SLOW_GATE.clear()
    GATE.set()

    @app.get("/_test/slow-then-quick")
    @allow(PUBLIC)
    def slow_then_quick():
        jobs.enqueue("test.slow", value="slow")
        jobs.enqueue("test.background", value="quick")
        jobs.commit()
        return "answered"

    assert app.test_client().get("/_test/slow-then-quick").status_code == 200
    assert jobs.wait_idle(app, timeout=0.5) is False        # the slow job is still listening
    assert [(v, name) for v, name, _ in SEEN] == [("quick", "portal-jobs-runner")]
    SLOW_GATE.set()
    assert jobs.wait_idle(app, timeout=30)
    assert [(v, name) for v, name, _ in SEEN] == [
        ("quick", "portal-jobs-runner"), ("slow", "portal-jobs-slow"),
        ("queued by the slow job", "portal-jobs-runner")]
