"""``flask storage check|init``. ``flask storage sweep`` is in the same group for operators, but
what is abandoned is for the uploads' records to say: the uploads add it (``uploads/cli.py``)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import get_storage


def register(app: Flask) -> None:
    app.cli.add_command(storage)


@click.group()
def storage():
    """Object storage: check it, prepare it, sweep it."""


@storage.command()
@with_appcontext
def check():
    """Reachable, bucket or folder present, a probe object written, read and deleted, CORS."""
    backend = get_storage()
    report = backend.check()
    click.echo("%r" % backend)
    for item in report["checks"]:
        click.echo("  %s %-18s %s" % ("ok  " if item["ok"] else "FAIL", item["name"],
                                      item["detail"]))
    if not report["ok"]:
        raise click.ClickException("storage check failed")
    click.echo("storage ok")


@storage.command()
@click.option("--origin", default=None, help="The portal's origin for CORS (default: "
                                             "PUBLIC_URL), e.g. https://portal.example.org")
@with_appcontext
def init(origin):
    """Create the folder or bucket, and let the portal's pages send parts to it (CORS)."""
    origin = origin or current_app.config.get("PUBLIC_URL") or None
    backend = get_storage()
    if backend.name != "file" and not origin:
        raise click.ClickException("give --origin or set PUBLIC_URL: browsers send parts "
                                   "straight to the store, from the portal's origin")
    for action in backend.init(origin) or ["nothing to do"]:
        click.echo(action)
