"""``flask storage sweep``: under the storage commands operators know, though what counts as
abandoned is the uploads' to say (their records), so the command lives here."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from ..storage import get_storage
from .sweep import sweep as run_sweep


@click.command()
@click.option("--stale-days", default=7, show_default=True, type=int,
              help="Expire unfinished uploads idle for this long.")
@click.option("--grace-hours", default=24, show_default=True, type=int,
              help="Leave unreferenced objects younger than this alone.")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@with_appcontext
def sweep(stale_days, grace_hours, dry_run):
    """Remove stale unfinished uploads and objects that no record points to."""
    report = run_sweep(get_storage(), stale_after=timedelta(days=stale_days),
                       grace=timedelta(hours=grace_hours), dry_run=dry_run)
    for line in report.removed:
        click.echo(("would remove " if dry_run else "removed ") + line)
    click.echo("%d uploads expired, %d orphan multipart uploads, %d orphan objects, "
               "%d old upload rows%s" % (report.expired_uploads, report.orphan_multiparts,
                                         report.orphan_objects, report.forgotten_rows,
                                         " (dry run)" if dry_run else ""))
