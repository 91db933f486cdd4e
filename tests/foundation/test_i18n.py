"""Languages: complete catalogs, the locale order, localized content and times."""
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest

from portal.i18n import countries, localize

CATALOGS = sorted((Path(__file__).resolve().parents[2] / "translations").glob(
    "*/LC_MESSAGES/messages.po"))


def test_french_and_spanish_catalogs_exist():
    assert {p.parts[-3] for p in CATALOGS} >= {"fr", "es"}


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parts[-3])
def test_catalog_is_complete_and_not_fuzzy(po_path):
    """Counted as msgfmt does: a plural entry needs every form translated."""
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po if not e.obsolete and (
        (e.msgid_plural and not all(v.strip() for v in e.msgstr_plural.values()))
        or (not e.msgid_plural and not e.msgstr.strip()))]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags and not e.obsolete]
    assert not untranslated, "untranslated in %s: %s" % (po_path, untranslated)
    assert not fuzzy, "fuzzy in %s: %s" % (po_path, fuzzy)


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parts[-3])
def test_msgfmt_check_passes(po_path):
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (gettext) not installed; the polib check above still ran")
    out = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "untranslated" not in out.stderr and "fuzzy" not in out.stderr, out.stderr


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parts[-3])
def test_placeholders_survive_translation(po_path):
    for e in polib.pofile(str(po_path)):
        wanted = set(re.findall(r"%\(\w+\)[sd]", e.msgid))
        translations = e.msgstr_plural.values() if e.msgid_plural else [e.msgstr]
        for text in translations:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, (e.msgid, text)


def test_catalogs_are_up_to_date_with_the_code(tmp_path):
    """Every msgid in the code and templates is in the catalogs."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    root = Path(__file__).resolve().parents[2]
    with open(root / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(root), method_map, options_map, keywords={"_": None, "_l": None, "gettext": None,
                                                          "lazy_gettext": None,
                                                          "ngettext": (1, 2)}):
        found.add(message[0] if isinstance(message, tuple) else message)
    for po_path in CATALOGS:
        known = {e.msgid for e in polib.pofile(str(po_path)) if not e.obsolete}
        missing = sorted(m for m in found if m and m not in known)
        assert not missing, "not in %s (run `flask translations update`): %s" % (po_path, missing)


@pytest.mark.parametrize("header,expected", [
    ("fr-FR,fr;q=0.9,en;q=0.5", "fr"), ("es-419,es;q=0.8", "es"), ("de-DE,de", "en"),
    ("xx", "en"), ("", "en"), ("pt-BR,es;q=0.5", "es"),
])
def test_accept_language_then_english(client, header, expected):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert '<html lang="%s">' % expected in html


def test_switcher_choice_beats_accept_language(client):
    client.submit("/language", {"lang": "es", "next": "/"}, page="/")
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es">' in html


def test_unknown_language_code_is_ignored(client):
    client.submit("/language", {"lang": "fr", "next": "/"}, page="/")
    response = client.submit("/language", {"lang": "../../etc", "next": "/"}, page="/")
    assert response.status_code == 302
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_user_setting_beats_session_choice(login_as):
    c, _ = login_as("participant", language="es")
    html = c.get("/dashboard", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es">' in html


def test_switcher_updates_a_signed_in_users_setting(login_as):
    c, _ = login_as("participant", language="en")
    c.submit("/language", {"lang": "fr", "next": "/dashboard"}, page="/dashboard")
    assert '<html lang="fr">' in c.get("/dashboard").get_data(as_text=True)


def test_switcher_redirect_stays_on_site(client):
    for target in ("//evil.example", "https://evil.example", "/\\evil.example", "javascript:x"):
        response = client.submit("/language", {"lang": "fr", "next": target}, page="/")
        assert response.headers["Location"] == "/"


def test_localize_falls_back_to_english_then_any_language():
    assert localize({"en": "Fisheries", "fr": "Pêches"}, "fr").text == "Pêches"
    chosen = localize({"en": "Fisheries", "fr": "Pêches"}, "es")
    assert (chosen.text, chosen.lang, chosen.fallback) == ("Fisheries", "en", True)
    chosen = localize({"ja": "漁業"}, "es")
    assert (chosen.text, chosen.lang, chosen.fallback) == ("漁業", "ja", True)
    assert localize({"fr": "  "}, "fr").text == ""


def test_country_names_are_localized():
    assert ("SN", "Sénégal") in countries("fr")
    assert ("JP", "Japón") in countries("es")
    assert all(len(code) == 2 for code, _ in countries("en"))


def test_times_shown_in_the_users_zone_with_japan_time(app, make_user):
    from flask_login import login_user

    from portal.auth.models import User
    from portal.extensions import db
    from portal.i18n import format_moment
    ref = make_user(timezone="America/La_Paz", language="en")
    moment = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    with app.test_request_context():
        login_user(db.session.get(User, ref.id))
        text = format_moment(moment, with_japan=True)
    # 14:00 UTC is 10:00 in La Paz (UTC-4) and 23:00 in Tokyo (UTC+9).
    # Minutes, not seconds; the zones named in the reader's language (CLDR), not by their ids.
    assert "10:00" in text and "10:00:00" not in text and "(Bolivia Time)" in text, text
    assert re.search(r"11:00\W*PM \(Japan Time\)", text), text


def test_templates_translate_in_the_request_language_and_follow_force_locale(app):
    """The templates' gettext keeps the request's translations, yet a forced locale (mails in
    the recipient's language) and the way back are both honoured."""
    from flask import render_template_string
    from flask_babel import force_locale
    page = '{{ _("Home") }}|{{ _("Welcome, %(name)s", name=who) }}|' \
           '{{ ngettext("Report %(num)s month after departure: %(date)s", ' \
           '"Report %(num)s months after departure: %(date)s", 6, date="x") }}'
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = render_template_string(page, who="<b>Aïssa</b>")
        with force_locale("es"):
            spanish = render_template_string(page, who="Ana")
        again = render_template_string(page, who="Ana")
    assert french == ("Accueil|Bienvenue, &lt;b&gt;Aïssa&lt;/b&gt;|"
                      "Rapport 6 mois après le départ : x")
    assert spanish.startswith("Inicio|") and again.startswith("Accueil|")


def test_python_gettext_looks_the_catalog_up_once_a_request_and_follows_force_locale(
        app, monkeypatch):
    """``gettext`` and lazy strings in Python share the templates' kept translations
    (``i18n.RequestDomain``): the catalog is looked up once per request and locale, not once
    a string, and a forced locale and the way back are both honoured."""
    from flask import render_template_string
    from flask_babel import Domain, force_locale

    from portal.i18n import gettext, lazy_gettext, ngettext
    looked_up = []
    real = Domain.get_translations
    monkeypatch.setattr(Domain, "get_translations",
                        lambda self: looked_up.append(1) or real(self))
    home = lazy_gettext("Home")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = [gettext("Dashboard"), str(home), ngettext("%(num)s day", "%(num)s days", 3),
                  render_template_string('{{ _("Dashboard") }}')]
        assert len(looked_up) == 1
        with force_locale("es"):
            spanish = [gettext("Dashboard"), str(home)]
        again = gettext("Dashboard")
        assert len(looked_up) == 3  # Spanish once, French again once
    assert french == ["Tableau de bord", "Accueil", "3 jours", "Tableau de bord"]
    assert spanish == ["Panel", "Inicio"] and again == "Tableau de bord"


def test_moment_formatter_gives_format_moments_text(app, make_user):
    from flask_login import login_user

    from portal.auth.models import User
    from portal.extensions import db
    from portal.i18n import moment_formatter
    ref = make_user(timezone="Africa/Dakar", language="fr")
    moment = datetime(2026, 12, 12, 14, 59)  # naive, as SQLite hands it back: UTC
    with app.test_request_context():
        login_user(db.session.get(User, ref.id))
        text = moment_formatter(with_japan=True)(moment)
        plain = moment_formatter()(moment)
    assert text == "12 déc. 2026, 14:59 (heure : Sénégal) / 12 déc. 2026, 23:59 (heure : Japon)"
    assert plain == "12 déc. 2026, 14:59 (heure : Sénégal)"


def test_a_persons_zone_is_theirs_else_utc():
    """One rule (``i18n.zone_of``) for pages, mail, feeds and the times typed in forms."""
    from datetime import UTC, datetime

    from portal.assignments.forms import to_local, to_utc
    from portal.i18n import zone_of
    assert zone_of("Africa/Dakar").key == "Africa/Dakar"
    assert zone_of("America/La_Paz").key == "America/La_Paz"
    for unknown in (None, "", "Mars/Olympus", "../etc/passwd"):
        assert zone_of(unknown).key == "UTC", unknown
    typed = datetime(2026, 7, 1, 9, 0)
    assert to_utc(typed, "America/La_Paz") == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert to_utc(typed, "Mars/Olympus") == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert to_local(datetime(2026, 7, 1, 13, 0, tzinfo=UTC), "America/La_Paz") == typed


def test_months_and_counts_are_written_by_babel(app, login_as):
    """The library's visits page names each month in the reader's language and writes its
    numbers by the locale ("mai 2026", "1 234" in French), not "2026-05" and "1234"."""
    from datetime import date

    from portal.i18n import format_month
    assert format_month(date(2026, 5, 1), "en") == "May 2026"
    assert format_month(date(2026, 5, 1), "fr") == "mai 2026"
    assert format_month(date(2026, 5, 1), "es") == "mayo de 2026"
    assert format_month(date(2026, 5, 1), "fr", short=True) == "mai"
    from babel.numbers import format_decimal

    from portal.i18n import format_number
    for lang in ("en", "fr", "es"):   # the short way for small counts writes what Babel does
        for n in (0, 7, 42, 999, 1000, 1234, 98765):
            assert format_number(n, lang=lang) == format_decimal(n, "#,##0", locale=lang)
    assert format_number(1234, lang="fr") == "1\u202f234"
    english, _ = login_as("coordinator")          # one reader, then another language
    today = date.today()
    assert format_month(today.replace(day=1), "en") in english.get("/library/stats").get_data(
        as_text=True)
    client, _ = login_as("coordinator", language="fr")
    html = client.get("/library/stats").get_data(as_text=True)
    assert format_month(today.replace(day=1), "fr") in html
    assert "%04d-%02d" % (today.year, today.month) not in html


def test_a_quantity_is_written_by_the_locale_and_a_name_as_it_is(app):
    """``%(num)s`` writes a count as the reader's locale does (Babel), ``%(number)d`` writes a
    number that names something (a year, a version) as it is; the house's gettext, ngettext
    (Python and templates) and the domains' messages hand every int over as a Quantity."""
    from flask import render_template_string
    from markupsafe import Markup

    from portal.domain_errors import Messages
    from portal.i18n import Quantity, gettext, lazy_gettext, ngettext
    assert "%(num)s|%(num)d" % {"num": Quantity(1234)} == "1,234|1234"  # no request: English
    assert Markup("%(num)s|%(num)d") % {"num": Quantity(-5)} == "-5|-5"
    page = ('{{ ngettext("%(num)s account", "%(num)s accounts", n) }}|'
            '{{ _("%(done)s of %(total)s", done=n, total=n) }}|{{ _("FY%(year)d", year=2026) }}')
    words = Messages({"big": lazy_gettext("The file has more than %(max)s nominees. Split the "
                                          "list into smaller files.")}, default="")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert render_template_string(page, n=370000) == \
            "370\u202f000 comptes|370\u202f000 sur 370\u202f000|Exercice 2026"
        assert render_template_string(page, n=1) == "1 compte|1 sur 1|Exercice 2026"
        assert ngettext("%(num)s day", "%(num)s days", 1500) == "1\u202f500 jours"
        assert gettext("Version %(number)d", number=1500) == "Version 1500"
        assert words("big", {"max": 2000}).startswith(
            "Le fichier contient plus de 2\u202f000 personnes")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert ngettext("%(num)s day", "%(num)s days", 1500) == "1.500 días"
        assert str(lazy_gettext("A report can have at most %(count)s files.", count=20000)) \
            == "Un informe puede tener como máximo 20.000 archivos."


def test_plural_sentences_write_their_count_by_the_locale():
    """A plural sentence's ``num`` is always a count: ``%(num)s`` in every catalog, never
    ``%(num)d`` (which would write 370000 in French)."""
    for po_path in CATALOGS:
        raw = [e.msgid_plural for e in polib.pofile(str(po_path))
               if e.msgid_plural and "%(num)d" in e.msgid + e.msgid_plural]
        assert raw == [], po_path
