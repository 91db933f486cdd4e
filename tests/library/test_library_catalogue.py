"""Catalogue import (idempotent, per-item errors, coming soon, duration from the file) and
export (the same format, importable again)."""
import json

from sqlalchemy import func, select

from portal.extensions import db
from portal.library.models import Material, OutboxEntry
from portal.uploads.models import StoredFile

VTT_FR = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBonjour à tous.\n\n" \
         "00:01:05.500 --> 00:01:09.000\nLa gestion des déchets commence à la maison.\n"
SRT_ES = "1\n00:00:02,000 --> 00:00:05,000\nLa gestión de residuos empieza en casa.\n"


def _folder(tmp_path, items, files=None):
    for name, data in (files or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"materials": items}), encoding="utf-8")
    return manifest


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_is_idempotent_and_reports_each_bad_item(app, runner, lib, tmp_path):
    items = [
        {"id": "waste", "kind": "video", "title": {"en": "Waste", "fr": "Les déchets"},
         "subjects": ["environmental-management"], "year": 2018, "audio_language": "ja",
         "duration_s": 1260, "keywords": ["recycling"],
         "subtitles": {"fr": "subs/waste.fr.vtt", "es": "subs/waste.es.srt"}},
        {"id": "Bad Id", "kind": "video", "title": {"en": "x"}},
        {"id": "no-title", "kind": "video", "title": {}},
        {"id": "bad-subject", "kind": "video", "title": {"en": "x"}, "subjects": ["cooking"]},
        {"id": "missing-file", "kind": "video", "title": {"en": "x"}, "file": "media/none.mp4"},
        {"id": "escape", "kind": "document", "title": {"en": "x"}, "file": "../../etc/passwd"},
        {"id": "bad-subs", "kind": "video", "title": {"en": "x"},
         "subtitles": {"en": "subs/broken.vtt"}},
        "not an object",
        {"id": "doc", "kind": "document", "title": {"es": "Informe"}, "visibility": "registered",
         "file": "docs/report.pdf"},
    ]
    manifest = _folder(tmp_path, items, {
        "subs/waste.fr.vtt": VTT_FR, "subs/waste.es.srt": SRT_ES,
        "subs/broken.vtt": "WEBVTT\n\nthis is not a cue\n",
        "docs/report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"})
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 1
    assert "2 created, 0 updated, 7 errors" in result.output
    for label in ("Bad Id", "no-title", "bad-subject", "missing-file", "escape", "bad-subs",
                  "#8"):
        assert label in result.output
    waste = lib.get("waste")
    assert waste.coming_soon and waste.duration_s == 1260 and waste.state == "ready"
    assert lib.ids("dechets") == ["waste"] and lib.ids("residuos") == ["waste"]
    files, rows = _count(app, StoredFile), _count(app, Material)

    result = runner.invoke(args=["library", "import", str(manifest)])
    assert "0 created, 2 updated, 7 errors" in result.output
    assert _count(app, Material) == rows == 2
    # Nothing changed: no file stored again, nothing to re-index.
    assert _count(app, StoredFile) == files
    outbox = _count(app, OutboxEntry)
    runner.invoke(args=["library", "import", str(manifest)])
    assert _count(app, OutboxEntry) == outbox


def test_unreadable_manifest_is_an_error_not_a_crash(runner, tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{not json")
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 1 and "cannot read" in result.output
    manifest.write_text('{"materials": 3}')
    assert "expected" in runner.invoke(args=["library", "import", str(manifest)]).output


def test_video_duration_comes_from_the_file_and_renditions_are_made(app, runner, lib, tmp_path,
                                                                    tiny_video):
    manifest = _folder(tmp_path, [{"id": "clip", "kind": "video", "title": {"en": "Clip"},
                                   "duration_s": 999, "file": "media/clip.mp4"}],
                       {"media/clip.mp4": tiny_video})
    assert runner.invoke(args=["library", "import", str(manifest)]).exit_code == 0
    clip = lib.get("clip")
    assert clip.state == "ready" and clip.duration_s == 4
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == "clip"))
        roles = {f.role: f.file for f in m.files}
        assert set(roles) == {"original", "low", "audio", "poster"}
        assert roles["low"].content_type == "video/mp4"
        assert roles["poster"].content_type == "image/jpeg"


def test_export_writes_an_importable_catalogue(app, runner, lib, tmp_path, vtt):
    lib.add("exported", {"en": "Exported", "fr": "Exporté"}, {"en": vtt((3, "Hello there"))},
            subjects=["health"], year=2015, keywords=["k"])
    out = tmp_path / "out"
    result = runner.invoke(args=["library", "export", str(out)])
    assert result.exit_code == 0 and "exported 1" in result.output
    data = json.loads((out / "manifest.json").read_text())
    [item] = data["materials"]
    assert item["id"] == "exported" and item["title"]["fr"] == "Exporté"
    assert (out / item["subtitles"]["en"]).read_text().startswith("WEBVTT")
    files = _count(app, StoredFile)
    result = runner.invoke(args=["library", "import", str(out / "manifest.json")])
    assert "0 created, 1 updated, 0 errors" in result.output
    assert _count(app, StoredFile) == files and _count(app, Material) == 1
