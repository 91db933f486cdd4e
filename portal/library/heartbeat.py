"""A long job on a material (its processing, its transcription): one rule for both.

The job *claims* its row with one atomic UPDATE (waiting, or ``silent`` for ``STALE_AFTER``:
the job that held it has stopped); as it works, a ``Heartbeat`` writes its progress and the
time, at least every ``HEARTBEAT_S`` and a few times a minute when the percent moves; when the
row is no longer the job's (the material was queued again meanwhile: a new file, a retry), the
write finds nothing and raises ``Superseded``, and the job leaves the work to the newer one.
The sweep (``resume``) queues again every row whose job is ``silent``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, or_
from sqlalchemy.exc import OperationalError

from .. import jobs
from ..db_types import utcnow
from ..extensions import db

log = logging.getLogger(__name__)
HEARTBEAT_S = 10.0
STALE_AFTER = timedelta(minutes=5)
# Between heartbeats, a percent is written when it moved by STEP points, at most every QUIET_S.
QUIET_S, STEP = 2.0, 5


class Superseded(Exception):
    """The material was queued again (a new file, a retry) while this job worked."""


def silent(heartbeat_at, now: datetime | None = None) -> ColumnElement[bool]:
    """SQL: the job holding the row wrote no heartbeat for ``STALE_AFTER`` (or never)."""
    return or_(heartbeat_at.is_(None), heartbeat_at < (now or utcnow()) - STALE_AFTER)


class Heartbeat:
    """Writes a job's progress with the time. ``update(**values)``: the UPDATE of the job's
    row, limited to the row while it is still the job's; ``what`` names the work in the log."""

    def __init__(self, update: Callable[..., Update], what: str):
        self.update, self.what = update, what
        self.last, self.percent = time.monotonic(), None

    def write(self, **values) -> None:
        """Write now; ``Superseded`` when the row is no longer the job's. The database busy
        for a moment: nothing written, the next beat will do."""
        self.last = time.monotonic()
        try:
            done = db.session.execute(self.update(heartbeat_at=utcnow(), **values)
                                      .execution_options(synchronize_session=False)).rowcount
            jobs.commit()
        except OperationalError:
            db.session.rollback()
            log.warning("%s: progress not written", self.what)
            return
        if not done:
            raise Superseded()

    def progress(self, percent: int, **values) -> None:
        """The work is at ``percent``: written when a beat is due or the percent moved."""
        quiet = time.monotonic() - self.last
        if quiet >= HEARTBEAT_S or (quiet >= QUIET_S and percent >= (self.percent or 0) + STEP):
            self.percent = percent
            self.write(progress=percent, **values)
