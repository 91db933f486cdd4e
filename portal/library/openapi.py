"""The OpenAPI 3 description of the JSON API (served at /api/v1/openapi.json)."""
from __future__ import annotations

from media_index.schema import KINDS, VISIBILITIES

from ..i18n import CONTENT_LANGUAGES
from .models import MaterialState


def _param(name: str, description: str, schema: dict | None = None, array: bool = False) -> dict:
    schema = schema or {"type": "string"}
    if array:
        schema = {"type": "array", "items": schema}
    param = {"name": name, "in": "query", "required": False, "description": description,
             "schema": schema}
    if array:
        param.update(style="form", explode=True)
    return param


COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
MOMENT = {"type": "object", "required": ["start_ms", "page", "text", "url"], "properties": {
    "start_ms": {"type": "integer", "nullable": True,
                 "description": "Start of the passage in a video, in milliseconds; null for "
                                "a page of a document."},
    "page": {"type": "integer", "nullable": True, "minimum": 1,
             "description": "The page of a document (PDF) holding the passage; null in a "
                            "video."},
    "text": {"type": "string", "description": "The passage; HTML with <mark> around matches."},
    "url": {"type": "string", "description": "The player at that second (?t= and #t=), or the "
            "document at that page (#page=N; the material's page when its downloads are off)."}}}
RESULT = {"type": "object", "required": ["id", "title", "url", "snippet", "moments"],
          "properties": {
              "id": {"type": "string", "description": "The material's external id."},
              "title": {"type": "string"}, "url": {"type": "string"},
              "snippet": {"type": "string", "description": "HTML with <mark> around matches."},
              "moments": {"type": "array", "maxItems": 3, "items": MOMENT}}}
CORRECTION = {
    "type": "object", "nullable": True, "required": ["query", "original", "url"],
    "description": "Set when the query as typed found nothing and its respelling did: the "
                   "results are the respelling's.",
    "properties": {
        "query": {"type": "string", "description": "The respelled query, whose results these "
                                                   "are (\"Showing results for\")."},
        "original": {"type": "string", "description": "The query as typed."},
        "url": {"type": "string", "description": "This search for the query as typed, never "
                                                 "respelled (exact=1)."}}}
SEARCH = {"type": "object", "required": ["query", "total", "page", "per_page", "pages",
                                         "results", "facets", "suggestion", "correction"],
          "properties": {
              "query": {"type": "string", "description": "The query as typed."},
              "total": {"type": "integer", "description": "Materials found (all pages)."},
              "page": {"type": "integer", "description": "The page asked for. Past the last "
                       "page, results is empty and total and pages say where they end."},
              "per_page": {"type": "integer"},
              "pages": {"type": "integer", "description": "How many pages of results there "
                                                          "are (0 when nothing was found)."},
              "results": {"type": "array", "items": RESULT},
              "facets": {"type": "object", "description": "Counts over every visible match, "
                         "the filters applied.", "properties": {
                  "subject": COUNTS, "year": COUNTS, "audio_language": COUNTS,
                  "subtitle_language": COUNTS, "kind": COUNTS}},
              "suggestion": {"type": "string", "nullable": True,
                             "description": "A respelled query (\"did you mean\") when few "
                                            "materials were found."},
              "correction": CORRECTION}}
MATERIAL = {"type": "object", "required": ["id", "kind", "title", "url"], "properties": {
    "id": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
    "title": {"type": "string"}, "title_lang": {"type": "string"},
    "titles": {"type": "object", "additionalProperties": {"type": "string"}},
    "descriptions": {"type": "object", "additionalProperties": {"type": "string"}},
    "subjects": {"type": "array", "items": {"type": "string"}},
    "keywords": {"type": "array", "items": {"type": "string"}},
    "year": {"type": "integer", "nullable": True},
    "audio_language": {"type": "string", "nullable": True},
    "duration_s": {"type": "integer", "nullable": True},
    "producer": {"type": "string", "nullable": True},
    "visibility": {"type": "string", "enum": list(VISIBILITIES)},
    "state": {"type": "string", "enum": list(MaterialState)},
    "coming_soon": {"type": "boolean"}, "view_count": {"type": "integer"},
    "url": {"type": "string"},
    "subtitles": {"type": "object", "additionalProperties": {"type": "string"}},
    "subtitle_tracks": {"type": "array", "description": "The subtitle tracks; `automatic`: made "
                        "by speech recognition and not corrected by a person yet.",
                        "items": {"type": "object", "properties": {
                            "lang": {"type": "string"}, "automatic": {"type": "boolean"},
                            "url": {"type": "string"}}}},
    "files": {"type": "object", "description": "The files this caller may have, by role. When "
              "the material's downloads are off, only what its page plays or shows (the video "
              "stream, poster, preview) for whoever may not download.",
              "additionalProperties": {"type": "object", "properties": {
        "url": {"type": "string"}, "size": {"type": "integer"},
        "content_type": {"type": "string"}}}}}}
ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"}}}}}


def document() -> dict:
    lang = _param("lang", "Reader's language (%s): boosted and used for titles."
                  % ", ".join(CONTENT_LANGUAGES),
                  {"type": "string", "enum": list(CONTENT_LANGUAGES)})
    return {
        "openapi": "3.0.3",
        "info": {"title": "Portal library API", "version": "1",
                 "description": "Search the distance-learning library. Anonymous callers see "
                                "public materials; a signed-in session sees what its account "
                                "may open."},
        "paths": {
            "/api/v1/library/search": {"get": {
                "summary": "Search materials (titles, descriptions, transcripts, document text)",
                "operationId": "searchLibrary",
                "parameters": [
                    _param("q", "What to look for; empty lists everything visible."), lang,
                    _param("subject", "Subject slugs (any of).", array=True),
                    _param("year", "A year (2019) or a range (2010-2020)."),
                    _param("audio_language", "Spoken languages (any of).", array=True),
                    _param("subtitle_language", "Subtitle languages (any of).", array=True),
                    _param("kind", "video or document.", array=True),
                    _param("sort", "Order of results.",
                           {"type": "string", "enum": ["relevance", "newest", "views"]}),
                    _param("exact", "1: search for the query as typed; without it, a query "
                           "that finds nothing is answered with its respelling's results "
                           "(see correction).", {"type": "string", "enum": ["0", "1"]}),
                    _param("page", "Page number, from 1 (a value that is not one is read as "
                           "1, above 100000 as 100000).",
                           {"type": "integer", "minimum": 1, "maximum": 100000}),
                    _param("per_page", "Results per page (at most 50).",
                           {"type": "integer", "minimum": 1, "maximum": 50})],
                "responses": {"200": {"description": "A page of results.", "content": {
                    "application/json": {"schema": SEARCH}}}}}},
            "/api/v1/library/suggest": {"get": {
                "summary": "Type-ahead on titles", "operationId": "suggestTitles",
                "parameters": [_param("q", "The beginning of a title."), lang],
                "responses": {"200": {"description": "Matching titles.", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "query": {"type": "string"},
                        "suggestions": {"type": "array", "items": {"type": "object",
                                        "properties": {"id": {"type": "string"},
                                                       "title": {"type": "string"},
                                                       "lang": {"type": "string"},
                                                       "url": {"type": "string"}}}}}}}}}}}},
            "/api/v1/library/materials/{id}": {"get": {
                "summary": "One material", "operationId": "getMaterial",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string"}}, lang],
                "responses": {
                    "200": {"description": "The material.",
                            "content": {"application/json": {"schema": MATERIAL}}},
                    "404": {"description": "No such material, or not visible to the caller.",
                            "content": {"application/json": {"schema": ERROR}}}}}},
        },
    }
