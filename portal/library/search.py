"""Searching the library for a reader: request arguments in, hits with their materials out."""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import Row
from werkzeug.datastructures import MultiDict

from media_index.searcher import SearchResult
from media_index.view import Allowed

from ..i18n import gettext as _, language_name, localize
from .models import DOCUMENT
from .permissions import allowed_for
from .services import Card, materials_in_order
from .status import clock

MAX_PER_PAGE = 50
# Pages past the last one answer where the results end; a page number above this is absurd
# (100,000 pages of one material) and is answered as this page: still past the end.
MAX_PAGE = 100_000
SORTS = ("relevance", "newest", "views")
_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*(?:-|–|\.\.)\s*(\d{4})?\s*$")


@dataclass
class Found:
    """One hit with its material (a ``services.Card``; for the API, a row of its slug, title
    and ``allow_download``) and links; for the pages, the line of facts under its title."""
    material: Card | Row
    snippet: str
    moments: list[dict]
    url: str
    facts: Markup = Markup()


_BADGE = Markup(' · <span class="badge">%s</span>')


class CardFacts:
    """The line under a card's title, one fact a line ("Video", " · 2019", " · 12:30",
    " · Japanese", " · Subtitles: en, fr (automatic)", the "Coming soon" and audience badges),
    for a page of cards: each label translated and each language named once, not once a card
    (translations escaped)."""

    def __init__(self) -> None:
        self._kinds = {"audio": escape(_("Audio")), "video": escape(_("Video")),
                       "document": escape(_("Document"))}
        self._coming = _BADGE % _("Coming soon")
        self._audiences = {"registered": _BADGE % _("Registered users"),
                           "members": _BADGE % _("Course members")}
        self._subtitles = escape(_("Subtitles: %(languages)s"))
        self._automatic = _("%(language)s (automatic)")
        self._languages: dict[str, str] = {}

    def __call__(self, m: Card) -> Markup:
        lines = [self._kind(m), *self._numbers(m), self._subtitle_line(m.subtitles),
                 self._coming if m.coming_soon else "", self._audience(m.visibility)]
        return Markup("").join(Markup("    %s\n") % line for line in lines)

    def _kind(self, m: Card) -> Markup:
        if m.kind != "video":
            return self._kinds["document"]
        return self._kinds["audio" if m.is_audio else "video"]

    def _numbers(self, m: Card) -> tuple:
        """The year, the duration and the spoken language, each where known."""
        return (Markup(" · %s") % m.year if m.year else "",
                Markup(" · %s") % clock(m.duration_s) if m.duration_s else "",
                Markup(" · %s") % self._language(m.audio_language) if m.audio_language else "")

    def _subtitle_line(self, tracks) -> Markup | str:
        if not tracks:
            return ""
        codes = Markup(", ").join(self._automatic % {"language": t.lang} if t.automatic
                                  else t.lang for t in tracks)
        return Markup(" · ") + self._subtitles % {"languages": codes}

    def _audience(self, visibility: str) -> Markup | str:
        if visibility == "public":
            return ""
        return self._audiences["registered" if visibility == "registered" else "members"]

    def _language(self, code: str) -> str:
        if code not in self._languages:
            self._languages[code] = language_name(code)
        return self._languages[code]


@dataclass
class Page:
    result: SearchResult
    found: list[Found]
    query: str
    sort: str
    filters: dict
    exact: bool = False  # the query as typed, never replaced by its respelling

    @property
    def pages(self) -> int:
        return max(1, self.last_page)

    @property
    def last_page(self) -> int:
        """The number of pages of results (0 when nothing was found)."""
        return -(-self.result.total // self.result.per_page)

    @property
    def past_end(self) -> bool:
        return self.result.total > 0 and self.result.page > self.last_page


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_filters(args: MultiDict) -> dict:
    """Facet filters from query-string values; anything malformed is ignored."""
    filters = {name: [v for v in args.getlist(name) if v][:20]
               for name in ("subject", "audio_language", "subtitle_language", "kind")}
    for name, value in zip(("year_from", "year_to"), _year_bounds(args), strict=True):
        number = _int(value, 0)
        if 1000 <= number <= 9999:
            filters[name] = number
    return {k: v for k, v in filters.items() if v}


def _year_bounds(args: MultiDict) -> tuple:
    """The years from and to, as typed: ``year`` (one year, or a range such as ``2010-2015``
    or ``..2015``) says them, else ``year_from`` and ``year_to``."""
    year_from, year_to = args.get("year_from"), args.get("year_to")
    year = args.get("year", "")
    if year.strip().isdigit() and len(year.strip()) == 4:
        return year.strip(), year.strip()
    found = _YEAR_RANGE.match(year)
    if found:
        return found.group(1) or year_from, found.group(2) or year_to
    return year_from, year_to


def moment_url(material_url: str, start_ms: int) -> str:
    """The player at that second: ``?t=`` for the server, ``#t=`` for the browser."""
    second = max(0, int(start_ms) // 1000)
    return "%s?t=%d#t=%d" % (material_url, second, second)


def page_url(material: Card, material_url: str, page: int) -> str:
    """A page of a document: the document at that page (``#page=N``, which PDF viewers
    follow) for a material whose downloads are on, else the material's page."""
    if not material.allow_download:
        return material_url
    return "%s#page=%d" % (url_for("library.media", slug=material.slug, role=DOCUMENT), page)


def parse_page(value) -> int:
    """The page asked for: a whole number from 1; anything else is 1, and above `MAX_PAGE`
    (absurd) is `MAX_PAGE`. Never lowered otherwise: a page past the end says so."""
    return max(1, min(_int(value, 1), MAX_PAGE))


class ResultsCache:
    """The rendered content of the last search pages (per process): the cards, facets and pager
    for one query string, language and set of things the reader may see, while the index stays
    in the same state, for at most ``seconds`` (cards show database rows, and every change to a
    material reaches the index within seconds through the outbox)."""

    def __init__(self, size: int = 256, seconds: float = 60) -> None:
        self.size, self.seconds = size, seconds
        self._entries: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: tuple) -> str | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or time.monotonic() - found[0] > self.seconds:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: tuple, html: str) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), html)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def results_cache() -> ResultsCache:
    cache = current_app.extensions.get("library_results")
    if cache is None:
        cache = current_app.extensions.setdefault("library_results", ResultsCache())
    return cache


def results_key(allowed: Allowed, args: MultiDict, lang: str) -> tuple:
    """What the search page's content depends on, besides the index and the materials;
    ``allowed`` is what the reader may see (`allowed_for`)."""
    searcher = current_app.extensions["search_index"].searcher
    return (searcher.state(), lang, str(get_locale()), allowed,
            tuple(sorted(args.items(multi=True))))


def run(user, args: MultiDict, lang: str, per_page: int = 20, details: bool = True,
        allowed: Allowed | None = None) -> Page:
    """A page of results for ``user``; ``allowed`` is `allowed_for(user)` when the caller
    has it already (one database query less)."""
    query = args.get("q", "")[:2000]
    sort = args.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    page = parse_page(args.get("page"))
    per_page = max(1, min(_int(args.get("per_page"), per_page), MAX_PER_PAGE))
    filters = parse_filters(args)
    exact = args.get("exact", "") not in ("", "0")
    searcher = current_app.extensions["search_index"].searcher
    allowed = allowed_for(user) if allowed is None else allowed
    result = searcher.search(query, lang=lang, filters=filters, allowed=allowed,
                             sort=sort, page=page, per_page=per_page, correct=not exact)
    by_slug = {m.slug: m for m in materials_in_order([h.id for h in result.hits], details)}
    facts = CardFacts() if details else None
    # A hit without its material was deleted since the index saw it; the next sync removes it.
    found = [_found(hit, by_slug[hit.id], facts) for hit in result.hits if hit.id in by_slug]
    return Page(result, found, query, sort, filters, exact)


def _found(hit, material: Card | Row, facts: CardFacts | None) -> Found:
    """A hit with its material and links; for the pages (``facts``), what its card shows."""
    url = url_for("library.material", slug=hit.id)
    moments = [{"start_ms": None if m.page else m.start_ms, "page": m.page,
                "text": m.text, "lang": m.lang,
                "url": page_url(material, url, m.page) if m.page
                else moment_url(url, m.start_ms)} for m in hit.moments]
    if facts is None:
        return Found(material, hit.snippet, moments, url)
    for moment in moments:  # what the card's link shows: the page, or the time
        moment["label"] = (escape(_("Page %(num)d")) % {"num": moment["page"]}
                           if moment["page"] else clock(moment["start_ms"] // 1000))
    return Found(material, hit.snippet, moments, url, facts(material))


def instead_args(args: MultiDict, original: str) -> dict:
    """The query string that searches for ``original`` as typed (``exact=1``), from page 1."""
    changed = {k: v for k, v in args.to_dict(flat=False).items() if k not in ("page", "exact")}
    return dict(changed, q=original, exact="1")


def suggestions(user, prefix: str, lang: str, limit: int = 8) -> list[dict]:
    searcher = current_app.extensions["search_index"].searcher
    return [{"id": s.id, "title": s.title, "lang": s.lang,
             "url": url_for("library.material", slug=s.id)}
            for s in searcher.suggest_titles(prefix, lang=lang, allowed=allowed_for(user),
                                             limit=limit)]


def api_result(page: Page, lang: str, args: MultiDict) -> dict:
    """Exactly the shape described in the OpenAPI document (openapi.py)."""
    r = page.result
    facets = r.facets or {}
    correction = None
    if r.corrected_from is not None:
        correction = {"query": r.query, "original": r.corrected_from,
                      "url": url_for("library_api.search",
                                     **instead_args(args, r.corrected_from))}
    return {
        "query": page.query, "total": r.total, "page": r.page, "per_page": r.per_page,
        "pages": page.last_page,
        "results": [{"id": f.material.slug, "title": localize(f.material.title, lang).text,
                     "url": f.url, "snippet": f.snippet,
                     "moments": [{"start_ms": m["start_ms"], "page": m["page"],
                                  "text": m["text"], "url": m["url"]} for m in f.moments]}
                    for f in page.found],
        "facets": {"subject": dict(facets.get("subject", {})),
                   "year": {str(k): v for k, v in facets.get("year", {}).items()},
                   "audio_language": dict(facets.get("audio_language", {})),
                   "subtitle_language": dict(facets.get("subtitle_language", {})),
                   "kind": dict(facets.get("kind", {}))},
        "suggestion": r.suggestion,
        "correction": correction,
    }


def browse(user, lang: str, sort: str, per_page: int = 6, filters: dict | None = None) -> Page:
    args = MultiDict({"sort": sort, "per_page": str(per_page)})
    for name, values in (filters or {}).items():
        for v in values:
            args.add(name, v)
    return run(user, args, lang, per_page)
