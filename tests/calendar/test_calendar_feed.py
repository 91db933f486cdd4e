"""Calendar feeds (issue 17): each person's course dates, deadlines (their own extensions) and
report dates at a private address, parsed back with the icalendar library: all-day events as
dates, deadlines in the person's zone with its VTIMEZONE, stable UIDs, text in their language;
the address is kept hashed, replaced or turned off (404), and shows nothing of anyone else."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from portal.extensions import db

PUBLIC_URL = "http://portal.test"


@pytest.fixture
def world(app, login_as, make_user):
    """A course with two assignments; Rosa (Spanish, La Paz) has an extension on the second,
    Awa (another participant) another one; a coordinator is named on the course."""
    from portal.assignments.models import GRANTED, Assignment, Extension
    from portal.auth.models import User
    from portal.courses.models import Course, Enrollment
    rosa_client, rosa = login_as("participant", language="es", timezone="America/La_Paz")
    awa_client, awa = login_as("participant", language="fr", timezone="Asia/Manila")
    coord_client, coord = login_as("coordinator", timezone="UTC")
    today = date.today()
    first_due = datetime(today.year + 1, 2, 10, 14, 59, tzinfo=UTC)  # 23:59 in Japan
    with app.app_context():
        course = Course(code="ROADS-2027", subject="agriculture", training_center="Tokyo",
                        fiscal_year=today.year, languages=["es"],
                        title={"en": "Road safety", "es": "Seguridad vial"},
                        pre_arrival_opens=today - timedelta(10), arrival=today + timedelta(20),
                        departure=today + timedelta(50), report_months=[3, 6])
        course.coordinators = [db.session.get(User, coord.id)]
        db.session.add(course)
        db.session.flush()
        other = Course(code="WATER-2027", subject="agriculture", training_center="Tokyo",
                       fiscal_year=today.year, languages=["fr"], title={"en": "Water"},
                       pre_arrival_opens=today - timedelta(3), arrival=today + timedelta(40),
                       departure=today + timedelta(70), report_months=[4])
        db.session.add(other)
        db.session.flush()
        assignments = [Assignment(course_id=course.id, phase="pre-arrival",
                                  title={"en": "Country report", "es": "Informe de país"},
                                  opens_at=first_due - timedelta(30), due_at=first_due + shift)
                       for shift in (timedelta(0), timedelta(days=7))]
        water = Assignment(course_id=other.id, phase="pre-arrival", title={"en": "Water plan"},
                           opens_at=first_due - timedelta(30), due_at=first_due)
        db.session.add_all(assignments + [water])
        db.session.flush()
        db.session.add_all([
            Enrollment(course_id=course.id, user_id=rosa.id, status="accepted"),
            Enrollment(course_id=course.id, user_id=awa.id, status="accepted"),
            Enrollment(course_id=other.id, user_id=awa.id, status="nominated"),
            Extension(assignment_id=assignments[1].id, user_id=rosa.id, state=GRANTED,
                      due_at=first_due + timedelta(days=12), decided_at=first_due),
            Extension(assignment_id=assignments[0].id, user_id=awa.id, state=GRANTED,
                      due_at=first_due + timedelta(days=2), decided_at=first_due)])
        db.session.commit()
        return {"rosa": (rosa_client, rosa), "awa": (awa_client, awa),
                "coord": (coord_client, coord), "course": course.id, "other": other.id,
                "assignments": [a.id for a in assignments], "water": water.id,
                "due": first_due, "today": today}


def _make_link(client, action="make") -> str:
    token = client.csrf_token("/account")
    response = client.post("/account/calendar", data={"csrf_token": token, "action": action})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    address = re.search(r'id="calendar-address" type="text" value="([^"]+)"', html).group(1)
    assert address.startswith(PUBLIC_URL + "/calendar/") and address.endswith(".ics")
    assert 'href="webcal://portal.test/calendar/' in html
    return address[len(PUBLIC_URL):]


def _feed(app, path) -> tuple[str, Calendar]:
    response = app.test_client().get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    return text, Calendar.from_ical(text)


def _events(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_a_participants_feed_in_their_zone_and_language(app, world):
    from portal import dates
    from portal.courses.models import Course
    client, rosa = world["rosa"]
    path = _make_link(client)
    text, calendar = _feed(app, path)
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
    assert "PRODID" in calendar and calendar["X-WR-TIMEZONE"] == "America/La_Paz"
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    assert zones == ["America/La_Paz"]
    events = _events(calendar)
    course, first, second = world["course"], *world["assignments"]
    host = "@portal.test"
    with app.app_context():
        c = db.session.get(Course, course)
        reports = dict(dates.report_due_dates(c))
        expected_days = {"course-%d-pre-arrival" % course: c.pre_arrival_opens,
                         "course-%d-arrival" % course: c.arrival,
                         "course-%d-departure" % course: c.departure,
                         "course-%d-report-3" % course: reports[3],
                         "course-%d-report-6" % course: reports[6]}
    for uid, day in expected_days.items():
        event = events[uid + host]
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is date and start == day, uid        # all-day: VALUE=DATE
        assert end == day + timedelta(days=1), uid
    assert "DTSTART;VALUE=DATE:%s" % expected_days["course-%d-arrival" % course].strftime(
        "%Y%m%d") in text
    assert str(events["course-%d-arrival%s" % (course, host)]["SUMMARY"]) == \
        "Llegada a Japón: Seguridad vial"
    # Deadlines: a moment in her zone (TZID + VTIMEZONE), hers with the extension.
    due = world["due"]
    mine = events["assignment-%d-due%s" % (first, host)]
    assert mine["DTSTART"].dt == due and mine["DTSTART"].dt.tzinfo is not None
    assert mine["DTSTART"].params["TZID"] == "America/La_Paz"
    assert mine["DTSTART"].dt.astimezone(ZoneInfo("America/La_Paz")).hour == 10
    extended = events["assignment-%d-due%s" % (second, host)]
    assert extended["DTSTART"].dt == due + timedelta(days=12)
    assert "Su plazo prorrogado." in str(extended["DESCRIPTION"])
    assert str(mine["SUMMARY"]) == "Entrega: Informe de país (ROADS-2027)"
    assert mine["SUMMARY"].params["LANGUAGE"] == "es"
    assert str(mine["URL"]) == "%s/assignments/%d" % (PUBLIC_URL, first)
    assert str(mine["TRANSP"]) == "TRANSPARENT"
    for event in events.values():
        assert event["DTSTAMP"].dt.tzinfo is not None
    assert len(events) == 7  # nothing of the other course, nor of anyone else
    # Fetched again: the same UIDs, so calendar apps update rather than duplicate.
    assert set(_events(_feed(app, path)[1])) == set(events)


def test_another_persons_address_shows_nothing_of_yours(app, world):
    rosa_path = _make_link(world["rosa"][0])
    awa_path = _make_link(world["awa"][0])
    assert rosa_path != awa_path
    text, calendar = _feed(app, awa_path)
    events = _events(calendar)
    first, second = world["assignments"]
    due = world["due"]
    # Awa's own extension on the first, the course's date on the second (not Rosa's).
    assert events["assignment-%d-due@portal.test" % first]["DTSTART"].dt == due + timedelta(2)
    assert events["assignment-%d-due@portal.test" % second]["DTSTART"].dt == due + timedelta(7)
    assert "assignment-%d-due@portal.test" % world["water"] in events  # her nomination
    assert "course-%d-report-4@portal.test" % world["other"] not in events  # not accepted yet
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Manila"]
    assert "La_Paz" not in text and "prorrogado" not in text
    assert "Arrivée au Japon" in text


def test_staff_see_their_courses_deadlines_in_utc(app, world):
    path = _make_link(world["coord"][0])
    text, calendar = _feed(app, path)
    events = _events(calendar)
    first, second = world["assignments"]
    deadline = events["assignment-%d-due@portal.test" % second]
    assert deadline["DTSTART"].dt == world["due"] + timedelta(days=7)  # no extension
    assert "DTSTART:%s" % (world["due"] + timedelta(days=7)).strftime("%Y%m%dT%H%M%SZ") in text
    assert not calendar.walk("VTIMEZONE")  # UTC needs none
    assert str(deadline["URL"]) == "%s/assignments/course/%d" % (PUBLIC_URL, world["course"])
    assert "course-%d-report-6@portal.test" % world["course"] in events
    assert "assignment-%d-due@portal.test" % world["water"] not in events


def test_the_address_is_kept_hashed_replaced_and_turned_off(app, world, make_user):
    from portal.calendar.models import CalendarFeed
    client, rosa = world["rosa"]
    account = client.get("/account").get_data(as_text=True)
    assert "Make a calendar link" in account or "Crear" in account
    first = _make_link(client)
    token = first.rsplit("/", 1)[1][:-len(".ics")]
    with app.app_context():
        stored = db.session.get(CalendarFeed, rosa.id)
        assert stored.token_hash != token and len(stored.token_hash) == 64
    assert token not in client.get("/account").get_data(as_text=True)  # shown once only
    _feed(app, first)
    second = _make_link(client, "replace")
    assert app.test_client().get(first).status_code == 404
    _feed(app, second)
    page = client.get("/account").get_data(as_text=True)
    assert 'value="off"' in page
    token = client.csrf_token("/account")
    response = client.post("/account/calendar", data={"csrf_token": token, "action": "off"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#calendar")
    assert app.test_client().get(second).status_code == 404
    assert app.test_client().get("/calendar/%s.ics" % ("x" * 43)).status_code == 404
    # Without the CSRF token nothing happens; an unknown action is refused.
    assert client.post("/account/calendar", data={"action": "make"}).status_code == 400
    assert client.post("/account/calendar", data={"csrf_token": token,
                                                  "action": "other"}).status_code == 400
    assert app.test_client().post("/account/calendar", data={"action": "make"}) \
        .status_code in (302, 400)


def test_a_deactivated_account_feed_is_404_and_reading_is_noted(app, world):
    from portal.auth.models import User
    from portal.calendar.models import CalendarFeed
    client, rosa = world["rosa"]
    path = _make_link(client)
    _feed(app, path)
    with app.app_context():
        assert db.session.get(CalendarFeed, rosa.id).last_read_at is not None
    page = client.get("/account").get_data(as_text=True)
    assert "Última lectura" in page or "Last read" in page
    with app.app_context():
        db.session.get(User, rosa.id).active = False
        db.session.commit()
    assert app.test_client().get(path).status_code == 404
