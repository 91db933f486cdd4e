"""The Whoosh schema of the library index.

One index holds three kinds of document, told apart by ``doc_type``:

- ``material``: one per library material, with per-language title,
  description and full-transcript fields, facets and permission fields.
- ``window``: one per ~30-second transcript window of one language, or one per
  page of a document's text (``page`` from 1, ``start_ms`` 0), pointing at
  its ``parent`` material, with ``start_ms`` and the window text. Window text
  has its own per-language fields so that material searches never score
  windows, and window searches only run for the materials on a results page.
- ``meta``: a single document recording the last outbox id applied, committed
  together with the changes it covers.

Times are integer milliseconds and timestamps integer seconds: Whoosh cannot
sort float NUMERIC fields.
"""

from __future__ import annotations

from enum import StrEnum

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import LANGUAGES, language_analyzer, spelling_analyzer, word_analyzer

MATERIAL, WINDOW, META = "material", "window", "meta"
META_ID = "__meta__"


class MaterialKind(StrEnum):
    """What a material is. Defined here, once: the portal's library stores these values
    (``portal.library.models`` takes them from here; this package never imports the portal)."""
    VIDEO = "video"
    DOCUMENT = "document"


class Visibility(StrEnum):
    """Who may find a material; `view.Allowed` turns a reader's rights into these terms."""
    PUBLIC = "public"          # anyone, signed in or not
    REGISTERED = "registered"  # anyone signed in
    COURSE = "course"          # the participants and staff of the material's courses


KINDS = tuple(MaterialKind)
VISIBILITIES = tuple(Visibility)
NO_PAGE = 2 ** 31 - 1  # what the ``page`` column reads for a window without one


def text_field(kind: str, lang: str) -> str:
    """Name of the ``kind`` field (title, description, transcript, window) for ``lang``."""
    return f"{kind}_{lang}"


def build_schema() -> Schema:
    """Return a fresh schema (each index pickles its own copy)."""
    fields = {
        "id": ID(stored=True, unique=True),
        "doc_type": ID(stored=True),
        # Material fields.
        "titles": STORED(),
        "descriptions": STORED(),
        "keywords": TEXT(analyzer=word_analyzer(), phrase=False),
        "title_words": TEXT(analyzer=word_analyzer(), phrase=False),
        "spell": TEXT(analyzer=spelling_analyzer(), phrase=False, spelling=True),
        "kind": ID(stored=True),
        "subjects": KEYWORD(stored=True, commas=True),
        "year": NUMERIC(int, bits=32, stored=True, sortable=True),
        "audio_language": ID(stored=True),
        "subtitle_languages": KEYWORD(stored=True, commas=True),
        # The language a document's text (PDF pages...) was indexed in.
        "text_language": ID(stored=True),
        "visibility": ID(stored=True),
        "courses": KEYWORD(commas=True),
        "view_count": NUMERIC(int, bits=64, stored=True, sortable=True),
        "created_ts": NUMERIC(int, bits=64, stored=True, sortable=True),
        # Window fields.
        "parent": ID(stored=True),
        # "<material id>\x1f<lang>": the windows of one material in one
        # language, read straight from the postings when finding moments.
        "parent_lang": ID(),
        "lang": ID(stored=True),
        "start_ms": NUMERIC(int, bits=64, stored=True, sortable=True),
        # The page of a document a window holds (from 1); absent on transcript windows,
        # whose column then reads as `NO_PAGE`.
        "page": NUMERIC(int, bits=32, stored=True, sortable=True),
        "end_ms": STORED(),
        "text": STORED(),
        "cues": STORED(),
        # Meta fields.
        "outbox_id": STORED(),
    }
    for lang in LANGUAGES:
        analyzer = language_analyzer(lang)
        fields[text_field("title", lang)] = TEXT(analyzer=analyzer, field_boost=1.0)
        fields[text_field("description", lang)] = TEXT(analyzer=analyzer)
        # Transcripts are long: matching phrases there would mean reading
        # thousands of positions per material, so a quoted phrase only needs
        # all its words in a transcript. Windows are matched word by word.
        fields[text_field("transcript", lang)] = TEXT(analyzer=analyzer, phrase=False)
        fields[text_field("window", lang)] = TEXT(analyzer=analyzer, phrase=False)
    return Schema(**fields)
