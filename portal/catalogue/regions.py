"""The program's six regions, and the region of each participant's country.

Where the table comes from: the six regions are the ones the program publishes its "ratio of
participants by region" in (DESIGN.md, seeds/001). The country lists were compiled for the portal
by following the grouping of JICA's regional departments as shown on its public "Countries &
Regions" pages: North Africa goes with the Middle East; Afghanistan with South Asia; the Pacific
islands with Southeast Asia; the Caucasus with East and Central Asia. Countries that are in none
of the six (Japan, most OECD members) and accounts without a country count as "Other or
unknown", so that the figures always add up to every participant. Change a country here, not in
the database: the statistics are computed at every request.
"""
from __future__ import annotations

from ..courses.vocabulary import REGIONS
from ..i18n import lazy_gettext as _l

OTHER = "other"
REGION_LABELS = {**REGIONS, OTHER: _l("Other or unknown")}

_COUNTRIES = {
    "africa": """AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ GQ ER SZ ET GA GM GH GN GW KE LS LR MG
        MW ML MR MU MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG UG ZM ZW""",
    "southeast-asia-pacific": """BN KH ID LA MY MM PH SG TH TL VN FJ KI MH FM NR PW PG WS SB TO
        TV VU CK NU""",
    "latin-america-caribbean": """AR BO BR CL CO CR CU DO EC SV GT HN MX NI PA PY PE UY VE BZ GY
        SR AG BS BB DM GD HT JM KN LC VC TT""",
    "south-asia": "AF BD BT IN MV NP PK LK",
    "middle-east-europe": """DZ EG LY MA TN BH IR IQ IL JO KW LB OM PS QA SA SY TR AE YE AL BA
        XK ME MK RS MD UA BY BG RO HR""",
    "east-central-asia-caucasus": "CN MN KZ KG TJ TM UZ AM AZ GE",
}

COUNTRY_REGION: dict[str, str] = {code: region for region, codes in _COUNTRIES.items()
                                  for code in codes.split()}


def region_of(country: str | None) -> str:
    """The region slug of an ISO 3166-1 alpha-2 country code, else ``OTHER``."""
    return COUNTRY_REGION.get((country or "").upper(), OTHER)
