"""The library's JSON API under /api/v1, described by /api/v1/openapi.json."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..access import PUBLIC, allow
from ..i18n import localize
from . import search as library_search
from .openapi import document
from .permissions import may_have_file
from .services import reader_language, visible_material

bp = Blueprint("library_api", __name__, url_prefix="/api/v1")


def _lang() -> str:
    return reader_language(request.args.get("lang") or str(get_locale() or "en"))


@bp.get("/library/search")
@allow(PUBLIC)
def search():
    """Search visible materials; the response shape is in the OpenAPI document."""
    lang = _lang()
    page = library_search.run(current_user, request.args, lang, details=False)
    response = jsonify(library_search.api_result(page, lang, request.args))
    response.headers["Cache-Control"] = "private, max-age=30"
    return response


@bp.get("/library/suggest")
@allow(PUBLIC)
def suggest():
    """Type-ahead on titles: ``{"query", "suggestions": [{"id", "title", "lang", "url"}]}``."""
    prefix = request.args.get("q", "")[:100]
    return jsonify({"query": prefix, "suggestions": library_search.suggestions(
        current_user, prefix, _lang())})


@bp.get("/library/materials/<slug>")
@allow(PUBLIC)
def material(slug):
    m = visible_material(current_user, slug)
    if m is None:
        abort(404)
    lang = _lang()
    title = localize(m.title, lang)
    return jsonify({
        "id": m.slug, "kind": m.kind, "title": title.text, "title_lang": title.lang,
        "titles": m.title or {}, "descriptions": m.description or {},
        "subjects": m.subjects or [], "keywords": m.keywords or [], "year": m.year,
        "audio_language": m.audio_language, "duration_s": m.duration_s,
        "producer": m.producer, "visibility": m.visibility, "state": m.state,
        "coming_soon": m.coming_soon, "view_count": m.view_count,
        "url": url_for("library.material", slug=m.slug),
        "subtitles": {t.lang: url_for("library.subtitles", slug=m.slug, lang=t.lang)
                      for t in m.subtitles},
        # The same tracks with what they are: "automatic" is made by speech recognition and
        # not corrected by a person yet.
        "subtitle_tracks": [{"lang": t.lang, "automatic": bool(t.automatic),
                             "url": url_for("library.subtitles", slug=m.slug, lang=t.lang)}
                            for t in m.subtitles],
        "files": {f.role: {"url": url_for("library.media", slug=m.slug, role=f.role),
                           "size": f.file.size, "content_type": f.file.content_type}
                  for f in m.files if may_have_file(current_user, m, f.role)},
    })


@bp.get("/openapi.json")
@allow(PUBLIC)
def openapi():
    return jsonify(document())
