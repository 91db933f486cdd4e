"""Subtitles that survive real files: Windows-1252 and UTF-16 SRT, WebVTT with styles, regions,
settings, voices, ruby and NUL; the original track served to the player from the portal on
both storages (S3 over real HTTP on moto), the clean text in the transcript and search, the
uploader told what was assumed, errors naming the line; the importer under the form's rules."""
import hashlib
import io
import json

from sqlalchemy import select

from portal.extensions import db
from portal.library.models import Material
from portal.storage import get_storage
from portal.storage.http import SANDBOX_CSP

SRT_FR = ("1\r\n00:00:01,000 --> 00:00:04,000\r\nLa gestion des déchets commence à la maison.\r\n"
          "\r\n2\r\n00:00:05,000 --> 00:00:08,000\r\n{\\an8}Ça coûte très cher, n’est-ce pas ?"
          "\r\n")
SRT_ES = "1\r\n00:00:02,000 --> 00:00:05,000\r\nLa gestión de residuos empieza en casa.\r\n"
VTT_TALK = (
    "\ufeffWEBVTT\r\n\r\nSTYLE\r\n::cue(v[voice=\"Dr. Sato\"]) { color: yellow }\r\n\r\n"
    "REGION\r\nid:top width:50% lines:2\r\n\r\n"
    "welcome\r\n00:00:01.000 --> 00:00:03.000 region:top align:start\r\n"
    "<v Dr. Sato>Les dé<i>ch</i>ets de Kitakyushu</v>\r\n\r\n"
    "00:00:03.000 --> 00:00:05.000 line:0\r\n<v Dr. Sato>sont triés\x00 en dix catégories.\r\n\r\n"
    "00:00:06.000 --> 00:00:08.000\r\n<v Ana Pérez><ruby>北九州<rt>きたきゅうしゅう</rt></ruby>"
    " et Bilbao.\r\n")


def _material(app, slug):
    with app.app_context():
        return db.session.scalar(select(Material).where(Material.slug == slug))


def _stored_vtt(app, slug, lang):
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        track = m.track(lang)
        with get_storage().open(track.file.key) as f:
            return f.read(), track


def _send(client, slug, lang, data: bytes, name="subs.srt"):
    return client.submit("/library/m/%s/subtitles" % slug,
                         {"lang": lang, "subtitles": (io.BytesIO(data), name)},
                         page="/library/m/%s/edit" % slug, content_type="multipart/form-data")


def test_windows_1252_and_utf16_srt_are_read_and_the_uploader_told(app, login_as, lib, client):
    instructor, user = login_as("instructor", language="fr")
    lib.add("dechets", {"fr": "Les déchets"}, created_by_id=user.id)
    response = _send(instructor, "dechets", "fr", SRT_FR.encode("cp1252"))
    assert response.status_code == 302
    page = instructor.get(response.headers["Location"]).get_data(as_text=True)
    # Told at once (and kept on the edit page): read as Windows-1252, a guess, check the accents.
    assert page.count("lu comme du Windows-1252 (Europe occidentale), par supposition") == 2
    data, track = _stored_vtt(app, "dechets", "fr")
    text = data.decode("utf-8")  # stored as UTF-8, accents intact
    assert "La gestion des déchets commence à la maison." in text
    assert "00:00:05.000 --> 00:00:08.000 line:0\nÇa coûte très cher" in text  # {\an8}: top
    assert (track.source_format, track.encoding, track.encoding_confident) == (
        "srt", "cp1252", False)
    assert lib.ids("dechets") == ["dechets"] and lib.ids("categorie") == []
    # The material page says it to its editors, beside the transcript; readers see the text.
    assert "par supposition" in instructor.get("/library/m/dechets").get_data(as_text=True)
    public = client.get("/library/m/dechets").get_data(as_text=True)
    assert "Ça coûte très cher" in public and "supposition" not in public

    # Excel's "Unicode text" (UTF-16 with its byte order mark) is SRT too, and certain.
    assert _send(instructor, "dechets", "es", SRT_ES.encode("utf-16")).status_code == 302
    data, track = _stored_vtt(app, "dechets", "es")
    assert "La gestión de residuos" in data.decode("utf-8") and track.encoding == "utf-16-le"
    assert lib.ids("residuos") == ["dechets"]
    edit = instructor.get("/library/m/dechets/edit").get_data(as_text=True)
    assert "lu comme du UTF-16 (Unicode) et enregistré en UTF-8" in edit


def test_errors_name_the_line_in_the_readers_language(app, login_as, lib):
    instructor, user = login_as("instructor", language="fr")
    lib.add("talk", created_by_id=user.id)
    bad = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:03,000 --> 00:00:04,000\nx\n"
    response = _send(instructor, "talk", "fr", bad.encode(), "talk.vtt")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Sous-titres en" in page and "Ligne 6 : l’horaire « 00:00:03,000 --> " \
        "00:00:04,000 » n’est pas valide" in page.replace("&gt;", ">")
    english, user = login_as("instructor")
    lib.add("talk-en", created_by_id=user.id)
    page = _send(english, "talk-en", "en", b"Title\n\n1\n00:00:01,000 --> 00:00:02,000\nx\n"
                 ).get_data(as_text=True)
    assert "Line 1: a cue number or a timing such as 00:01:02,500 --&gt; 00:01:04,000 was " \
           "expected here, not “Title”." in page
    assert _material(app, "talk").subtitles == []


def test_the_player_gets_the_original_track_and_the_transcript_the_clean_text(app, client, lib,
                                                                            backend):
    lib.add("kitakyushu", subtitles={"fr": VTT_TALK.encode("utf-8")})
    stored, track = _stored_vtt(app, "kitakyushu", "fr")
    assert track.file.backend == backend.name
    response = client.get("/library/m/kitakyushu/subtitles/fr.vtt")
    # From the portal itself on both storages: a <track> never follows a redirect to S3.
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The view's own policy and caching, not the pages' defaults beside them.
    assert response.headers.getlist("Content-Security-Policy") == [SANDBOX_CSP]
    assert response.headers.getlist("Cache-Control") == ["private, no-cache"]
    body = response.get_data()
    assert body == stored
    assert response.headers["ETag"] == '"%s"' % hashlib.sha256(body).hexdigest()
    text = body.decode("utf-8")
    for kept in ("STYLE\n::cue(v[voice=\"Dr. Sato\"])", "REGION\nid:top width:50% lines:2",
                 "welcome\n00:00:01.000 --> 00:00:03.000 region:top align:start",
                 "<v Dr. Sato>Les dé<i>ch</i>ets", "<ruby>北九州<rt>", "triés\ufffd en"):
        assert kept in text
    assert "\r" not in text and "\x00" not in text and not text.startswith("\ufeff")
    again = client.get("/library/m/kitakyushu/subtitles/fr.vtt",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""

    page = client.get("/library/m/kitakyushu?tl=fr").get_data(as_text=True)
    assert page.count('class="library-speaker">Dr. Sato:</b>') == 1  # named where it changes
    assert 'class="library-speaker">Ana Pérez:</b> 北九州(きたきゅうしゅう) et Bilbao.' in page
    assert "Les déchets de Kitakyushu</li>" in page and "dé ch ets" not in page
    transcript = client.get("/library/m/kitakyushu/transcript/fr.txt").get_data(as_text=True)
    assert transcript.splitlines()[0] == "[0:01] Dr. Sato: Les déchets de Kitakyushu"
    assert lib.ids("dechets") == ["kitakyushu"] and lib.ids("kitakyushu") == ["kitakyushu"]


def test_tracks_follow_the_download_rule_and_a_lost_object_is_a_404(app, client, lib, backend,
                                                                    login_as, enrolled, vtt):
    lib.add("members", subtitles={"en": vtt((1, "For members only"))}, visibility="course",
            courses=["WASTE-2026"])
    assert client.get("/library/m/members/subtitles/en.vtt").status_code == 404
    member, user = login_as("participant")
    enrolled(user.id, "WASTE-2026")
    assert member.get("/library/m/members/subtitles/en.vtt").status_code == 200
    assert member.get("/library/m/members/subtitles/fr.vtt").status_code == 404
    _, track = _stored_vtt(app, "members", "en")
    with app.app_context():
        get_storage().delete(track.file.key)
    assert member.get("/library/m/members/subtitles/en.vtt").status_code == 404


def _manifest(folder, items, files):
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    path = folder / "manifest.json"
    path.write_text(json.dumps({"materials": items}), encoding="utf-8")
    return path


def test_the_importer_tells_what_it_assumed_and_names_the_line(app, runner, lib, tmp_path):
    manifest = _manifest(tmp_path, [
        {"id": "dechets", "kind": "video", "title": {"fr": "Les déchets"},
         "subtitles": {"fr": "subs/dechets.fr.srt"}},
        {"id": "broken", "kind": "video", "title": {"en": "Broken"},
         "subtitles": {"en": "subs/broken.vtt"}},
    ], {"subs/dechets.fr.srt": SRT_FR.encode("cp1252"),
        "subs/broken.vtt": b"WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03.000 --> 00:04\nx\n"})
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert result.exit_code == 1
    assert "1 created, 0 updated, 1 errors" in result.output
    assert ("note    dechets: subtitles fr (subs/dechets.fr.srt): This file is not in "
            "UTF-8: it was read as Windows-1252 (Western European), a guess.") in result.output
    assert ("error   broken: subtitles en (subs/broken.vtt): Line 6: the timing “00:03.000 "
            "--> 00:04” is not valid.") in result.output
    assert "subtitles_invalid" not in result.output
    assert lib.ids("dechets") == ["dechets"]


def test_mkv_is_refused_by_the_importer_as_by_the_upload_form(app, runner, login_as, tmp_path,
                                                              mkv_video, tiny_video):
    manifest = _manifest(tmp_path, [
        {"id": "mkv-talk", "kind": "video", "title": {"en": "Talk"}, "file": "media/talk.mkv"},
        {"id": "mp4-talk", "kind": "video", "title": {"en": "Talk"}, "file": "media/talk.mp4"},
        {"id": "named-wrong", "kind": "video", "title": {"en": "Talk"},
         "file": "media/fake.mp4"},
        {"id": "not-a-video", "kind": "video", "title": {"en": "Talk"},
         "file": "media/report.pdf"},
    ], {"media/talk.mkv": mkv_video, "media/talk.mp4": tiny_video,
        "media/fake.mp4": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "media/report.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"})
    result = runner.invoke(args=["library", "import", str(manifest)])
    assert "1 created, 0 updated, 3 errors" in result.output
    refusal = "Files of this type (.mkv) are not accepted here."
    assert "error   mkv-talk: file talk.mkv: %s" % refusal in result.output
    assert "error   named-wrong: file fake.mp4: The content of this file (.pdf) does not " \
           "match its name (.mp4)." in result.output
    assert "error   not-a-video: file report.pdf: its content is application/pdf, not a " \
           "video" in result.output
    assert _material(app, "mkv-talk") is None and _material(app, "mp4-talk") is not None
    # The upload form: the same file, the same sentence.
    instructor, _ = login_as("instructor")
    form = {"kind": "video", "title_en": "Talk", "title_fr": "", "title_es": "", "title_ja": "",
            "description_en": "", "description_fr": "", "description_es": "",
            "description_ja": "", "keywords": "", "year": "", "audio_language": "",
            "producer": "", "courses": "", "visibility": "public", "file_id": "",
            "file": (io.BytesIO(mkv_video), "talk.mkv")}
    page = instructor.submit("/library/new", form, content_type="multipart/form-data")
    assert page.status_code == 400 and refusal in page.get_data(as_text=True)
