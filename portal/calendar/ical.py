"""A person's events as an iCalendar feed (RFC 5545, written with the icalendar library) that
Google Calendar, Outlook and Apple Calendar subscribe to:

- stable UIDs (``course-12-arrival@host``), so a moved date updates its event instead of adding
  one; DTSTAMP on each event; METHOD:PUBLISH and a refresh hint;
- a day (course dates, report dates) is an all-day event: DTSTART;VALUE=DATE and DTEND the
  day after;
- a deadline is a moment in the person's time zone (TZID with its VTIMEZONE, made from the
  IANA database; UTC needs none), marked free (TRANSP:TRANSPARENT) so it blocks no time;
- the text is in the person's language (LANGUAGE on SUMMARY), with a URL to the page.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from ..db_types import utcnow
from ..i18n import zone_of
from .events import FeedEvent

REFRESH = timedelta(hours=3)


def _event(item: FeedEvent, zone: ZoneInfo, lang: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.summary, parameters={"LANGUAGE": lang})
    if isinstance(item.start, datetime):
        start = item.start.astimezone(UTC if str(zone) == "UTC" else zone)
        event.add("dtstart", start)
        event.add("dtend", start)
    else:
        event.add("dtstart", item.start)
        event.add("dtend", item.start + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("url", item.url, parameters={"VALUE": "URI"})
    event.add("description", "\n".join(filter(None, [item.description, item.url])))
    return event


def feed(events: list[FeedEvent], zone_name: str | None, lang: str, title: str,
         product: str) -> bytes:
    zone = zone_of(zone_name)
    calendar = Calendar()
    calendar.add("prodid", "-//%s//Calendar feed//EN" % product)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", str(zone))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    stamp = utcnow().replace(microsecond=0)
    for item in events:
        calendar.add_component(_event(item, zone, lang, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
