"""Issue 16.3: "Allow downloads" off holds on every route that serves a material's file: the
library's media route with or without ?download, the generic /files/<id> route and the URLs the
API advertises. Only what the page itself plays or shows is served to who may not download:
the stream, its audio-only rendition (a player choice for everyone, issue 18), the poster,
preview and subtitles."""
import io

import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.library.models import Material
from portal.library.services import attach_file, store_file

FILES = {"original": ("talk.mp4", "video/mp4"), "low": ("talk-low.mp4", "video/mp4"),
         "audio": ("talk.m4a", "audio/mp4"), "poster": ("poster.jpg", "image/jpeg")}


def _material(app, lib, slug, roles, allow_download, kind="video"):
    lib.add(slug, {"en": slug}, allow_download=allow_download, kind=kind)
    ids = {}
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        for role in roles:
            name, content_type = FILES.get(role, ("handbook.pdf", "application/pdf"))
            stored = store_file(io.BytesIO(b"%s bytes of %s" % (role.encode(), slug.encode())),
                                name, content_type, None)
            attach_file(m, role, stored)
            ids[role] = stored.id
        jobs.commit()
    return ids


@pytest.mark.parametrize("query", ["", "?download", "?download=0", "?inline=1", "?dl=1"])
def test_downloads_off_serves_only_the_stream_whatever_the_query(app, client, lib, query):
    _material(app, lib, "closed-video", ["original", "low", "audio", "poster"], False)
    _material(app, lib, "closed-doc", ["document", "preview"], False, kind="document")
    base = "/library/m/%s/media/%s"
    for slug, role in [("closed-video", "original"), ("closed-doc", "document")]:
        response = client.get(base % (slug, role) + query)
        assert response.status_code == 404, (role, query, response.status_code)
    for role in ("low", "audio"):  # what the player plays: the video, or audio only
        stream = client.get(base % ("closed-video", role) + query)
        if "download" in query:
            assert stream.status_code == 404   # a download is asked for: there is none
        else:
            assert stream.status_code in (200, 206), role
            assert not stream.headers.get("Content-Disposition", "").startswith("attachment")
    assert client.get(base % ("closed-video", "poster")).status_code == 200
    assert client.get(base % ("closed-doc", "preview")).status_code == 200


def test_without_a_low_rendition_the_original_is_the_stream(app, client, lib):
    _material(app, lib, "only-original", ["original"], False)
    assert client.get("/library/m/only-original/media/original").status_code in (200, 206)
    assert client.get("/library/m/only-original/media/original?download").status_code == 404


def test_the_generic_file_route_follows_the_same_rule(app, client, lib):
    ids = _material(app, lib, "closed-files", ["original", "low", "audio", "poster"], False)
    doc = _material(app, lib, "closed-doc2", ["document", "preview"], False, kind="document")
    assert client.get("/files/%d" % ids["original"]).status_code == 404
    assert client.get("/files/%d?download" % ids["original"]).status_code == 404
    assert client.get("/files/%d" % doc["document"]).status_code == 404
    assert client.get("/files/%d" % ids["low"]).status_code in (200, 206)
    assert client.get("/files/%d" % ids["audio"]).status_code in (200, 206)
    assert client.get("/files/%d" % ids["poster"]).status_code == 200


def test_the_api_advertises_only_what_may_be_had(app, client, lib, login_as):
    _material(app, lib, "closed-api", ["original", "low", "audio", "poster"], False)
    _material(app, lib, "closed-api-doc", ["document", "preview"], False, kind="document")
    _material(app, lib, "open-api", ["original", "low", "audio"], True)
    files = client.get("/api/v1/library/materials/closed-api").get_json()["files"]
    assert set(files) == {"low", "audio", "poster"}
    assert set(client.get("/api/v1/library/materials/closed-api-doc").get_json()["files"]) == {
        "preview"}
    for role, entry in files.items():
        assert client.get(entry["url"]).status_code in (200, 206), role
    assert set(client.get("/api/v1/library/materials/open-api").get_json()["files"]) == {
        "original", "low", "audio"}
    coordinator, _ = login_as("coordinator")   # manages the library: has every file
    staff = coordinator.get("/api/v1/library/materials/closed-api").get_json()["files"]
    assert set(staff) == {"original", "low", "audio", "poster"}
    assert coordinator.get(staff["audio"]["url"]).status_code == 200


def test_audio_materials_play_in_an_audio_player_and_audio_only_is_offered_to_all(
        app, client, lib):
    """An mp3 is "Audio" with an audio player; every video offers "audio only" as a player
    choice, downloads allowed or not (issue 18)."""
    lib.add("radio-talk", {"en": "Radio talk"}, allow_download=False)
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == "radio-talk"))
        attach_file(m, "original", store_file(io.BytesIO(b"ID3 mp3 bytes"), "talk.mp3",
                                              "audio/mpeg", None))
        attach_file(m, "audio", store_file(io.BytesIO(b"m4a bytes"), "talk.m4a", "audio/mp4",
                                           None))
        jobs.commit()
    page = client.get("/library/m/radio-talk").get_data(as_text=True)
    assert '<audio id="library-video"' in page and "<video" not in page
    assert "/library/m/radio-talk/media/audio" in page.split("<source")[1][:120]
    assert client.get("/library/m/radio-talk/media/audio").status_code in (200, 206)
    assert "Audio" in client.get("/library/search?q=radio").get_data(as_text=True).split(
        "radio-talk")[1][:400]
    _material(app, lib, "closed-talk", ["original", "low", "audio", "poster"], False)
    page = client.get("/library/m/closed-talk").get_data(as_text=True)
    assert 'value="audio"' in page and "Audio only (least data)" in page
    assert 'value="original"' not in page  # downloads off: no original quality
    chosen = client.get("/library/m/closed-talk?quality=audio").get_data(as_text=True)
    assert '<audio id="library-video"' in chosen and "/media/audio" in chosen


def test_the_page_offers_no_download_and_no_original_when_downloads_are_off(app, client, lib):
    _material(app, lib, "closed-page", ["original", "low", "poster"], False)
    _material(app, lib, "closed-page-doc", ["document", "preview"], False, kind="document")
    html = client.get("/library/m/closed-page?quality=original").get_data(as_text=True)
    assert "/media/low" in html.split("<source")[1][:200] and "/media/original" not in html
    doc = client.get("/library/m/closed-page-doc").get_data(as_text=True)
    assert "/media/document" not in doc and "/media/preview" in doc
