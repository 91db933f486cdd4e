"""``flask send-reminders``: run hourly by cron."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import jobs
from ..db_types import utcnow
from .reminders import send_reminders
from .routes import bp


@bp.cli.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """E-mail deadline reminders due now (7 days, 1 day before, and once overdue)."""
    sent = send_reminders(utcnow())
    jobs.commit()
    click.echo("sent %d reminders" % sent)
