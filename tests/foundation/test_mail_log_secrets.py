"""Issue 16: reset and invitation links never reach the log in production."""
import logging

from sqlalchemy import select

from portal import jobs
from portal.extensions import db


def _reset_logged(app, client, make_user, caplog, env):
    app.config.update(PORTAL_ENV=env, MAIL_URL="log://")
    user = make_user()
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        client.submit("/password/forgot", {"email": user.email})
        jobs.wait_idle(app)
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "portal.mail")


def test_a_reset_link_written_to_the_log_in_production_hides_its_secret(app, client, make_user,
                                                                       caplog):
    logged = _reset_logged(app, client, make_user, caplog, "production")
    assert "/password/reset/" in logged and "(hidden)" in logged
    with app.app_context():
        from portal.auth.models import AccountToken
        assert db.session.scalar(select(AccountToken.id)) is not None
    link = logged.split("/password/reset/")[1].split()[0]
    assert len(link.split("...")[0]) <= 4   # four characters to tell two links apart, no more


def test_development_still_logs_the_whole_link(app, client, make_user, caplog):
    logged = _reset_logged(app, client, make_user, caplog, "development")
    token = logged.split("/password/reset/")[1].split()[0]
    assert len(token) > 30 and "(hidden)" not in logged
