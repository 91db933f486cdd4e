"""The unit of work: jobs run once after the commit that queued them, never after a rollback
(whoever rolls back), and a failing job never fails the request. In-process by default, through
Redis (RQ) when REDIS_URL is set. Every test runs on SQLite and on PostgreSQL."""
import socket
import uuid

import pytest
from sqlalchemy import event, func, literal_column, select, text, update

from portal import jobs
from portal.access import PUBLIC, allow
from portal.auth.models import AccountToken, User
from portal.extensions import db
from portal.mail import OutboxMail

CALLS = []


@jobs.job("test.record")
def record(value):
    CALLS.append(value)


@jobs.job("test.record_then_queue")
def record_then_queue(value):
    CALLS.append(value)
    jobs.enqueue("test.record", value=value + " (queued by the job)")
    jobs.commit()


@jobs.job("test.fails")
def fails():
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def test_a_job_runs_once_after_the_commit_that_queued_it(app):
    with app.app_context():
        jobs.enqueue("test.record", value="kept")
        db.session.execute(select(1))
        assert CALLS == []            # nothing before the commit
        jobs.commit()
        assert CALLS == ["kept"]
        jobs.commit()                 # a later unit of work does not run it again
    assert CALLS == ["kept"]


def test_a_rolled_back_job_never_runs(app):
    with app.app_context():
        jobs.enqueue("test.record", value="rolled back after SQL")
        db.session.execute(select(1))
        db.session.rollback()
        jobs.enqueue("test.record", value="rolled back before any SQL")
        db.session.rollback()
        jobs.commit()
    assert CALLS == []


def test_a_rolled_back_savepoint_drops_only_its_own_jobs(app):
    with app.app_context():
        jobs.enqueue("test.record", value="outer")
        with pytest.raises(RuntimeError), db.session.begin_nested():
            jobs.enqueue("test.record", value="inside the failed savepoint")
            raise RuntimeError("savepoint fails")
        with db.session.begin_nested():
            jobs.enqueue("test.record", value="inside the released savepoint")
        jobs.commit()
    assert CALLS == ["outer", "inside the released savepoint"]


def test_a_session_closed_without_commit_drops_its_jobs(app):
    with app.app_context():
        jobs.enqueue("test.record", value="never committed")
        db.session.execute(select(1))
    with app.app_context():           # a new unit of work: nothing carried over
        jobs.commit()
    assert CALLS == []


def test_jobs_queued_by_a_job_run_after_its_commit(app):
    with app.app_context():
        jobs.enqueue("test.record_then_queue", value="first")
        jobs.commit()
    assert CALLS == ["first", "first (queued by the job)"]


def test_a_held_job_runs_once_when_its_block_ends(app):
    with app.app_context():
        with jobs.held("test.record"):
            for n in range(3):
                jobs.enqueue("test.record", value="held")
                jobs.enqueue("test.record_then_queue", value="not held %d" % n)
                jobs.commit()
            jobs.enqueue("test.record", value="held, other arguments")
            jobs.commit()
            assert CALLS == ["not held 0", "not held 1", "not held 2"]
        assert CALLS == ["not held 0", "not held 1", "not held 2", "held",
                         "not held 0 (queued by the job)", "not held 1 (queued by the job)",
                         "not held 2 (queued by the job)", "held, other arguments"]


def test_a_held_job_rolled_back_never_runs_and_one_committed_runs_even_on_error(app):
    with app.app_context():
        with pytest.raises(RuntimeError), jobs.held("test.record"):
            jobs.enqueue("test.record", value="rolled back")
            db.session.rollback()
            jobs.enqueue("test.record", value="committed before the error")
            jobs.commit()
            raise RuntimeError("the batch fails half-way")
        jobs.commit()
    assert CALLS == ["committed before the error"]


def test_queue_once_leaves_out_the_same_job(app):
    with app.app_context():
        jobs.queue_on(db.session(), "test.record", {"value": "once"}, once=True)
        jobs.queue_on(db.session(), "test.record", {"value": "once"}, once=True)
        jobs.queue_on(db.session(), "test.record", {"value": "other"}, once=True)
        jobs.commit()
    assert CALLS == ["once", "other"]


def test_unknown_job_is_refused(app):
    with app.app_context(), pytest.raises(KeyError):
        jobs.enqueue("no.such.job")


def test_a_failing_job_never_fails_the_caller_nor_the_next_jobs(app, caplog):
    with app.app_context():
        jobs.enqueue("test.fails")
        jobs.enqueue("test.record", value="after the failure")
        jobs.commit()
    assert "job test.fails failed" in caplog.text
    assert CALLS == ["after the failure"]


def test_a_failing_job_does_not_fail_the_request(app, client, make_user, caplog):
    user = make_user()
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"   # nothing listens: the mail is not sent
    response = client.submit("/password/forgot", {"email": user.email})
    assert response.status_code == 200
    assert "not delivered (attempt 1)" in caplog.text
    with app.app_context():            # what the request committed stays committed
        assert db.session.scalar(select(func.count(AccountToken.id))) == 1
        mail = db.session.scalar(select(OutboxMail))   # and the mail waits for its retry
        assert (mail.state, mail.attempts) == ("waiting", 1)


def test_the_mail_of_a_request_is_sent_once_after_its_commit(app, client, make_user, mailbox):
    user = make_user()
    assert client.submit("/password/forgot", {"email": user.email}).status_code == 200
    assert len(mailbox.to(user.email)) == 1


def test_a_request_that_fails_after_queueing_runs_no_job(app):
    @app.get("/_test/queue-then-fail")
    @allow(PUBLIC)
    def queue_then_fail():
        jobs.enqueue("test.record", value="from a failed request")
        db.session.execute(select(1))
        raise RuntimeError("the view fails after queueing")

    @app.get("/_test/queue-then-commit")
    @allow(PUBLIC)
    def queue_then_commit():
        jobs.enqueue("test.record", value="from a committed request")
        jobs.commit()
        return "ok"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    assert client.get("/_test/queue-then-fail").status_code == 500
    assert client.get("/_test/queue-then-commit").status_code == 200
    assert CALLS == ["from a committed request"]


@pytest.mark.skipif(not _redis_up(), reason="REDIS TESTS SKIPPED: no Redis on 127.0.0.1:6379")
def test_with_redis_jobs_go_to_the_worker(app, mailbox, runner):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    app.config["JOBS_QUEUE"] = "test-%s" % uuid.uuid4().hex
    from portal.mail import send_mail
    with app.test_request_context():
        send_mail("worker@example.org", "password_reset", "es",
                  user=type("U", (), {"name": "Ana"})(), link="http://portal.test/x")
        jobs.commit()
    assert mailbox.to("worker@example.org") == []      # queued, not sent by the web process
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    [message] = mailbox.to("worker@example.org")
    assert message["Subject"] == "Restablezca la contraseña de su portal"


@pytest.mark.skipif(not _redis_up(), reason="REDIS TESTS SKIPPED: no Redis on 127.0.0.1:6379")
def test_a_worker_that_does_not_fork_keeps_what_jobs_loaded(app, runner):
    """``--no-fork``: the jobs run in the worker's own process, one after the other, so what the
    first loaded (the transcription model, here CALLS) is there for the next; the default
    worker forks a work horse per job, which takes what it loaded with it."""
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    app.config["JOBS_QUEUE"] = "test-%s" % uuid.uuid4().hex
    with app.app_context():
        jobs.enqueue("test.record", value="first")
        jobs.enqueue("test.record", value="second")
        jobs.commit()
    assert CALLS == []                                  # queued, not run by the web process
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert CALLS == []                                  # each ran in a forked work horse
    with app.app_context():
        jobs.enqueue("test.record", value="third")
        jobs.enqueue("test.record", value="fourth")
        jobs.commit()
    result = runner.invoke(args=["jobs", "worker", "--burst", "--no-fork"])
    assert result.exit_code == 0, result.output
    assert CALLS == ["third", "fourth"]                 # here, in this very process


def test_when_redis_is_down_the_job_runs_in_process(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"   # nothing listens there
    with app.app_context():
        jobs.enqueue("test.record", value="not lost")
        jobs.commit()
    assert CALLS == ["not lost"]


def test_embedded_only_jobs_are_not_queued_when_redis_is_set(app):
    @jobs.job("test.embedded_only", embedded_only=True)
    def local(value):
        CALLS.append(value)
    with app.app_context():
        jobs.enqueue("test.embedded_only", value="embedded")
        jobs.commit()
        app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"   # never contacted for this job
        jobs.enqueue("test.embedded_only", value="left to the dedicated worker")
        jobs.commit()
    assert CALLS == ["embedded"]


# ----------------------------------------------------- how a request's transaction ends

def _transaction_ends(app) -> list[str]:
    """"commit" or "rollback" for each transaction of the app's engine that ends, in order."""
    ends: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda connection: ends.append("commit"))
    event.listen(engine, "rollback", lambda connection: ends.append("rollback"))
    return ends


@pytest.fixture
def unit_routes(app, make_user):
    """Views that read, write without committing, change objects without flushing, queue a
    job, or fail; the name of the account they change."""
    user = make_user(name="Before")

    def account():
        return db.session.get(User, user.id)

    @app.get("/_test/read")
    @allow(PUBLIC)
    def read():
        return account().name

    @app.get("/_test/flushed")
    @allow(PUBLIC)
    def flushed():
        account().name = "Flushed, never committed"
        db.session.flush()
        return "ok"

    @app.get("/_test/core-update")
    @allow(PUBLIC)
    def core_update():
        db.session.execute(update(User).where(User.id == user.id).values(name="Core update"))
        return "ok"

    @app.get("/_test/unflushed")
    @allow(PUBLIC)
    def unflushed():
        account().name = "Changed, never flushed"
        return "ok"

    @app.get("/_test/queued")
    @allow(PUBLIC)
    def queued():
        account()
        jobs.enqueue("test.record", value="queued by a request that only read")
        return "ok"

    @app.get("/_test/read-then-fail")
    @allow(PUBLIC)
    def read_then_fail():
        account()
        raise RuntimeError("the view fails after reading")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return user


def test_a_request_that_only_read_ends_with_a_commit(app, unit_routes):
    ends = _transaction_ends(app)
    answer = app.test_client().get("/_test/read")
    assert answer.get_data(as_text=True) == "Before"
    assert ends == ["commit"]


@pytest.mark.parametrize("path", ["/_test/flushed", "/_test/core-update", "/_test/unflushed"])
def test_a_request_that_wrote_without_committing_is_rolled_back(app, unit_routes, path):
    ends = _transaction_ends(app)
    assert app.test_client().get(path).status_code == 200
    assert ends == ["rollback"]
    with app.app_context():
        assert db.session.get(User, unit_routes.id).name == "Before"


def test_a_request_that_queued_a_job_without_committing_is_rolled_back(app, unit_routes):
    ends = _transaction_ends(app)
    assert app.test_client().get("/_test/queued").status_code == 200
    assert ends == ["rollback"]
    assert CALLS == []


def test_a_request_that_failed_after_reading_is_rolled_back(app, unit_routes):
    ends = _transaction_ends(app)
    assert app.test_client().get("/_test/read-then-fail").status_code == 500
    assert ends == ["rollback"]


def test_postgresql_keeps_the_statements_prepared_from_one_request_to_the_next(app):
    """psycopg prepares a statement run five times on a connection, and forgets every prepared
    statement at a rollback: ended by a commit, reading requests keep them."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: psycopg's prepared statements")
    marker = "portal_prepared_%s" % uuid.uuid4().hex[:8]
    statement = select(literal_column("1").label(marker))

    @app.get("/_test/prepared")
    @allow(PUBLIC)
    def prepared():
        db.session.execute(statement)
        return str(db.session.execute(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :marker"),
            {"marker": "%" + marker + "%"}).scalar())

    client = app.test_client()
    counts = [client.get("/_test/prepared").get_data(as_text=True) for _ in range(20)]
    assert counts[-1] == "1", counts
