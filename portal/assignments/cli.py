"""``flask send-reminders``: run hourly by cron."""
from __future__ import annotations

import uuid

from flask.cli import with_appcontext

from .. import jobs, mail
from ..db_types import utcnow
from ..mail.cli import deliver_and_report
from .reminders import send_reminders
from .routes import bp


@bp.cli.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """E-mail deadline reminders due now (7 days, 1 day before, and once overdue), then deliver
    them and any other mail due; exits 1 when mail was due and none could be delivered."""
    with mail.batch("reminders-%s" % uuid.uuid4().hex) as key:
        queued = send_reminders(utcnow())
    jobs.commit()
    deliver_and_report(key, queued, "reminders")
