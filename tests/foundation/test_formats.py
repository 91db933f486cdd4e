"""Numbers, sizes, days, times and time zones in the reader's locale, through Babel (issue 18):
no seconds, no raw zone ids, no "%.1f", languages named in the reader's language."""
from datetime import UTC, date, datetime

import pytest

from portal import i18n


@pytest.mark.parametrize("lang, expected", [
    ("en", ["994 bytes", "1 byte", "102 kB", "1.5 MB", "3 GB"]),
    ("fr", ["994\u00a0octets", "1\u00a0octet", "102\u202fko", "1,5\u202fMo", "3\u202fGo"]),
    ("es", ["994 bytes", "1 byte", "102 kB", "1,5 MB", "3 GB"]),
])
def test_sizes_in_the_readers_locale(lang, expected):
    sizes = [994, 1, 104857, 1536 * 1024, 3 * 1024 ** 3]
    assert [i18n.format_size(s, lang) for s in sizes] == expected


@pytest.mark.parametrize("lang, average, count, share", [
    ("en", "3.5", "1,633", "42%"), ("fr", "3,5", "1\u202f633", "42\u00a0%"),
    ("es", "3,5", "1.633", "42\u00a0%")])
def test_numbers_and_shares_in_the_readers_locale(lang, average, count, share):
    assert i18n.format_number(3.456, 1, lang) == average
    assert i18n.format_number(1633, lang=lang) == count
    assert i18n.format_number(4, 1, lang) == ("4.0" if lang == "en" else "4,0")
    assert i18n.format_share(0.42, lang) == share


def test_days_typed_in_plans_are_shown_in_the_readers_locale():
    assert i18n.format_day("2026-10-07", "fr") == "7 oct. 2026"
    assert i18n.format_day(date(2026, 10, 7), "es") == "7 oct 2026"
    assert i18n.format_day("next spring", "en") == "next spring"  # kept as typed
    assert i18n.format_day(None, "en") == ""


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_list_of_days_reads_as_flask_babel_writes_them(lang):
    """``date_formatter`` (the panels' many dates) and ``format_day`` keep each written day:
    the same text as Flask-Babel's ``format_date``, in each reader's language, a datetime
    written as its day. (No database: a bare Flask app with Flask-Babel.)"""
    from flask import Flask
    from flask_babel import Babel, force_locale, format_date
    app = Flask(__name__)
    Babel(app)
    days = [date(2026, 1, 30), date(2026, 10, 7), date(2026, 10, 7), date(2027, 2, 28)]
    with app.test_request_context(), force_locale(lang):
        day = i18n.date_formatter()
        assert [day(d) for d in days] == [format_date(d) for d in days]
        assert day(date(2026, 10, 7)) == i18n.format_day(datetime(2026, 10, 7, 23, 59), lang)


@pytest.mark.parametrize("lang, expected", [
    ("en", "Oct 7, 2026, 2:59\u202fPM (Japan Time)"),
    ("fr", "7 oct. 2026, 14:59 (heure : Japon)"),
    ("es", "7 oct 2026, 14:59 (hora de Japón)"),
])
def test_times_without_seconds_and_zones_by_name(lang, expected):
    moment = datetime(2026, 10, 7, 5, 59, tzinfo=UTC)
    assert i18n.moment_formatter(zone="Asia/Tokyo", lang=lang)(moment) == expected


def test_the_zone_picker_lists_current_zones_with_offsets_in_the_readers_language():
    choices = dict(i18n.timezone_choices("fr", datetime(2026, 12, 6, tzinfo=UTC)))
    assert "Africa/Asmera" not in choices and "Africa/Timbuktu" not in choices  # obsolete
    assert "Asia/Calcutta" not in choices and "Asia/Kolkata" in choices
    assert choices["Africa/Dakar"] == "Sénégal (Dakar), UTC+00:00"
    assert choices["America/La_Paz"] == "Bolivie (La Paz), UTC-04:00"
    assert choices["UTC"] == "UTC"
    labels = list(choices.values())
    assert labels.index("Sénégal (Dakar), UTC+00:00") > labels.index(
        "Bolivie (La Paz), UTC-04:00")  # sorted by country, in the reader's language
    spanish = dict(i18n.timezone_choices("es", datetime(2026, 12, 6, tzinfo=UTC)))
    assert spanish["America/Mexico_City"] == "México (Ciudad de México), GMT-06:00"


def test_the_zone_preselected_from_the_country_when_it_has_one():
    assert i18n.suggested_timezone("UTC", "SN") == "Africa/Dakar"
    assert i18n.suggested_timezone("UTC", "MX") == "UTC"  # several zones: the person chooses
    assert i18n.suggested_timezone("America/La_Paz", "SN") == "America/La_Paz"  # their own
    assert i18n.suggested_timezone(None, "XK") == "Europe/Belgrade"   # Kosovo: not in tzdata
    assert i18n.suggested_timezone("Africa/Asmera", "ER") == "Africa/Asmara"  # obsolete name
    assert i18n.suggested_timezone("Asia/Calcutta", "IN") == "Asia/Kolkata"


def test_invitation_preselects_the_country_zone_and_refuses_an_obsolete_one(
        app, client, make_user, mailbox):
    from portal import jobs
    from portal.auth import services
    from portal.auth.models import User
    from portal.extensions import db
    with app.app_context():
        user = services.create_user("awa@example.org", "Awa Diop", "participant",
                                    language="fr", country="SN")
        services.invite(user)
        jobs.commit()
    token = mailbox.last_link("awa@example.org").rsplit("/", 1)[-1]
    client.post("/language", data={"lang": "fr", "csrf_token": client.csrf_token()})
    page = client.get("/invitation/" + token).get_data(as_text=True)
    assert '<option selected value="Africa/Dakar">Sénégal (Dakar), UTC+00:00</option>' in page
    assert "Africa/Asmera" not in page
    answer = client.submit("/invitation/" + token, {
        "name": "Awa Diop", "password": "a long enough password", "confirm":
        "a long enough password", "language": "fr", "timezone": "Africa/Asmera"},
        page="/invitation/" + token)
    assert answer.status_code == 400
    assert "Choisissez un fuseau horaire dans la liste." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(User.password_hash).filter_by(
            email="awa@example.org")).scalar() is None


def test_account_page_offers_todays_name_for_an_obsolete_zone(login_as):
    client, _ = login_as("participant", timezone="Africa/Asmera", country="ER", language="en")
    page = client.get("/account").get_data(as_text=True)
    assert '<option selected value="Africa/Asmara">' in page


def test_languages_named_in_the_readers_language():
    assert i18n.language_name("en", "fr") == "anglais"
    assert i18n.language_name("ja", "es") == "japonés"
    assert i18n.language_name("fr", "en") == "French"


def test_an_activity_is_named_without_cutting_a_word():
    from portal.action_plans.messages import MESSAGES
    text = MESSAGES("percent_invalid", {"activity": "Train the district officers in "
                                        "community-based early warning and evacuation drills"})
    assert "“Train the district officers in community-based early …”" in text
