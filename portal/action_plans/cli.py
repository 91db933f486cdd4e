"""``flask send-plan-reminders``: run hourly by cron."""
from __future__ import annotations

import uuid

from flask.cli import with_appcontext

from .. import jobs, mail
from ..mail.cli import deliver_and_report
from .reminders import send_due
from .routes import bp


@bp.cli.command("send-plan-reminders")
@with_appcontext
def send_plan_reminders():
    """E-mail alumni whose progress report falls due within 7 days, or is overdue (hourly), then
    deliver those mails and any other due; exits 1 when none could be delivered."""
    with mail.batch("plan-reminders-%s" % uuid.uuid4().hex) as key:
        count = send_due()
    jobs.commit()
    deliver_and_report(key, count, "progress-report reminders")
