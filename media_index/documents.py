"""Turn a material (a plain dict from the database) into index documents."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .analysis import LANGUAGES, STEMMED_LANGUAGES, WORD_PATTERN, guess_language
from .schema import KINDS, MATERIAL, META_ID, VISIBILITIES, WINDOW, MaterialKind, text_field
from .transcripts import as_cue, group_windows

MAX_PAGE_CHARS = 20_000     # a page's text kept in the index (stored for its moment)
MAX_TEXT_CHARS = 2_000_000  # a document's whole text
_WORD = re.compile(WORD_PATTERN)


class InvalidMaterial(ValueError):
    """The material dict lacks a required value or has an invalid one."""


def material_documents(material: Mapping[str, Any]) -> tuple[dict, list[dict]]:
    """Return the material document and its transcript window documents.

    ``material`` keys: id, kind, title {lang: text}, description {lang: text},
    subjects, keywords, year, audio_language, subtitle_languages, visibility,
    courses, view_count, created_ts, transcripts {lang: [cues]} where a cue is
    a `Cue`, a ``(start_ms, end_ms, text)`` tuple or a mapping, and text (a document's
    words): ``{"pages": [str], "paged": bool, "lang": str | None}``, ``paged`` when the
    parts are pages one can open at (a PDF's), ``lang`` guessed from the text when missing.
    """
    material_id = _required_id(material)
    titles = _texts(material.get("title"))
    descriptions = _texts(material.get("description"))
    keywords = material.get("keywords") or ()
    transcripts = _transcripts(material)
    pages, paged, text_lang = _text(material.get("text"))
    doc = {
        "id": material_id,
        "doc_type": MATERIAL,
        "titles": titles,
        "descriptions": descriptions,
        "kind": _choice(material, "kind", KINDS, default=MaterialKind.VIDEO),
        "visibility": _choice(material, "visibility", VISIBILITIES),
        "subjects": _csv(material.get("subjects")),
        "courses": _csv(material.get("courses")),
        "keywords": " ".join(keywords),
        "title_words": " ".join(titles.values()),
        "spell": _spelling_words(titles, keywords, transcripts, pages),
        "text_language": text_lang or "",
        "audio_language": str(material.get("audio_language") or ""),
        "subtitle_languages": _subtitle_languages(material, transcripts),
        "view_count": int(material.get("view_count") or 0),
        "created_ts": int(material.get("created_ts") or 0),
    }
    if material.get("year"):
        doc["year"] = int(material["year"])
    doc.update(_language_fields(titles, descriptions, transcripts, pages, text_lang))
    windows = _windows(material_id, transcripts)
    if paged and text_lang:
        windows += _page_windows(material_id, text_lang, pages)
    return _without_empty(doc), windows


def _transcripts(material: Mapping[str, Any]) -> dict[str, list]:
    """The cues of each language's transcript, as `Cue`s."""
    return {lang: [as_cue(c) for c in cues]
            for lang, cues in (material.get("transcripts") or {}).items()}


def _spelling_words(titles: dict, keywords, transcripts: dict, pages: list[str]) -> str:
    """The words "did you mean" may respell to: titles and keywords as they are, and the
    distinct words heard in the transcripts or read in the text."""
    heard = [c.text for cues in transcripts.values() for c in cues]
    return " ".join([*titles.values(), *keywords, *_distinct_words([*heard, *pages])])


def _subtitle_languages(material: Mapping[str, Any], transcripts: dict) -> str:
    """The languages declared, and those of the transcripts holding cues."""
    return _csv(set(material.get("subtitle_languages") or ())
                | {lang for lang, cues in transcripts.items() if cues})


def _language_fields(titles: dict, descriptions: dict, transcripts: dict, pages: list[str],
                     text_lang: str | None) -> dict[str, str]:
    """The text fields of each language the index knows: title, description, and the long
    text (the transcript's cues, then the document's pages in the text's language)."""
    fields = {}
    for lang in LANGUAGES:
        if lang in titles:
            fields[text_field("title", lang)] = titles[lang]
        if lang in descriptions:
            fields[text_field("description", lang)] = descriptions[lang]
        long_text = [c.text for c in transcripts.get(lang, ())]
        if lang == text_lang:
            long_text += pages
        if long_text:
            fields[text_field("transcript", lang)] = " ".join(long_text)
    return fields


def _text(value) -> tuple[list[str], bool, str | None]:
    """(page texts, paged, language) of a material's ``text``, within `MAX_TEXT_CHARS`."""
    if not isinstance(value, Mapping):
        return [], False, None
    pages, budget = [], MAX_TEXT_CHARS
    for part in value.get("pages") or ():
        pages.append((part.strip() if isinstance(part, str) else "")[:budget])
        budget -= len(pages[-1])
        if budget <= 0:
            break
    if not any(pages):
        return [], False, None
    lang = value.get("lang")
    if lang not in LANGUAGES:
        lang = guess_language(" ".join(pages[:5]), default=STEMMED_LANGUAGES[0])
    return pages, bool(value.get("paged")), lang


def _distinct_words(texts: list[str]) -> list[str]:
    """The distinct words of transcripts and documents worth respelling to (no numbers,
    three letters or more), for the vocabulary of "did you mean"."""
    words: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if len(word) > 2 and word not in words and not any(c.isdigit() for c in word):
                words[word] = None
    return list(words)


def _page_windows(material_id: str, lang: str, pages: list[str]) -> list[dict]:
    """One window per page holding text; its moment links to the page (``#page=N``)."""
    return [{
        "id": f"{material_id}\x1f{lang}\x1fp{number}",
        "doc_type": WINDOW,
        "parent": material_id,
        "parent_lang": parent_lang(material_id, lang),
        "lang": lang,
        "start_ms": 0,
        "page": number,
        "text": text[:MAX_PAGE_CHARS],
        "cues": (),
        text_field("window", lang): text[:MAX_PAGE_CHARS],
    } for number, text in enumerate(pages, 1) if text]


def _windows(material_id: str, transcripts: dict) -> list[dict]:
    docs = []
    for lang, cues in transcripts.items():
        if lang not in LANGUAGES:
            continue
        for number, window in enumerate(group_windows(cues)):
            docs.append({
                "id": f"{material_id}\x1f{lang}\x1f{number}",
                "doc_type": WINDOW,
                "parent": material_id,
                "parent_lang": parent_lang(material_id, lang),
                "lang": lang,
                "start_ms": window.start_ms,
                "end_ms": window.end_ms,
                "text": window.text,
                "cues": window.cue_starts,
                text_field("window", lang): window.text,
            })
    return docs


def parent_lang(material_id: str, lang: str) -> str:
    """The term naming the windows of one material in one language."""
    return f"{material_id}\x1f{lang}"


def _required_id(material: Mapping[str, Any]) -> str:
    value = material.get("id")
    if not isinstance(value, str) or not value.strip() or "\x1f" in value or value == META_ID:
        raise InvalidMaterial(f"material id must be a non-empty string, got {value!r}")
    return value


def _choice(material: Mapping[str, Any], key: str, allowed, default=None) -> str:
    value = material.get(key) or default
    if value not in allowed:
        raise InvalidMaterial(
            f"{material.get('id')}: {key} must be one of {allowed}, got {value!r}")
    return str(value)  # the plain text, never an enum member, in the stored fields


def _texts(value) -> dict[str, str]:
    return {lang: text.strip() for lang, text in (value or {}).items()
            if isinstance(text, str) and text.strip()}


def _csv(values) -> str:
    return ",".join(sorted({str(v).strip() for v in values or () if str(v).strip()}))


def _without_empty(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if v not in ("", None)}
