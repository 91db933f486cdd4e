"""``flask mail deliver``: deliver the mail that is due (cron, every few minutes, in production)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import delivery


@click.group("mail")
def mail_cli():
    """The mail outbox."""


@mail_cli.command("deliver")
@with_appcontext
def deliver_command():
    """Send the mail that is due (new, or waiting to be retried) and say what happened."""
    outcome = delivery.deliver_due()
    click.echo(summary(outcome))
    if outcome.retrying + outcome.failed and not outcome.delivered:
        raise SystemExit(1)


def summary(outcome: delivery.Outcome, queued: int | None = None, what: str = "mails") -> str:
    """``12 reminders queued; 10 delivered, 2 waiting to retry (SMTP: ...)``"""
    parts = ["%d delivered" % outcome.delivered]
    if outcome.retrying:
        parts.append("%d waiting to retry" % outcome.retrying)
    if outcome.failed:
        parts.append("%d failed" % outcome.failed)
    line = ", ".join(parts)
    if queued is not None:
        line = "%d %s queued; %s" % (queued, what, line)
    if outcome.error and (outcome.retrying or outcome.failed):
        line += " (SMTP: %s)" % outcome.error
    return line


def deliver_and_report(batch: str, queued: int, what: str) -> None:
    """For the commands that queue a batch (reminders): deliver it now and say honestly what
    happened (``12 reminders queued; 10 delivered, 2 waiting to retry (SMTP: ...)``), then
    deliver whatever else is due; exit 1 when mail was due and none could be delivered."""
    outcome = delivery.deliver_due(batch=batch)
    click.echo(summary(outcome, queued, what))
    earlier = delivery.deliver_due()
    if earlier.delivered + earlier.retrying + earlier.failed:
        click.echo("earlier mail: " + summary(earlier))
    outcome.add(earlier)
    if outcome.retrying + outcome.failed and not outcome.delivered:
        raise SystemExit(1)
