"""``flask storage check|init|sweep``."""
from __future__ import annotations

from datetime import timedelta

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


@storage.command()
@click.option("--stale-days", default=7, show_default=True, type=int,
              help="Expire unfinished uploads idle for this long.")
@click.option("--grace-hours", default=24, show_default=True, type=int,
              help="Leave unreferenced objects younger than this alone.")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@with_appcontext
def sweep(stale_days, grace_hours, dry_run):
    """Remove stale unfinished uploads and objects that no record points to."""
    from .sweep import sweep as run_sweep

    report = run_sweep(get_storage(), stale_after=timedelta(days=stale_days),
                       grace=timedelta(hours=grace_hours), dry_run=dry_run)
    for line in report.removed:
        click.echo(("would remove " if dry_run else "removed ") + line)
    click.echo("%d uploads expired, %d orphan multipart uploads, %d orphan objects, "
               "%d old upload rows%s" % (report.expired_uploads, report.orphan_multiparts,
                                         report.orphan_objects, report.forgotten_rows,
                                         " (dry run)" if dry_run else ""))
