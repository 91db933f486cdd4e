"""Deadlines as a reader sees them: countdowns, and times written for one reader (e-mails are
rendered for the recipient, not for whoever caused them). Due dates are computed in
``portal/dates.py``."""
from __future__ import annotations

from datetime import datetime

from ..i18n import as_utc, gettext as _, moment_formatter, ngettext


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)s day", "%(num)s days", days))
    if hours and days < 7:
        parts.append(ngettext("%(num)s hour", "%(num)s hours", hours))
    if not days and (minutes or not hours):
        parts.append(ngettext("%(num)s minute", "%(num)s minutes", minutes))
    return " ".join(parts)


def countdown(deadline: datetime | None, now: datetime) -> str:
    """"due in 3 days 4 hours" or "overdue by 2 hours", in the reader's language."""
    if deadline is None:
        return ""
    delta = (as_utc(deadline) - now).total_seconds()
    if delta >= 0:
        return _("due in %(time)s", time=_duration(delta))
    return _("overdue by %(time)s", time=_duration(-delta))


def moments_for(moment: datetime, zone: str | None, lang: str) -> dict[str, str]:
    """One instant in UTC, in the reader's zone and in Japan, formatted in ``lang``."""
    moment = as_utc(moment)
    zone = zone or "UTC"
    return {"utc": moment_formatter(zone="UTC", lang=lang)(moment), "zone": zone,
            "local": moment_formatter(zone=zone, lang=lang)(moment),
            "japan": moment_formatter(zone="Asia/Tokyo", lang=lang)(moment)}
