"""URLs for the many rows of one page: ``url_for`` run once, the ids put in afterwards.

Werkzeug builds the same path again for every row of a list (a panel's links, a transcript's
cues), which costs more than the rest of the row. ``url_pattern`` builds it once with marks in
place of the ids; ``url_with_ids`` keeps that pattern on the app, for links whose other values
are few (an endpoint and its fixed arguments)."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request, url_for

_MARK = 918273640  # ids no row has, replaced in the URL built once


def url_pattern(endpoint: str, *keys: str, **values) -> str:
    """A ``str.format`` pattern of ``url_for(endpoint, **{key: id, ...}, **values)``: the
    same string, for ``int`` ids (Werkzeug writes an int as ``str(id)``, in the path and in
    the query string), with the ids given in the order of ``keys``."""
    marks = {name: _MARK + n for n, name in enumerate(keys)}
    pattern = url_for(endpoint, **marks, **values).replace("{", "{{").replace("}", "}}")
    for n, mark in enumerate(marks.values()):
        pattern = pattern.replace(str(mark), "{%d}" % n)
    return pattern


def url_with_ids(endpoint: str, *keys: str, **values) -> Callable[..., str]:
    """``url_pattern``'s ``format``, the pattern kept per app and script root (Werkzeug would
    build the same path every time)."""
    kept = current_app.extensions.setdefault("url_patterns", {})
    cache_key = (endpoint, keys, tuple(sorted(values.items())), request.script_root)
    pattern = kept.get(cache_key)
    if pattern is None:
        pattern = kept[cache_key] = url_pattern(endpoint, *keys, **values)
    return pattern.format
