"""Library rules: materials, their files and subtitles, views. Services only flush."""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import ipaddress
import re
import shutil
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from media_index.transcripts import Subtitles, TranscriptError, cue_rows, read_subtitles

from .. import audit, dates
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db, read_rows
from ..i18n import CONTENT_LANGUAGES
from ..storage import get_storage
from ..text import Decoded, decode_text
from ..uploads.models import StoredFile
from ..uploads.services import new_key
from .models import (
    ORIGINAL,
    Material,
    MaterialFile,
    MaterialView,
    SubtitleTrack,
    is_audio_recording,
    is_coming_soon,
)
from .permissions import may_view

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
LIBRARY_PURPOSE = "library"   # files the library makes itself (renditions, posters, WebVTT)
SUBTITLE_LANGUAGES = CONTENT_LANGUAGES
SUBTITLE_MAX = 5 * 1024 * 1024  # bytes of one subtitle file, from the form or the importer


class LibraryError(DomainError, ValueError):
    """Bad input for a library rule; ``code`` is stable, the view translates it."""

    messages = "portal.library.messages"


def get_material(slug: str) -> Material | None:
    if not isinstance(slug, str) or not SLUG.match(slug):
        return None
    return db.session.scalar(select(Material).where(Material.slug == slug))


def visible_material(user, slug: str) -> Material | None:
    """The material if ``user`` may see it; anything else is as good as missing."""
    material = get_material(slug)
    return material if may_view(user, material) else None


@dataclass(frozen=True)
class Card:
    """What a result card shows of a material (``templates/library/_card.html``): read as
    columns, three queries for a page of results, no ORM objects. ``subtitles``: rows of
    ``lang`` and ``automatic``, by language."""
    slug: str
    kind: str
    title: dict
    year: int | None
    duration_s: int | None
    audio_language: str | None
    visibility: str
    allow_download: bool
    view_count: int
    subtitles: tuple
    is_audio: bool
    coming_soon: bool


@cache
def _card_queries():
    """Built once: the materials' columns, their files' roles (with the original's content
    type: "Audio" on a card is read from it) and their subtitle languages."""
    ids = bindparam("ids", expanding=True)
    return (select(Material.id, Material.slug, Material.kind, Material.title, Material.year,
                   Material.duration_s, Material.audio_language, Material.visibility,
                   Material.allow_download, Material.view_count)
            .where(Material.slug.in_(bindparam("slugs", expanding=True))),
            select(MaterialFile.material_id, MaterialFile.role, StoredFile.content_type)
            .outerjoin(StoredFile, StoredFile.id == MaterialFile.file_id)
            .where(MaterialFile.material_id.in_(ids)),
            select(SubtitleTrack.material_id, SubtitleTrack.lang, SubtitleTrack.automatic)
            .where(SubtitleTrack.material_id.in_(ids)).order_by(SubtitleTrack.lang))


@cache
def _titles_query():
    return (select(Material.slug, Material.title, Material.allow_download)
            .where(Material.slug.in_(bindparam("slugs", expanding=True))))


def materials_in_order(slugs: list[str], details: bool = True) -> list:
    """Materials for index hits, in the hits' order (hits for deleted rows are dropped).
    ``details``: each a ``Card`` (result cards); else rows of what the API shows (``slug``,
    ``title``, ``allow_download``), in one query."""
    if not slugs:
        return []
    found = _cards(slugs) if details else {
        r.slug: r for r in read_rows(_titles_query(), {"slugs": slugs})}
    return [found[s] for s in slugs if s in found]


def _cards(slugs: list[str]) -> dict[str, Card]:
    materials, files_query, tracks_query = _card_queries()
    rows = read_rows(materials, {"slugs": slugs})
    files, tracks = _by_material(files_query, rows), _by_material(tracks_query, rows)
    return {r.slug: _card(r, files[r.id], tracks[r.id]) for r in rows}


def _by_material(query, materials: list) -> dict[int, list]:
    """The rows of ``query`` (its ``material_id`` first) for each of these materials."""
    found: dict[int, list] = {m.id: [] for m in materials}
    if found:
        for row in read_rows(query, {"ids": list(found)}):
            found[row.material_id].append(row)
    return found


def _card(material, files: list, tracks: list) -> Card:
    original = next((f.content_type for f in files if f.role == ORIGINAL), None)
    return Card(material.slug, material.kind, material.title, material.year,
                material.duration_s, material.audio_language, material.visibility,
                material.allow_download, material.view_count, tuple(tracks),
                is_audio_recording(material.kind, original),
                is_coming_soon(f.role for f in files))


def store_file(stream: IO[bytes], name: str, content_type: str, uploader_id: int | None,
               purpose: str = LIBRARY_PURPOSE) -> StoredFile:
    """Write a file the library made (or imported) to storage under a server-made key."""
    storage = get_storage()
    key = new_key()
    result = storage.write(key, stream, content_type=content_type)
    stored = StoredFile(backend=storage.name, key=key, name=name[:255], size=result.size,
                        sha256=result.sha256, content_type=content_type, purpose=purpose,
                        uploader_id=uploader_id)
    db.session.add(stored)
    db.session.flush()
    return stored


def copy_stored(key: str, target: Path) -> None:
    """Copy the stored file ``key`` to the local file ``target``, for a program that reads
    files (ffmpeg, the speech engine, a document reader)."""
    with get_storage().open(key) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def attach_file(material: Material, role: str, stored: StoredFile) -> None:
    for existing in material.files:
        if existing.role == role:
            existing.file = stored
            existing.file_id = stored.id
            material.updated_at = utcnow()
            return
    material.files.append(MaterialFile(role=role, file=stored, file_id=stored.id))
    material.updated_at = utcnow()


def read_subtitle_file(data: bytes) -> tuple[Subtitles, Decoded]:
    """Read an uploaded subtitle file: WebVTT (by the spec's parser) or SRT (leniently), in
    any encoding ``portal.text.decode_text`` reads. Raises LibraryError: ``subtitles_too_large``
    or ``subtitles_<code>`` with the line it is about (media_index.transcripts' codes)."""
    if len(data) > SUBTITLE_MAX:
        raise LibraryError("subtitles_too_large")
    decoded = decode_text(data)
    return _read(decoded.text), decoded


def _read(text: str) -> Subtitles:
    try:
        return read_subtitles(text)
    except TranscriptError as exc:
        params = dict(exc.params, line=exc.line) if exc.line else dict(exc.params)
        raise LibraryError("subtitles_" + exc.code, **params) from None


def _check_language(lang: str) -> None:
    if lang not in SUBTITLE_LANGUAGES:
        raise LibraryError("language_invalid")


def set_subtitles(material: Material, lang: str, data: bytes, uploader_id: int | None
                  ) -> SubtitleTrack:
    """Store an uploaded subtitle file (WebVTT or SRT, bytes) as ``lang``'s track. The track
    says how it was read (``encoding``, ``encoding_confident``, ``notes``): tell the uploader
    (``messages.track_notes``)."""
    _check_language(lang)
    subtitles, decoded = read_subtitle_file(data)
    return _store_track(material, lang, subtitles, uploader_id, decoded.encoding,
                        decoded.confident)


def subtitle_problems(files: dict[str, bytes]) -> dict[str, tuple[str, dict]]:
    """What ``set_subtitles`` refuses in each language's file (``{lang: bytes}``), by language,
    every refused language at once: a new material's form says them with its other problems
    before anything is stored."""
    problems = {}
    for lang, data in files.items():
        try:
            _check_language(lang)
            read_subtitle_file(data)
        except LibraryError as refused:
            problems[lang] = (refused.code, refused.params)
    return problems


def _notes(subtitles: Subtitles) -> list[dict]:
    if not subtitles.backwards:
        return []
    return [{"code": "backwards", "count": len(subtitles.backwards),
             "line": subtitles.backwards[0]}]


def _store_track(material: Material, lang: str, subtitles: Subtitles, uploader_id: int | None,
                 encoding: str, confident: bool) -> SubtitleTrack:
    vtt = subtitles.vtt.encode("utf-8")
    rows = cue_rows(subtitles.cues)
    track = material.track(lang)
    reading = {"source_format": subtitles.format, "encoding": encoding,
               "encoding_confident": confident, "notes": _notes(subtitles)}
    if track is not None and track.cues == rows and \
            track.file.sha256 == hashlib.sha256(vtt).hexdigest():
        # The same subtitles again (a catalogue imported twice): nothing stored, nothing to
        # index; only how the file was read is updated, if it was read differently.
        for name, value in reading.items():
            if getattr(track, name) != value:
                setattr(track, name, value)
        return track
    stored = store_file(io.BytesIO(vtt), "%s.%s.vtt" % (material.slug, lang), "text/vtt",
                        uploader_id)
    if track is None:
        track = SubtitleTrack(lang=lang, file=stored, file_id=stored.id, cues=rows, **reading)
        material.subtitles.append(track)
    else:
        track.file, track.file_id, track.cues = stored, stored.id, rows
        for name, value in reading.items():
            setattr(track, name, value)
    material.updated_at = utcnow()
    db.session.flush()
    return track


def remove_subtitles(material: Material, lang: str) -> bool:
    track = material.track(lang)
    if track is None:
        return False
    material.subtitles.remove(track)
    material.updated_at = utcnow()
    db.session.flush()
    audit.record("material.subtitles_remove", material, slug=material.slug, lang=lang)
    return True


def viewer_key(user, request) -> str:
    """Whom a view counts for: the account, else the anonymous visitor as their address and
    browser (a keyed hash, nothing readable kept), so a fresh session is the same visitor.
    IPv6 addresses count by their /64, which one household or phone usually holds whole."""
    if getattr(user, "is_authenticated", False):
        return "u:%d" % user.id
    address = request.remote_addr or ""
    if ":" in address:
        with contextlib.suppress(ValueError):
            address = str(ipaddress.ip_network(address + "/64", strict=False).network_address)
    agent = request.headers.get("User-Agent", "")[:300]
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return "a:" + hmac.new(key, ("%s|%s" % (address, agent)).encode(),
                           hashlib.sha256).hexdigest()[:40]


def record_view(material: Material, viewer: str, today: date | None = None) -> bool:
    """Count one view per viewer per day; returns True when this one counted."""
    today = today or dates.today()
    exists = db.session.scalar(select(MaterialView.id).where(
        MaterialView.material_id == material.id, MaterialView.viewer == viewer,
        MaterialView.day == today))
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(MaterialView(material_id=material.id, viewer=viewer, day=today))
    except IntegrityError:  # the same viewer in two tabs at once
        return False
    material.view_count = (material.view_count or 0) + 1
    db.session.flush()
    return True


def reader_language(lang: str | None) -> str:
    return lang if lang in SUBTITLE_LANGUAGES else "en"

