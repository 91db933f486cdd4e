"""Catalogue import and export: a folder described by ``manifest.json`` (see docs/LIBRARY.md).

Import is idempotent by id: importing again updates, never duplicates. Each item is loaded in
its own savepoint, so one item's error is reported and the others still load.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from media_index.schema import KINDS, VISIBILITIES

from .. import jobs
from ..courses.vocabulary import SUBJECTS
from ..domain_errors import explain
from ..extensions import db
from ..i18n import CONTENT_LANGUAGES, DEFAULT_LANGUAGE, clean_translations
from ..storage import get_storage
from ..uploads.checks import HEAD_SIZE, ZIP_TYPES, UploadRefused, check_archive, check_upload
from ..uploads.purposes import get_purpose
from .messages import track_notes
from .models import DOCUMENT, FAILED, ORIGINAL, READY, Material, MaterialKind, Visibility
from .outbox import SYNC_JOB
from .services import SLUG, LibraryError, attach_file, get_material, set_subtitles, store_file

MEDIA_PREFIXES = ("video/", "audio/")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (id or #n, message)
    # Loaded, but the processing of its video failed: (id, reason); or it decodes shorter than
    # it declares: (id, "declared s, decoded s").
    failed: list[tuple[str, str]] = field(default_factory=list)
    incomplete: list[tuple[str, str]] = field(default_factory=list)
    # Loaded, with something its uploader should check: (id, what), e.g. subtitles read as
    # Windows-1252 by a guess. Not an error.
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.failed or self.incomplete)


class ItemError(ValueError):
    pass


class ManifestError(ValueError):
    """The manifest itself cannot be read: no item is loaded."""


def _texts(value, name: str, required: bool = False) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ItemError("%s must be an object of language: text" % name)
    texts = clean_translations(value)
    if required and not texts:
        raise ItemError("at least one %s in %s is required" % (name, "/".join(CONTENT_LANGUAGES)))
    return texts


def _strings(value, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ItemError("%s must be a list of strings" % name)
    return [v.strip() for v in value if v.strip()]


def _whole_number(value, name: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ItemError("%s must be a whole number" % name)
    return value


def _subtitle_paths(value) -> dict:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ItemError("subtitles must be an object of language: path")
    return value


def _language_code(value) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 8):
        raise ItemError("audio_language must be a language code")
    return value


def _optional_string(value, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ItemError("%s must be a string" % name)
    return value


def validate(item) -> dict:
    """Check one manifest item; returns the clean values or raises ItemError."""
    if not isinstance(item, dict):
        raise ItemError("an item must be an object")
    slug = item.get("id")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ItemError("id must be a slug (a-z, 0-9, -), got %r" % (slug,))
    if item.get("kind") not in KINDS:
        raise ItemError("kind must be one of %s" % ", ".join(KINDS))
    subjects = _strings(item.get("subjects"), "subjects")
    unknown = [s for s in subjects if s not in SUBJECTS]
    if unknown:
        raise ItemError("unknown subjects: %s" % ", ".join(unknown))
    visibility = item.get("visibility", Visibility.PUBLIC)
    if visibility not in VISIBILITIES:
        raise ItemError("visibility must be one of %s" % ", ".join(VISIBILITIES))
    year = _whole_number(item.get("year"), "year")
    duration = _whole_number(item.get("duration_s"), "duration_s")
    subtitles = _subtitle_paths(item.get("subtitles") or {})
    lang = _language_code(item.get("audio_language"))
    file = _optional_string(item.get("file"), "file")
    producer = _optional_string(item.get("producer"), "producer")
    return {"slug": slug, "kind": item["kind"], "title": _texts(item.get("title"), "title", True),
            "description": _texts(item.get("description"), "description"),
            "subjects": subjects, "keywords": _strings(item.get("keywords"), "keywords"),
            "courses": _strings(item.get("courses"), "courses"), "year": year,
            "audio_language": lang, "duration_s": duration, "visibility": visibility,
            "producer": producer, "file": file, "subtitles": subtitles}


def _inside(base: Path, relative: str) -> Path:
    path = (base / relative).resolve()
    if base.resolve() not in path.parents or not path.is_file():
        raise ItemError("file not found in the manifest's folder: %s" % relative)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checked_type(path: Path, kind: str) -> str:
    """The file's type by content, checked by the same rules as the upload form (the
    ``material`` purpose: types, size, archives); refused with the form's words. A video
    item needs a video or audio file, a document item any other accepted type."""
    policy = get_purpose("material").policy
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            content_type = check_upload(path.name, f.read(HEAD_SIZE), size, policy)
            if content_type in ZIP_TYPES:
                check_archive(f, size, policy)
    except UploadRefused as refused:
        raise ItemError("file %s: %s" % (path.name, explain(refused))) from None
    if (kind == MaterialKind.VIDEO) != content_type.startswith(MEDIA_PREFIXES):
        raise ItemError("file %s: its content is %s, not a %s" % (path.name, content_type, kind))
    return content_type


# What a manifest item sets on its material as given; the duration only when the item has one.
_FIELDS = ("kind", "title", "description", "subjects", "keywords", "courses", "year",
           "audio_language", "visibility", "producer")


def _load_item(values: dict, base: Path, user_id: int | None, notes: list) -> bool:
    material, created = _material(values["slug"], user_id)
    for name in _FIELDS:
        setattr(material, name, values[name])
    if values["duration_s"] is not None:
        material.duration_s = values["duration_s"]
    db.session.flush()
    if values["file"]:
        _load_file(material, _inside(base, values["file"]), values["kind"], user_id)
    for lang, relative in values["subtitles"].items():
        notes.extend(_load_subtitles(material, lang, base, relative, user_id))
    db.session.flush()
    return created


def _material(slug: str, user_id: int | None) -> tuple[Material, bool]:
    """The material of this id, and whether it is new (then added to the session)."""
    material = get_material(slug)
    if material is not None:
        return material, False
    material = Material(slug=slug, state=READY, created_by_id=user_id)
    db.session.add(material)
    return material, True


def _load_file(material: Material, path: Path, kind: str, user_id: int | None) -> None:
    """Store the item's file unless the material already has the same one; a video whose
    processing failed on that same file is processed again."""
    role = ORIGINAL if kind == MaterialKind.VIDEO else DOCUMENT
    current = material.file(role)
    if current is None or current.sha256 != _sha256(path):
        _store_new_file(material, role, path, kind, user_id)
    elif role == ORIGINAL and material.state == FAILED:
        from .processing import queue as queue_processing
        queue_processing(material)


def _store_new_file(material: Material, role: str, path: Path, kind: str,
                    user_id: int | None) -> None:
    """Check, store and attach the file; then queue what follows: a video's processing, a
    document's preview."""
    content_type = checked_type(path, kind)
    with path.open("rb") as f:
        stored = store_file(f, path.name, content_type, user_id, purpose="material")
    attach_file(material, role, stored)
    if kind == MaterialKind.VIDEO:
        from .processing import queue as queue_processing
        queue_processing(material)
    else:
        from .manage import queue_preview
        queue_preview(material, stored)


def _load_subtitles(material: Material, lang: str, base: Path, relative: str,
                    user_id: int | None) -> list[str]:
    """Set one subtitle track from its file; returns what its uploader should check."""
    path = _inside(base, relative)
    try:
        track = set_subtitles(material, lang, path.read_bytes(), user_id)
    except LibraryError as exc:
        raise ItemError("subtitles %s (%s): %s" % (lang, relative, explain(exc))) from None
    return ["subtitles %s (%s): %s" % (lang, relative, note) for note in track_notes(track)]


def import_manifest(manifest: Path, user_id: int | None = None) -> ImportReport:
    """Load every item of ``manifest``; commits each good item and runs its jobs here (the video
    processing too, so the report says which failed). Its messages are in English, as the
    command's own words are (the form's refusals, translated, are the same sentences)."""
    with jobs.inline(), force_locale(DEFAULT_LANGUAGE):
        return _import(manifest, user_id)


def _processing_outcome(report: ImportReport, slug: str) -> None:
    material = get_material(slug)
    if material is None or material.kind != MaterialKind.VIDEO:
        return
    if material.state == FAILED:
        report.failed.append((slug, material.failure_reason or material.failure_code or "?"))
    elif material.incomplete:
        report.incomplete.append((slug, "the file declares %s s, only %s s could be decoded"
                                  % (material.declared_duration_s, material.duration_s)))


def _import(manifest: Path, user_id: int | None) -> ImportReport:
    report = ImportReport()
    try:
        items = _items(manifest)
    except ManifestError as exc:
        report.errors.append(("manifest", str(exc)))
        return report
    seen = set()
    with jobs.held(SYNC_JOB):  # one index sync for the whole catalogue, not one an item
        for number, item in enumerate(items, 1):
            _import_item(report, item, _label(item, number), manifest.parent, user_id, seen)
    return report


def _items(manifest: Path) -> list:
    """The manifest's list of items, or a ManifestError saying why there is none."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError("cannot read %s: %s" % (manifest, exc)) from None
    items = data.get("materials") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ManifestError('expected {"materials": [...]}')
    return items


def _label(item, number: int) -> str:
    """How the report names an item: its id when it has one, else its place (``#3``)."""
    slug = item.get("id") if isinstance(item, dict) else None
    return slug if isinstance(slug, str) else "#%d" % number


def _import_item(report: ImportReport, item, label: str, base: Path, user_id: int | None,
                 seen: set) -> None:
    """Load and commit one item, or roll it back and report its error; ``seen``: the ids the
    manifest gave before it."""
    try:
        values = validate(item)
        if values["slug"] in seen:
            raise ItemError("the id appears twice in the manifest")
        seen.add(values["slug"])
        notes: list[str] = []
        created = _load_item(values, base, user_id, notes)
        jobs.commit()
    except ItemError as exc:
        db.session.rollback()  # drops the jobs this item queued
        report.errors.append((label, str(exc)))
        return
    (report.created if created else report.updated).append(values["slug"])
    report.notes.extend((values["slug"], note) for note in notes)
    _processing_outcome(report, values["slug"])


def export_catalogue(folder: Path) -> int:
    """Write every material, its original file and subtitles as a manifest folder."""
    storage = get_storage()
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "subs").mkdir(parents=True, exist_ok=True)
    items = []
    for m in db.session.execute(select(Material).order_by(Material.slug)).scalars():
        item = {"id": m.slug, "kind": m.kind, "title": m.title, "description": m.description,
                "subjects": m.subjects, "year": m.year, "audio_language": m.audio_language,
                "duration_s": m.duration_s, "visibility": m.visibility, "courses": m.courses,
                "keywords": m.keywords, "producer": m.producer}
        stored = m.file(ORIGINAL if m.kind == MaterialKind.VIDEO else DOCUMENT)
        if stored is not None:
            suffix = Path(stored.name).suffix.lower() or ".bin"
            relative = "media/%s%s" % (m.slug, suffix)
            _copy_out(storage, stored.key, folder / relative)
            item["file"] = relative
        if m.subtitles:
            item["subtitles"] = {}
            for track in m.subtitles:
                relative = "subs/%s.%s.vtt" % (m.slug, track.lang)
                _copy_out(storage, track.file.key, folder / relative)
                item["subtitles"][track.lang] = relative
        items.append({k: v for k, v in item.items() if v not in (None, [], {})})
    (folder / "manifest.json").write_text(
        json.dumps({"materials": items}, ensure_ascii=False, indent=2), encoding="utf-8")
    return len(items)


def _copy_out(storage, key: str, target: Path) -> None:
    with storage.open(key) as src, target.open("wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
