"""Jobs run after the commit that queued them: in-process by default, through Redis (RQ) when
REDIS_URL is set."""
import socket
import uuid

import pytest

from portal import jobs
from portal.extensions import db

CALLS = []


@jobs.job("test.record")
def record(value):
    CALLS.append(value)


def _redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def test_embedded_jobs_run_after_commit_and_never_after_rollback(app):
    CALLS.clear()
    with app.app_context():
        jobs.enqueue("test.record", value="kept")
        assert CALLS == []            # nothing before the commit
        jobs.commit()
        assert CALLS == ["kept"]
        jobs.enqueue("test.record", value="rolled back")
        db.session.rollback()
        jobs.discard_pending()
        jobs.commit()
    assert CALLS == ["kept"]


def test_unknown_job_is_refused(app):
    with app.app_context(), pytest.raises(KeyError):
        jobs.enqueue("no.such.job")


def test_a_failing_job_never_fails_the_caller(app, caplog):
    @jobs.job("test.fails")
    def fails():
        raise RuntimeError("boom")
    with app.app_context():
        jobs.enqueue("test.fails")
        jobs.commit()
    assert "job test.fails failed" in caplog.text


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


def test_when_redis_is_down_the_job_runs_in_process(app):
    CALLS.clear()
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"   # nothing listens there
    with app.app_context():
        jobs.enqueue("test.record", value="not lost")
        jobs.commit()
    assert CALLS == ["not lost"]


def test_embedded_only_jobs_are_not_queued_when_redis_is_set(app):
    CALLS.clear()

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
