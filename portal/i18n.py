"""Interface languages, the locale and time-zone choice, and per-language content fields.

Locale order (one function, one documented order): the signed-in user's setting, then the choice
made with the language switcher (kept in the session), then Accept-Language, then English.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import (
    format_datetime as babel_format_datetime,
    format_timedelta,
    get_date_format,
)
from babel.support import NullTranslations
from flask import g, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from markupsafe import Markup, escape

LANGUAGES = ("en", "fr", "es")
# Content may also be in Japanese (library materials), though the interface is not.
CONTENT_LANGUAGES = LANGUAGES + ("ja",)
DEFAULT_LANGUAGE = "en"
JAPAN = ZoneInfo("Asia/Tokyo")
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ja": "日本語"}


def select_locale() -> str:
    user_lang = getattr(current_user, "language", None) if _has_user() else None
    if user_lang in LANGUAGES:
        return user_lang
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_timezone() -> str:
    tz = getattr(current_user, "timezone", None) if _has_user() else None
    return tz if tz and is_valid_timezone(tz) else "UTC"


def _has_user() -> bool:
    try:
        return bool(current_user) and current_user.is_authenticated
    except Exception:  # outside a request (CLI), there is no user
        return False


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones()
                        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
                        ) + ["UTC"])


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


# Territory codes in CLDR that are not ISO 3166-1 alpha-2 countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"}


@lru_cache(maxsize=8)
def countries(lang: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 alpha-2 codes with their names in ``lang``, sorted by name."""
    names = Locale.parse(lang).territories
    pairs = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(pairs, key=lambda p: Locale.parse(lang).territories[p[0]].casefold()))


def country_name(code: str | None, lang: str | None = None) -> str:
    if not code:
        return ""
    lang = lang or str(get_locale() or DEFAULT_LANGUAGE)
    return Locale.parse(lang).territories.get(code.upper(), code.upper())


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
    lang = lang or str(get_locale() or DEFAULT_LANGUAGE)
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


def language_name(code: str) -> str:
    """The name of a language in the reader's language ("anglais" for a French reader)."""
    return Locale.parse(str(get_locale() or DEFAULT_LANGUAGE)).languages.get(code, code)


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
        html += Markup(' <span class="fallback">(%s)</span>') % LANGUAGE_NAMES[shown.lang]
    return html


def date_formatter() -> Callable[[date], str]:
    """Flask-Babel's ``format_date`` for many dates of one page: the reader's locale and
    pattern looked up once, then only applied (the same text, ``date`` values only)."""
    locale = get_locale()
    return partial(get_date_format("medium", locale=locale).apply, locale=locale)


def request_translations() -> NullTranslations:
    """Flask-Babel's ``get_translations()``, kept on its request context with the locale and
    domain they are for (``force_locale`` and ``refresh`` change those, so the next call looks
    again): Flask-Babel looks the context up nine times a call, and a page makes dozens."""
    ctx = g.get("_flask_babel") if g else None
    if ctx is None:
        return get_translations()
    kept = getattr(ctx, "kept_translations", None)
    if (kept is None or kept[0] is not getattr(ctx, "babel_locale", None)
            or kept[1] is not getattr(ctx, "babel_domain", None)):
        translations = get_translations()  # sets the context's locale and domain
        ctx.kept_translations = kept = (ctx.babel_locale, ctx.babel_domain, translations)
    return kept[2]


def install_template_gettext(jinja_env) -> None:
    """The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``:
    Flask-Babel's own installation (Jinja's newstyle wrappers do the escaping and the
    %-formatting) with the translations looked up through ``request_translations``."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)


def as_utc(moment: datetime) -> datetime:
    """Databases may hand back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def format_moment(moment: datetime | None, with_japan: bool = False) -> str:
    """A time in the reader's zone (with the zone named), optionally with Japan time too."""
    return moment_formatter(with_japan)(moment)


def moment_formatter(with_japan: bool = False) -> Callable[[datetime | None], str]:
    """``format_moment`` for many times of one page: the reader's locale and zone looked up
    once, then Babel's ``format_datetime`` called as Flask-Babel calls it (the same text)."""
    locale, zone = get_locale(), get_timezone()
    local = partial(babel_format_datetime, format="medium", tzinfo=zone, locale=locale)
    plain = partial(babel_format_datetime, format="medium", locale=locale)
    suffix, japan_too = " (" + str(zone) + ")", with_japan and str(zone) != "Asia/Tokyo"

    def formatted(moment: datetime | None) -> str:
        if moment is None:
            return ""
        moment = as_utc(moment)
        text = local(moment) + suffix
        if japan_too:
            text += " / " + plain(moment.astimezone(JAPAN).replace(tzinfo=None)) + " JST"
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

