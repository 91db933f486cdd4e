"""Country and language names as nomination lists write them, in English, French or Spanish.

Countries are known by their ISO 3166 codes (alpha-2 and alpha-3), their CLDR names (Babel's
territory names, the names the portal shows) and their ISO/UN names (pycountry, with its
French and Spanish catalogues: "Bolivia (Plurinational State of)", "Tanzanie, République unie
de"). A short alias list adds the common forms neither spells ("Ivory Coast", "DRC", "UK").
Comparison ignores case, accents, spaces and punctuation, and a leading article.
"""
from __future__ import annotations

import gettext
import re
from functools import lru_cache

from ..i18n import LANGUAGES, babel_locale, countries
from ..text import fold as text_fold

COUNTRY_ALIASES = {  # common forms that neither CLDR nor ISO spells
    "CD": ("drc", "drcongo", "congodrc", "congokinshasa", "democraticrepublicofthecongo",
           "democraticrepublicofcongo", "congodemocraticrepublic", "rdc", "rdcongo",
           "republicademocraticadelcongo"),
    "CG": ("republicofcongo", "congorepublic", "republiqueducongo", "congobrazzaville",
           "republicadelcongo"),
    "CI": ("ivorycoast", "costademarfil"),
    "LA": ("laos", "laopdr"),
    "MM": ("burma",),
    "TL": ("easttimor",),
    "SZ": ("swaziland",),
    "TR": ("turkey", "turquia", "turquie"),
    "CV": ("capeverde",),
    "PS": ("palestine",),
    "KR": ("southkorea", "korearepublicof", "coreadelsur"),
    "KP": ("northkorea", "dprk"),
    "MK": ("macedonia", "fyrom"),
    "CZ": ("czechrepublic",),
    "KG": ("kyrgyzrepublic",),
    "GB": ("uk", "greatbritain", "england"),
    "US": ("unitedstatesofamerica", "usa"),
    "AE": ("uae",),
}
_ARTICLE = re.compile(r"^\s*(?:(?:the|la|le|les|el|los|las)\s+|l[’']\s*)"
                      r"|,\s*(?:the|la|le|les|el|los|las)\s*$", re.IGNORECASE)
_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]")
_CODE = re.compile(r"^[a-z]{2}([-_][a-z0-9]{2,4})?$", re.IGNORECASE)


def fold(text: str) -> str:
    """Folded (``portal.text.fold``), letters and digits only: "Côte d’Ivoire" -> "cotedivoire"."""
    return "".join(c for c in text_fold(text) if c.isalnum())


def lookup_keys(text: str) -> list[str]:
    """The folded forms a name is looked up by, most exact first: as written, without a
    leading article, without brackets."""
    plain = _BRACKETS.sub(" ", text)
    keys = [fold(text), fold(_ARTICLE.sub("", text)), fold(plain), fold(_ARTICLE.sub("", plain))]
    return [k for i, k in enumerate(keys) if k and k not in keys[:i]]


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    """Folded name or code -> alpha-2 code. A name as written wins over a shortened form (no
    article, no brackets), which counts only when it names one country; the aliases fill in
    what is left, and every code names itself."""
    known = {code for code, _ in countries("en")}
    exact, loose = _name_keys(known)
    index = {key: next(iter(codes)) for key, codes in loose.items() if len(codes) == 1}
    index.update(exact)
    for code, aliases in COUNTRY_ALIASES.items():
        index.update({alias: code for alias in aliases if alias not in index})
    index.update({code.lower(): code for code in known})
    return index


def _name_keys(known: set[str]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The lookup keys of the names of the ``known`` countries: each name as written (the
    first country to spell it keeps it), and its shortened forms with every country they
    stand for."""
    exact: dict[str, str] = {}
    loose: dict[str, set[str]] = {}
    for name, code in _country_names():
        keys = lookup_keys(name)
        if code in known and keys:
            exact.setdefault(keys[0], code)
            for key in keys[1:]:
                loose.setdefault(key, set()).add(code)
    return exact, loose


def _country_names():
    for lang in LANGUAGES:
        yield from ((name, code) for code, name in countries(lang))
    yield from _iso_names()


def _iso_names():
    """(name, alpha-2) for ISO 3166-1 names, official and common names, and alpha-3 codes,
    in English and in pycountry's French and Spanish catalogues."""
    import pycountry
    catalogues = [gettext.NullTranslations()] + [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                            fallback=True) for lang in LANGUAGES if lang != "en"]
    for country in pycountry.countries:
        code = country.alpha_2
        yield country.alpha_3, code
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                for catalogue in catalogues:
                    yield catalogue.gettext(name), code


def country_code(text: str) -> str | None:
    """The ISO alpha-2 code of a country written as a code or a name, or None."""
    if not text:
        return None
    index = _country_index()
    return next((index[key] for key in lookup_keys(text) if key in index), None)


@lru_cache(maxsize=1)
def _language_index() -> dict[str, str]:
    """Folded language names in the interface languages -> language code (any language)."""
    index = {}
    for reader in LANGUAGES:
        for code, name in babel_locale(reader).languages.items():
            if "_" not in code:
                index.setdefault(fold(name), code)
    for code in LANGUAGES:  # the supported ones win over any homonym
        for reader in LANGUAGES:
            index[fold(babel_locale(reader).languages[code])] = code
        index[fold(babel_locale(code).languages[code])] = code   # its own name
    index.update({"castellano": "es", "espanol": "es", "francais": "fr", "anglais": "en"})
    return index


@lru_cache(maxsize=1)
def _language_codes() -> frozenset[str]:
    return frozenset(c for c in babel_locale("en").languages if len(c) == 2)


def language_choice(text: str) -> tuple[str | None, str | None]:
    """``(supported, other)``: the interface language ``text`` names, or else the code of the
    language it names that the portal does not offer ("Vietnamese" -> ``(None, "vi")``);
    ``(None, None)`` when it names no language known."""
    text = text.strip()
    if _CODE.match(text):
        code = text[:2].lower()
        if code in LANGUAGES:
            return code, None
        if code in _language_codes():
            return None, code
    index = _language_index()
    code = next((index[key] for key in lookup_keys(text) if key in index), None)
    if code in LANGUAGES:
        return code, None
    return None, code
