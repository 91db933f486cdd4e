"""``flask send-staff-digest``: run daily by cron (or hourly: one digest a day per person)."""
from __future__ import annotations

import uuid

from flask.cli import with_appcontext

from .. import jobs, mail
from ..db_types import utcnow
from ..mail.cli import deliver_and_report
from .notices import send_digests
from .routes import bp


@bp.cli.command("send-staff-digest")
@with_appcontext
def send_staff_digest_command():
    """E-mail each staff member who chose the daily digest the new hand-ins, resubmissions and
    extension requests not yet listed, once a day, then deliver them and any other mail due;
    exits 1 when mail was due and none could be delivered."""
    with mail.batch("staff-digest-%s" % uuid.uuid4().hex) as key:
        queued = send_digests(utcnow())
    jobs.commit()
    deliver_and_report(key, queued, "digests")
