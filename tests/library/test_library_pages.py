"""Library pages: the upload-to-search journey, the player, save data, downloads, view counts,
the coordinator's statistics, three languages, and someone else's ids on every route."""
import io
import re
from datetime import date

import polib
import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.library.models import Material, MaterialView
from portal.library.services import record_view

SUBS_EN = ("WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nWelcome to the training centre.\n\n"
           "00:00:02.000 --> 00:00:03.500\nThe rainwater harvesting tank feeds the school.\n")
SUBS_FR_SRT = ("1\n00:00:00,500 --> 00:00:01,500\nBienvenue au centre de formation.\n\n"
               "2\n00:00:02,000 --> 00:00:03,500\nLa citerne d'eau de pluie alimente l'école.\n")


def _form(**extra):
    data = {"kind": "video", "title_en": "Rainwater harvesting", "title_fr": "",
            "title_es": "", "title_ja": "", "description_en": "Tanks for schools.",
            "description_fr": "", "description_es": "", "description_ja": "",
            "subjects": ["water-resources"], "keywords": "tanks, schools", "year": "2024",
            "audio_language": "en", "producer": "Okinawa Center", "courses": "",
            "visibility": "public", "allow_download": "y", "file_id": ""}
    data.update(extra)
    return data


def _upload(client, video, **extra):
    data = _form(**extra)
    data["file"] = (io.BytesIO(video), "rain.mp4")
    data["subtitles_en"] = (io.BytesIO(SUBS_EN.encode()), "rain.en.vtt")
    data["subtitles_fr"] = (io.BytesIO(SUBS_FR_SRT.encode()), "rain.fr.srt")
    return client.submit("/library/new", data, content_type="multipart/form-data")


def test_instructor_uploads_a_video_that_is_found_by_a_spoken_word(app, login_as, client,
                                                                  tiny_video):
    instructor, _ = login_as("instructor")
    response = _upload(instructor, tiny_video)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    edit_url = response.headers["Location"]
    slug = edit_url.split("/m/")[1].split("/")[0]
    assert jobs.wait_idle(app)   # processed by the background runner, after the answer
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        assert m.state == "ready" and m.duration_s == 4 and not m.incomplete
        assert {f.role for f in m.files} == {"original", "low", "audio", "poster"}
        assert sorted(t.lang for t in m.subtitles) == ["en", "fr"]
    # Searchable at once by a word spoken in it, in either language, by anyone.
    body = client.get("/api/v1/library/search?q=citerne").get_json()
    assert [r["id"] for r in body["results"]] == [slug]
    moment = body["results"][0]["moments"][0]
    assert moment["start_ms"] == 2000 and moment["url"].endswith("?t=2#t=2")
    page = client.get(moment["url"].split("#")[0])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-start="2"' in html and "#t=2" in html
    assert re.search(r'<track kind="subtitles" srclang="fr"[^>]*src="/library/m/%s/subtitles/'
                     r'fr.vtt"' % slug, html)
    vtt = client.get("/library/m/%s/subtitles/fr.vtt" % slug)
    assert vtt.status_code == 200 and vtt.get_data(as_text=True).startswith("WEBVTT")
    assert vtt.headers["X-Content-Type-Options"] == "nosniff"
    video = client.get("/library/m/%s/media/low" % slug, headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and len(video.data) == 100
    size = int(video.headers["Content-Range"].rsplit("/", 1)[1])
    # A finished download resumed: 416 with the size, so the client knows it has it all.
    past = client.get("/library/m/%s/media/low" % slug, headers={"Range": "bytes=%d-" % size})
    assert past.status_code == 416 and past.headers["Content-Range"] == "bytes */%d" % size


def test_bad_upload_keeps_what_was_typed(login_as, tiny_video):
    instructor, _ = login_as("instructor")
    data = _form(title_en="", description_en="Kept description")
    response = instructor.submit("/library/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Kept description" in response.get_data(as_text=True)
    data = _form(title_en="Broken subtitles")
    data["subtitles_en"] = (io.BytesIO(b"not subtitles at all"), "x.vtt")
    response = instructor.submit("/library/new", data, content_type="multipart/form-data")
    assert response.status_code == 400 and "WebVTT" in response.get_data(as_text=True)
    data = _form(title_en="Not a video")
    data["file"] = (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "virus.exe")
    response = instructor.submit("/library/new", data, content_type="multipart/form-data")
    assert response.status_code == 400 and "Not a video" in response.get_data(as_text=True)


def test_failed_processing_shows_its_reason_and_can_be_retried(app, login_as, monkeypatch,
                                                               tiny_video):
    from portal.library import processing

    instructor, _ = login_as("instructor")
    monkeypatch.setattr(processing, "probe_seconds", lambda path: (None, False, False))
    response = _upload(instructor, tiny_video)
    edit_url = response.headers["Location"]
    assert jobs.wait_idle(app)
    page = instructor.get(edit_url).get_data(as_text=True)
    assert "not a readable audio or video file" in page
    slug = edit_url.split("/m/")[1].split("/")[0]
    monkeypatch.undo()
    assert instructor.submit("/library/m/%s/retry" % slug, page=edit_url).status_code == 302
    assert jobs.wait_idle(app)
    with app.app_context():
        assert db.session.scalar(select(Material.state).where(Material.slug == slug)) == "ready"


def test_save_data_setting_and_header_choose_the_low_rendition(app, client, login_as,
                                                               tiny_video):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, tiny_video).headers["Location"].split("/m/")[1].split("/")[0]
    assert jobs.wait_idle(app)
    url = "/library/m/%s" % slug
    html = client.get(url).get_data(as_text=True)
    assert "/media/original" in html.split("<source")[1].split(">")[0]
    assert re.search(r"· [\d.,]+ (bytes|kB|MB)</label>", html)  # each quality's size, by Babel
    html = client.get(url, headers={"Save-Data": "on"}).get_data(as_text=True)
    assert "/media/low" in html.split("<source")[1].split(">")[0]
    client.submit("/library/save-data", {"save_data": "1", "next": url}, page=url)
    assert "/media/low" in client.get(url).get_data(as_text=True).split("<source")[1][:200]
    html = client.get(url + "?quality=original").get_data(as_text=True)
    assert "/media/original" in html.split("<source")[1][:200]
    assert client.submit("/library/save-data", {"save_data": "0", "next": "https://evil.example"},
                         page=url).headers["Location"].startswith("/")


def test_downloads_follow_the_material_setting(app, client, lib, vtt):
    lib.add("open", {"en": "Open"}, {"en": vtt((1, "hello"))})
    lib.add("closed", {"en": "Closed"}, {"en": vtt((1, "hello"))}, allow_download=False)
    text = client.get("/library/m/open/transcript/en.txt")
    assert text.status_code == 200 and text.get_data(as_text=True) == "[0:01] hello\n"
    assert text.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/library/m/closed/transcript/en.txt").status_code == 404
    assert client.get("/library/m/closed/subtitles/en.vtt").status_code == 200  # the player's
    assert client.get("/library/m/open/media/audio").status_code == 404  # no such file
    assert client.get("/library/m/open/media/secret").status_code == 404


def test_one_view_per_viewer_per_day_and_the_statistics_page(app, client, login_as, lib):
    material_id = lib.add("watched", {"en": "Watched"})
    page = "/library/m/watched"
    for _ in range(3):
        assert client.submit("/library/m/watched/view", page=page).status_code == 204
    participant, _ = login_as("participant")
    participant.submit("/library/m/watched/view", page=page)
    participant.submit("/library/m/watched/view", page=page)
    with app.app_context():
        m = db.session.get(Material, material_id)
        assert m.view_count == 2
        assert record_view(m, "u:999", date(2026, 1, 15))
        jobs.commit()
    coordinator, _ = login_as("coordinator")
    html = coordinator.get("/library/stats").get_data(as_text=True)
    assert "<svg" in html and "<rect" in html and "Watched" in html
    assert "3 views" in html and "(from 1 April)" in html
    participant_stats = participant.get("/library/stats")
    assert participant_stats.status_code == 403
    with app.app_context():
        assert db.session.query(MaterialView).count() == 3


def test_someone_elses_material_answers_404_on_every_editing_route(app, login_as, lib, vtt):
    login_as("instructor")   # the author, signed in elsewhere; the material is made unowned
    mine = lib.add("mine", {"en": "Mine"}, {"en": vtt((1, "hello"))})
    with app.app_context():
        db.session.get(Material, mine).created_by_id = None
        db.session.commit()
    other, _ = login_as("instructor")
    token_page = "/library/new"
    assert other.get("/library/m/mine/edit").status_code == 404
    assert other.submit("/library/m/mine/edit", _form(), page=token_page).status_code == 404
    assert other.submit("/library/m/mine/subtitles", {"lang": "en", "remove": "1"},
                        page=token_page).status_code == 404
    assert other.submit("/library/m/mine/retry", page=token_page).status_code == 404
    assert other.get("/library/m/nope/edit").status_code == 404
    coordinator, _ = login_as("coordinator")
    assert coordinator.get("/library/m/mine/edit").status_code == 200
    participant, _ = login_as("participant")
    assert participant.get("/library/m/mine/edit").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/library/m/mine/edit").status_code == 302


def test_owner_edits_metadata_and_subtitles(app, login_as, tiny_video):
    instructor, _ = login_as("instructor")
    edit_url = _upload(instructor, tiny_video).headers["Location"]
    slug = edit_url.split("/m/")[1].split("/")[0]
    response = instructor.submit(edit_url, _form(title_es="Cosecha de agua de lluvia",
                                                 visibility="registered"))
    assert response.status_code == 302
    response = instructor.submit("/library/m/%s/subtitles" % slug,
                                 {"lang": "es", "subtitles": (io.BytesIO(
                                     b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nEl tanque.\n"),
                                     "s.vtt")}, page=edit_url, content_type="multipart/form-data")
    assert response.status_code == 302
    bad = instructor.submit("/library/m/%s/subtitles" % slug,
                            {"lang": "es", "subtitles": (io.BytesIO(b"junk"), "s.vtt")},
                            page=edit_url, content_type="multipart/form-data")
    assert bad.status_code == 400
    anonymous = app.test_client()
    assert anonymous.get("/library/m/%s" % slug).status_code == 404  # now registered only
    body = instructor.get("/api/v1/library/search?q=tanque").get_json()
    assert [r["id"] for r in body["results"]] == [slug]


def _english_msgids():
    from pathlib import Path
    po = polib.pofile(str(Path(__file__).resolve().parents[2] /
                          "translations/fr/LC_MESSAGES/messages.po"))
    return [e.msgid for e in po if len(e.msgid.split()) >= 3 and "%(" not in e.msgid
            and e.msgstr != e.msgid]


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_pages_in_french_and_spanish(app, login_as, lib, vtt, lang):
    lib.add("page", {"en": "Page", "fr": "La page", "es": "La página"},
            {"en": vtt((1, "hello"))}, subjects=["health"])
    coordinator, _ = login_as("coordinator", language=lang)
    english = _english_msgids()
    for url in ("/library/", "/library/search?q=page", "/library/m/page", "/library/new",
                "/library/manage", "/library/stats", "/library/m/page/edit"):
        html = coordinator.get(url).get_data(as_text=True)
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))
        left = [m for m in english if m in text]
        assert not left, (url, left)
    assert ">%s<" % {"fr": "Bibliothèque", "es": "Biblioteca"}[lang] in html


def test_a_title_in_another_language_is_marked_as_such_on_every_page(app, login_as, lib, vtt):
    """A title shown in a language other than the reader's carries its ``lang`` and the name of
    its language (the house's ``content()``), on the cards, the page, the list, the statistics
    and the cue editor alike."""
    lib.add("kaizen", {"ja": "改善の現場"}, {"en": vtt((1, "hello"))})
    with app.app_context():
        record_view(db.session.scalar(select(Material).where(Material.slug == "kaizen")), "u:1")
        jobs.commit()
    coordinator, _ = login_as("coordinator", language="fr")
    marked = '<span lang="ja">改善の現場</span> <span class="fallback">(japonais)</span>'
    for url in ("/library/", "/library/m/kaizen", "/library/manage", "/library/stats",
                "/library/m/kaizen/subtitles/en/cues"):
        html = coordinator.get(url).get_data(as_text=True)
        assert marked in html, url


def test_a_file_sent_through_the_upload_layer_is_claimed_by_id(app, login_as, tiny_video):
    from werkzeug.datastructures import FileStorage

    from portal.auth.models import User
    from portal.uploads import services as uploads

    instructor, me = login_as("instructor")
    other, someone = login_as("instructor")
    with app.app_context():
        user = db.session.get(User, someone.id)
        theirs = uploads.store_form_file(user, "material", FileStorage(
            io.BytesIO(tiny_video), "clip.mp4", content_type="video/mp4")).id
        user = db.session.get(User, me.id)
        mine = uploads.store_form_file(user, "material", FileStorage(
            io.BytesIO(tiny_video), "clip.mp4", content_type="video/mp4")).id
        db.session.commit()
    refused = instructor.submit("/library/new", _form(file_id=str(theirs)),
                                content_type="multipart/form-data")
    assert refused.status_code == 400 and "Rainwater harvesting" in refused.get_data(as_text=True)
    response = instructor.submit("/library/new", _form(file_id=str(mine)),
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    slug = response.headers["Location"].split("/m/")[1].split("/")[0]
    assert jobs.wait_idle(app)
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        assert m.file("original").id == mine and m.state == "ready" and m.duration_s == 4


def test_the_form_uses_the_resumable_upload_widget_when_uploads_are_served(app, login_as):
    from portal.uploads.routes import bp as uploads_bp

    if "uploads.create" not in app.view_functions:
        app.register_blueprint(uploads_bp)
    instructor, _ = login_as("instructor")
    html = instructor.get("/library/new").get_data(as_text=True)
    assert 'data-upload' in html and 'data-purpose="material"' in html
    assert 'name="file_id"' in html and "uploader.js" in html


def test_a_long_transcript_is_shown_in_parts(app, client, lib, vtt):
    """10,000 cues would make a page of megabytes: the transcript beside the player comes in
    parts of 250, the part holding the moment asked for first, with links to the others."""
    cues = [(n * 2, "cue number %d" % n) for n in range(600)]
    lib.add("long-talk", {"en": "Long talk"}, {"en": vtt(*cues)})
    first = client.get("/library/m/long-talk").get_data(as_text=True)
    assert first.count("cue number") == 250 and "cue number 249<" in first
    assert "Part 1 of 3" in first and "Later (from 8:20)" in first and "Earlier" not in first
    at = client.get("/library/m/long-talk?t=1100").get_data(as_text=True)  # cue 550
    assert "Part 3 of 3" in at and 'start="501"' in at
    assert re.search(r'<li class="current" aria-current="true"[^>]*>\s*<a[^>]*t=1100', at)
    second = client.get("/library/m/long-talk?tp=2").get_data(as_text=True)
    assert "cue number 250<" in second and "cue number 499<" in second
    assert "cue number 500<" not in second and "Earlier (from 0:00)" in second
    assert len(second.encode()) < len(first.encode()) * 1.2
    assert client.get("/library/m/long-talk?tp=99").status_code == 200  # ignored, part 1


def test_each_cue_links_to_its_moment_with_the_transcript_and_quality_chosen(app, client, lib,
                                                                            vtt):
    """The cue links (made from one URL for the whole transcript) are what ``url_for`` makes
    for each cue: its second, the transcript's language and the quality kept."""
    from flask import url_for
    lib.add("linked-talk", {"en": "Linked talk"},
            {"en": vtt((0, "first"), (75, "second")), "fr": vtt((3, "premier"))})
    html = client.get("/library/m/linked-talk?tl=en&quality=audio").get_data(as_text=True)
    with app.test_request_context():
        want = [url_for("library.material", slug="linked-talk", t=s, tl="en", quality="audio")
                for s in (0, 75)]
    found = re.findall(r'<a href="([^"#]+)#t=(\d+)"><span class="library-time">([^<]+)<', html)
    assert found == [(want[0].replace("&", "&amp;"), "0", "0:00"),
                     (want[1].replace("&", "&amp;"), "75", "1:15")]
    french = client.get("/library/m/linked-talk?tl=fr").get_data(as_text=True)
    assert '<a href="/library/m/linked-talk?t=3&amp;tl=fr#t=3">' in french


def test_visits_per_month_are_the_last_twelve_calendar_months_across_a_new_year(app, lib):
    """The visits page's months (``manage.visits_per_month``): twelve first days of month,
    oldest first, across the new year, each view counted in its own month and none older."""
    from portal.library.manage import visits_per_month
    material_id = lib.add("counted")
    with app.app_context():
        for n, day in enumerate((date(2025, 2, 28), date(2025, 3, 1), date(2025, 12, 31),
                                 date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 14))):
            db.session.add(MaterialView(material_id=material_id, viewer="u:%d" % n, day=day))
        jobs.commit()
        months = visits_per_month(today=date(2026, 2, 15))
    assert [m for m, _ in months] == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1),
                                      date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1),
                                      date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1),
                                      date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert dict(months)[date(2025, 3, 1)] == 1 and dict(months)[date(2025, 12, 1)] == 1
    assert dict(months)[date(2026, 1, 1)] == 2 and dict(months)[date(2026, 2, 1)] == 1
    assert sum(n for _, n in months) == 5   # 28 Feb 2025 is thirteen months back
