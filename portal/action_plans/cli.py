"""``flask send-plan-reminders``: run hourly by cron."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import jobs
from .reminders import send_due
from .routes import bp


@bp.cli.command("send-plan-reminders")
@with_appcontext
def send_plan_reminders():
    """E-mail alumni whose progress report falls due within 7 days, or is overdue (hourly)."""
    count = send_due()
    jobs.commit()
    click.echo("queued %d progress-report reminders" % count)
