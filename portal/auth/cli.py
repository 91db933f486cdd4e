"""Commands of the auth domain: ``two-step-reset`` (the last admin lost phone and codes)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import jobs
from . import services, two_step


@click.command("two-step-reset")
@click.argument("email")
@with_appcontext
def two_step_reset(email):
    """Forget EMAIL's two-step sign-in (phone and recovery codes lost). Audited, with no actor:
    an admin can do the same on the person's page; this is for when no admin can sign in."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException("no account with this e-mail address")
    if not user.two_step_on:
        click.echo("two-step sign-in is already off for %s" % user.email)
        return
    two_step.turn_off(user, reset=True)
    jobs.commit()
    click.echo("two-step sign-in reset for %s; signed out everywhere" % user.email)
