"""Interface languages, the locale and time-zone choice, and per-language content fields.

Locale order (one function, one documented order): the signed-in user's setting, then the choice
made with the language switcher (kept in the session), then Accept-Language, then English.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache, partial
from zoneinfo import ZoneInfo, available_timezones

import pytz
from babel import Locale
from babel.dates import (
    format_skeleton,
    format_timedelta,
    get_date_format,
    get_time_format,
    get_timezone_gmt,
    get_timezone_location,
    parse_pattern,
)
from babel.numbers import format_decimal as babel_decimal, format_percent
from babel.support import NullTranslations
from babel.units import format_unit
from flask import g, request, session
from flask_babel import Babel, Domain, get_domain, get_locale, get_timezone
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

LANGUAGES = ("en", "fr", "es")
# Content may also be in Japanese (library materials), though the interface is not.
CONTENT_LANGUAGES = LANGUAGES + ("ja",)
DEFAULT_LANGUAGE = "en"
JAPAN = ZoneInfo("Asia/Tokyo")
# Each language named in itself: only for choosing the interface language (the switcher, the
# account's language), where a reader must find their own. Everywhere else a language is named
# in the reader's language: ``language_name``.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ja": "日本語"}


def interface_language(code: str | None) -> str:
    """``code`` when the interface speaks it, else the default: the language the portal writes
    to a person in (pages, mail), whatever their account holds."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def select_locale() -> str:
    user_lang = getattr(current_user, "language", None) if _has_user() else None
    if user_lang in LANGUAGES:
        return user_lang
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_timezone() -> str:
    return zone_of(getattr(current_user, "timezone", None) if _has_user() else None).key


def zone_of(name: str | None) -> ZoneInfo:
    """The time zone named, else UTC (an account with none set, or one IANA has withdrawn):
    the zone a person's times are read and written in, on a page, in a mail, in a feed."""
    return ZoneInfo(name) if name and is_valid_timezone(name) else ZoneInfo("UTC")


def _has_user() -> bool:
    try:
        return bool(current_user) and current_user.is_authenticated
    except Exception:  # outside a request (CLI), there is no user
        return False


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    """Every zone the time-zone database knows (stored preferences stay valid)."""
    return frozenset(z for z in available_timezones()
                     if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
                     ) | {"UTC"}


@lru_cache(maxsize=1)
def current_timezones() -> tuple[str, ...]:
    """The zones a person may choose: IANA's current ones (``zone.tab`` through pytz), without
    the obsolete links (Africa/Asmera, Africa/Timbuktu...), and UTC."""
    return tuple(z for z in pytz.common_timezones if z in timezone_names())


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    return {zone: code for code, zones in pytz.country_timezones.items() for zone in zones}


def zone_name(zone: str, lang: str | None = None) -> str:
    """A zone as people say it, in the reader's language: "heure : Sénégal", "hora de
    México (Ciudad de México)" (CLDR through Babel); UTC stays UTC."""
    if zone == "UTC" or not is_valid_timezone(zone):
        return "UTC"
    return _zone_location(zone, lang or _locale())


@lru_cache(maxsize=1024)
def _zone_location(zone: str, lang: str) -> str:
    """CLDR's name of a zone in a language, looked up once per process: every time written on
    a page names its zone, and Babel takes longer to find the name than to write the time."""
    return get_timezone_location(ZoneInfo(zone), locale=lang)


def timezone_choices(lang: str | None = None, now: datetime | None = None
                     ) -> list[tuple[str, str]]:
    """The picker: current zones only, each "Country (City), UTC+01:00" in the reader's
    language with today's offset, sorted by country (the country first, so typing its first
    letters in the list finds it)."""
    lang, now = lang or _locale(), now or datetime.now(UTC)
    return list(_timezone_choices(lang, now.date()))


@lru_cache(maxsize=16)
def _timezone_choices(lang: str, day: date) -> tuple[tuple[str, str], ...]:
    locale, countries_ = babel_locale(lang), _zone_countries()
    noon = datetime.combine(day, datetime.min.time(), UTC).replace(hour=12)
    rows = []
    for zone in current_timezones():
        if zone == "UTC":
            rows.append(("", "UTC", "UTC", zone))
            continue
        tz = ZoneInfo(zone)
        offset = get_timezone_gmt(noon.astimezone(tz), locale=locale)
        country = locale.territories.get(countries_.get(zone, ""), "")
        city = get_timezone_location(tz, locale=locale, return_city=True)
        place = "%s (%s)" % (country, city) if country else city
        rows.append((country.casefold() or city.casefold(), city.casefold(),
                     "%s, %s" % (place, offset), zone))
    rows.sort()
    return tuple((zone, label) for _, _, label, zone in rows)


# Countries of ``countries`` that the time-zone database does not list.
_ZONES_NOT_IN_TZDATA = {"XK": ["Europe/Belgrade"]}


def suggested_timezone(current: str | None, country: str | None) -> str:
    """The zone to preselect in the picker: the person's own if it is a current zone; else,
    among their country's zones, the only one or the one at the same offset as the obsolete
    zone they had (Africa/Asmera -> Africa/Asmara); else UTC."""
    if current in current_timezones() and (current != "UTC" or not country):
        return current
    zones = _country_zones(country)
    if len(zones) == 1:
        return zones[0]
    if current and is_valid_timezone(current):
        return _same_offset_now(current, zones)
    return "UTC"


def _country_zones(country: str | None) -> list[str]:
    code = (country or "").upper()
    return _ZONES_NOT_IN_TZDATA.get(code) or pytz.country_timezones.get(code, [])


def _same_offset_now(zone: str, zones: list[str]) -> str:
    """The first of ``zones`` at the same offset from UTC as ``zone`` today, else UTC."""
    now = datetime.now(UTC)
    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    return next((z for z in zones if now.astimezone(ZoneInfo(z)).utcoffset() == offset), "UTC")


def _locale() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


@lru_cache(maxsize=32)
def babel_locale(lang: str) -> Locale:
    """Babel's data for a language, read once a process (``Locale.parse`` makes a new object
    each call, about 25 µs before a single name is looked up)."""
    return Locale.parse(lang)


# Territory codes in CLDR that are not countries. Kosovo (XK, the code the EU, CLDR and
# development agencies use, not yet in ISO 3166-1) is a country of the program: kept.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


@lru_cache(maxsize=8)
def countries(lang: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 alpha-2 codes (and XK, Kosovo) with their names in ``lang``, sorted by
    name: the one list of countries (forms, filters, the nominee importer)."""
    names = babel_locale(lang).territories
    pairs = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(pairs, key=lambda p: p[1].casefold()))


def country_name(code: str | None, lang: str | None = None) -> str:
    if not code:
        return ""
    return babel_locale(str(lang or _locale())).territories.get(code.upper(), code.upper())


def is_country(code: str) -> bool:
    return code.upper() in dict(countries("en"))


@dataclass(frozen=True)
class Localized:
    """A content field chosen for the reader: ``lang`` is the language shown, ``fallback`` is
    true when that is not the reader's language (the template marks it)."""
    text: str
    lang: str
    fallback: bool

    def __str__(self) -> str:
        return self.text


def localize(values: dict[str, str] | None, lang: str | None = None) -> Localized:
    """Pick the reader's language, else English, else any language present."""
    values = {k: v for k, v in (values or {}).items() if v and v.strip()}
    lang = lang or _locale()
    for candidate in (lang, DEFAULT_LANGUAGE, *sorted(values)):
        if candidate in values:
            return Localized(values[candidate], candidate, candidate != lang)
    return Localized("", lang, False)


def clean_translations(values: dict | None) -> dict[str, str]:
    """``{lang: text}`` with known content languages only, texts stripped, blank ones dropped."""
    if not isinstance(values, dict):
        raise TypeError("per-language content is a {lang: text} dict, not %r" % type(values))
    return {lang: text.strip() for lang, text in values.items()
            if lang in CONTENT_LANGUAGES and isinstance(text, str) and text.strip()}


def language_name(code: str, lang: str | None = None) -> str:
    """The name of a language in the reader's language ("anglais" for a French reader)."""
    return babel_locale(str(lang or _locale())).languages.get(code, code)


def content(values: dict[str, str] | None, tag: str = "span", class_: str = "",
            lang: str | None = None) -> Markup:
    """A content field as HTML in the reader's language (``lang``, default the request's);
    a fallback carries its ``lang`` attribute and is followed by the name of its language."""
    shown = localize(values, lang)
    attrs = Markup(' class="%s"') % class_ if class_ else Markup()
    if shown.fallback:
        attrs += Markup(' lang="%s"') % shown.lang
    # The text escaped once, then plain formatting: Markup's % costs five times as much, and
    # this runs for every title of every list.
    html = Markup("<%s%s>%s</%s>" % (tag, attrs, escape(shown.text), tag))
    if shown.fallback and shown.text:
        html += Markup(' <span class="fallback">(%s)</span>') % language_name(shown.lang, lang)
    return html


def format_day(value: date | str | None, lang: str | None = None) -> str:
    """A day in the reader's locale ("7 oct. 2026"); a "YYYY-MM-DD" text (plan activities
    keep what was typed) is read first, and any other text is shown as it was typed."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return value
    if value is None:
        return ""
    return _medium_day(value.date() if isinstance(value, datetime) else value,
                       lang or _locale())


def format_month(value: date, lang: str | None = None, short: bool = False) -> str:
    """A calendar month in the reader's locale: "May 2026", "mai 2026", "mayo de 2026";
    ``short``: the month alone, abbreviated ("May", "mai", "may"), for a chart's axis."""
    return format_skeleton("MMM" if short else "yMMMM", value, locale=lang or _locale())


@lru_cache(maxsize=4096)
def _medium_day(day: date, lang: str) -> str:
    """A day in a locale's medium pattern (what Flask-Babel's ``format_date`` writes), each
    (day, language) written once per process: pages list the same few course and deadline
    days again and again, and Babel takes longer to write one than the rest of its row."""
    return get_date_format("medium", locale=lang).apply(day, lang)


def date_formatter() -> Callable[[date], str]:
    """``format_day`` in the reader's locale for many dates of one page: the locale looked up
    once (the same text, ``date`` values only)."""
    return partial(_medium_day, lang=str(get_locale()))


class RequestDomain(Domain):
    """Flask-Babel's message domain, its translations kept on the request's Babel context with
    the locale they are for (``force_locale`` and ``refresh`` change the locale, so the next
    call looks again): Flask-Babel looks the context up nine times a lookup, and a page makes
    dozens, in Python (``gettext``, lazy strings) and in templates (``_``)."""

    def get_translations(self):
        ctx = g.get("_flask_babel") if g else None
        if ctx is None:
            return super().get_translations()
        translations = _kept(ctx, self)
        if translations is None:
            translations = super().get_translations()  # sets the context's locale
            ctx.kept_translations = (ctx.babel_locale, self, translations)
        return translations


def _kept(ctx, domain):
    """The translations kept on the context, if they are ``domain``'s in its current locale."""
    kept = getattr(ctx, "kept_translations", None)
    if kept is not None and kept[0] is getattr(ctx, "babel_locale", None) and kept[1] is domain:
        return kept[2]
    return None


class PortalBabel(Babel):
    """Flask-Babel with a ``RequestDomain`` as its default domain."""

    @cached_property
    def domain_instance(self) -> Domain:
        return RequestDomain(domain=self.domain)


def request_translations() -> NullTranslations:
    """The request's translations (its domain's, in its locale), for the templates' ``_``:
    read straight off the context once kept there (most calls), else through the domain."""
    ctx = g.get("_flask_babel") if g else None
    translations = _kept(ctx, getattr(ctx, "babel_domain", None)) if ctx is not None else None
    return translations if translations is not None else get_domain().get_translations()


def install_template_gettext(jinja_env) -> None:
    """The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``:
    Flask-Babel's own installation (Jinja's newstyle wrappers do the escaping and the
    %-formatting) with the translations looked up through ``request_translations``; ``_``,
    ``gettext`` and ``ngettext`` are the house's own, doing what Jinja's wrappers do with the
    numbers in the sentence written by the reader's locale (``Quantity``; a page calls ``_``
    dozens of times, and Jinja's ``_`` goes through three calls, each checked for the context
    it wants)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)
    jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                             ngettext=template_ngettext)


class Quantity(int):
    """A number in a translated sentence. ``%(num)s`` writes it as the reader's locale does
    (Babel: "1 234" in French, "1,234" in English): a count, a size, a limit. ``%(number)d``
    writes its digits as they are: a number that names something (a year, a version, a line).
    The sentence's placeholder says which; the house's gettext and ngettext (Python and
    templates) and the domains' messages (``domain_errors.Messages``) hand every int over as
    a Quantity, so no caller formats a count by hand."""

    __slots__ = ()

    def __str__(self) -> str:
        return format_number(int(self))


def quantities(variables: dict) -> dict:
    """The variables of a sentence with each int (not a bool) made a ``Quantity``."""
    return {name: Quantity(value) if type(value) is int else value
            for name, value in variables.items()}


def gettext(string: str, **variables) -> str:
    """The translation of ``string`` in the reader's language, %-formatted when there are
    variables (ints as ``Quantity``). The house's ``_`` in Python; Flask-Babel's is not
    imported elsewhere (tests/test_architecture.py)."""
    translated = request_translations().ugettext(string)
    return translated % quantities(variables) if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The form of the sentence for ``num`` (the language's plural rule), ``%(num)s``
    written by the reader's locale."""
    variables.setdefault("num", num)
    return request_translations().ungettext(singular, plural, num) % quantities(variables)


def lazy_gettext(string: str, **variables) -> LazyString:
    """``gettext`` when the text is used (the reader is known then): for messages defined at
    import time. The house's ``_l``."""
    return LazyString(gettext, string, **variables)


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """Jinja's newstyle ``gettext``: the translation, marked safe when the template escapes
    (the variables are escaped as they go in), always %-formatted (``%%`` is ``%``), ints as
    ``Quantity``."""
    translated = request_translations().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % (quantities(variables) if variables else variables)


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    """Jinja's newstyle ``ngettext``, as ``template_gettext``: ``%(num)s`` is ``num`` written
    by the reader's locale."""
    variables.setdefault("num", num)
    translated = request_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % quantities(variables)


def as_utc(moment: datetime) -> datetime:
    """Databases may hand back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def format_moment(moment: datetime | None, with_japan: bool = False) -> str:
    """A time in the reader's zone (with the zone named), optionally with Japan time too."""
    return moment_formatter(with_japan)(moment)


@lru_cache(maxsize=16)
def _moment_pattern(lang: str):
    """Date "medium" and time "short" (no seconds), joined as the locale joins them."""
    locale = babel_locale(lang)
    joined = str(locale.datetime_formats["medium"]).replace(
        "{1}", get_date_format("medium", locale).pattern).replace(
        "{0}", get_time_format("short", locale).pattern)
    return parse_pattern(joined)


def moment_formatter(with_japan: bool = False, zone: str | None = None,
                     lang: str | None = None) -> Callable[[datetime | None], str]:
    """``format_moment`` for many times of one page (the reader's locale and zone looked up
    once), or for one reader named by ``zone`` and ``lang`` (an e-mail): "7 oct. 2026, 05:59
    (heure : Sénégal)", with Japan time after it when asked and not the same zone."""
    lang = lang or _locale()
    tz = get_timezone() if zone is None else zone_of(zone)
    pattern, name = _moment_pattern(lang), str(tz)
    suffix = " (%s)" % zone_name(name, lang)
    japan_too = with_japan and name != "Asia/Tokyo"
    japan = " / %%s (%s)" % zone_name("Asia/Tokyo", lang) if japan_too else ""

    def formatted(moment: datetime | None) -> str:
        if moment is None:
            return ""
        moment = as_utc(moment)
        text = pattern.apply(moment.astimezone(tz), lang) + suffix
        if japan_too:
            text += japan % pattern.apply(moment.astimezone(JAPAN), lang)
        return text
    return formatted


def format_time_left(left: timedelta, lang: str) -> str:
    """``2 days``, ``20 hours`` in ``lang``: whole units, rounded down (never more than is
    left), at least a minute; a week or more in weeks."""
    for unit in (timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)):
        if left >= unit or unit == timedelta(minutes=1):
            left = max(left // unit, 1) * unit
            break
    return format_timedelta(left, threshold=1, locale=lang)


# Numbers, always through Babel in the reader's locale ("3,5" in French, "1 633" with the
# locale's grouping): never "%.1f" or str() in a page or a message.
_SIZE_UNITS = ((1024 ** 3, "digital-gigabyte"), (1024 ** 2, "digital-megabyte"),
               (1024, "digital-kilobyte"))


def format_size(size: int, lang: str | None = None) -> str:
    """``40 MB`` / ``40 Mo`` / ``994 bytes``: binary multiples, named as people know them,
    with one decimal under 100."""
    lang = lang or _locale()
    for factor, unit in _SIZE_UNITS:
        if size >= factor:
            value = size / factor
            return format_unit(value, unit, length="short", locale=lang,
                               format="#,##0" if value >= 100 else "#,##0.#")
    # CLDR's short byte is "byte" whatever the count in English: the long form agrees.
    return format_unit(size, "digital-byte", length="long", locale=lang)


def format_number(value: float | int, digits: int = 0, lang: str | None = None) -> str:
    """A number in the reader's locale with ``digits`` decimals ("3,5", "4,0", "1 633")."""
    if not digits and type(value) is int and 0 <= value < 1000:
        return str(value)  # no separator to place: the same in every locale, ~100x cheaper
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_decimal(value, format=pattern, locale=lang or _locale())


def format_share(share: float, lang: str | None = None) -> str:
    """A share (0.42) as a percentage of the locale ("42 %", "42 %")."""
    return format_percent(share, locale=lang or _locale())
