"""Automatic transcripts (issue 19.1): a video without subtitles in its spoken language is
transcribed after its processing, the track is marked "automatic" wherever it is shown and is
searchable at once; staff correct it in the cue editor; re-running is safe; a hand-made track is
never overwritten; without the engine the portal says so and everything else works.

These tests put a stand-in for faster-whisper's model (its ``transcribe`` answers segments with
word times, as the real one does) behind the real job, storage, outbox, index and pages; the
real engine with a real model is tried in ``test_library_transcription_real.py``
(``make asr-check``). Every test runs on SQLite and on PostgreSQL."""
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.library import cues as cue_rules, transcription
from portal.library.models import Material, Transcription

from .test_library_pages import _form

# What the stand-in hears: (start_s, end_s, text) per word.
WORDS = [(0.5, 0.9, " Rainwater"), (0.9, 1.4, " tanks"), (1.4, 1.6, " for"),
         (1.6, 2.2, " schools."), (6.0, 6.6, " Gutters"), (6.6, 7.0, " feed"),
         (7.0, 7.6, " cisterns.")]


class StandInModel:
    """faster-whisper's ``WhisperModel`` surface the job uses: ``transcribe`` returns a lazy
    generator of segments (the work happens as they are read) and the info."""

    def __init__(self, words=WORDS, language="en", during=None, multilingual=True):
        self.words, self.language, self.during = words, language, during
        self.model = SimpleNamespace(is_multilingual=multilingual)
        self.calls = []

    def transcribe(self, path, language=None, **options):
        self.calls.append({"path": path, "language": language, **options})
        with open(path, "rb") as f:
            assert f.read(16)  # the job handed over the material's real file
        words = [SimpleNamespace(start=s, end=e, word=w) for s, e, w in self.words]

        def segments():
            if self.during:
                self.during()
            if words:
                yield SimpleNamespace(start=words[0].start, end=words[-1].end,
                                      text="".join(w.word for w in words), words=words)
        return segments(), SimpleNamespace(language=language or self.language, duration=8.0,
                                           language_probability=0.9)


@pytest.fixture
def engine(app, monkeypatch):
    """The engine "installed" with a stand-in model; ``engine.model`` can be replaced."""
    holder = SimpleNamespace(model=StandInModel(), loads=0)

    def load(config):
        holder.loads += 1
        if isinstance(holder.model, Exception):
            raise transcription.TranscriptionError("model", str(holder.model))
        return holder.model

    monkeypatch.setattr(transcription, "engine_version", lambda: "9.9-test")
    monkeypatch.setattr(transcription, "load_model", load)
    app.config["ASR_MODEL"] = "stand-in"
    return holder


def _upload(client, video, subtitles=None, **extra):
    data = _form(**extra)
    data["file"] = (io.BytesIO(video), "rain.mp4")
    for lang, vtt in (subtitles or {}).items():
        data["subtitles_" + lang] = (io.BytesIO(vtt), "rain.%s.vtt" % lang)
    response = client.submit("/library/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("/m/")[1].split("/")[0]


def _get(app, slug):
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        t = m.transcription
        tracks = {tr.lang: (tr.automatic, tr.file_id, [list(c) for c in tr.cues],
                            tr.generated_by) for tr in m.subtitles}
        return m.state, (t.state, t.lang, t.note, t.failure_code) if t else None, tracks


def _run(app, slug):
    """Queue and run the transcription of ``slug`` now, as ``flask library transcribe`` does."""
    with app.app_context(), jobs.inline():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        transcription.queue(m)
        jobs.commit()
        return transcription.transcribe(m.id)


def test_a_video_without_subtitles_is_transcribed_marked_automatic_and_found(
        app, login_as, client, engine, tiny_video):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, tiny_video)
    assert jobs.wait_idle(app)
    state, run, tracks = _get(app, slug)
    assert state == "ready" and run == ("done", "en", None, None)
    automatic, _file, cues, generated_by = tracks["en"]
    assert automatic and generated_by == "faster-whisper stand-in"
    # Cut by the words' times, a new cue after the sentence's end.
    assert cues == [[500, 2200, "Rainwater tanks for schools."], [6000, 7600,
                                                                    "Gutters feed cisterns."]]
    assert engine.model.calls[0]["language"] == "en"  # the spoken language of its metadata
    assert engine.model.calls[0]["word_timestamps"] and engine.model.calls[0]["vad_filter"]

    # Searchable at once, with the moment of the word.
    found = client.get("/api/v1/library/search?q=cisterns").get_json()
    [hit] = found["results"]
    assert hit["id"] == slug and hit["moments"][0]["start_ms"] == 6000
    # Marked wherever it is shown.
    page = client.get("/library/m/%s" % slug).get_data(as_text=True)
    assert 'label="English (automatic)"' in page
    assert "Transcript (automatic)" in page and "not checked yet" in page
    assert "Transcript (English, automatic)" in page
    assert "Gutters feed cisterns." in page
    api = client.get("/api/v1/library/materials/%s" % slug).get_json()
    assert api["subtitle_tracks"] == [{"lang": "en", "automatic": True,
                                       "url": "/library/m/%s/subtitles/en.vtt" % slug}]
    results = client.get("/library/search?q=cisterns").get_data(as_text=True)
    assert "en (automatic)" in results
    vtt = client.get("/library/m/%s/subtitles/en.vtt" % slug)
    assert vtt.status_code == 200 and b"00:00:06.000 --> 00:00:07.600" in vtt.data
    # Its staff are told, with a way to correct it.
    edit = instructor.get("/library/m/%s/edit" % slug).get_data(as_text=True)
    assert "made automatically from the speech" in edit
    assert "/library/m/%s/subtitles/en/cues" % slug in edit
    assert instructor.get("/library/m/%s/transcription" % slug).get_json()["state"] == "done"


def test_rerunning_is_safe_and_a_hand_made_track_is_never_overwritten(
        app, login_as, engine, tiny_video, vtt):
    instructor, _ = login_as("instructor")
    hand_made = vtt((1, "Written by a person"))
    with_subs = _upload(instructor, tiny_video, subtitles={"en": hand_made},
                        title_en="Subtitled")
    without = _upload(instructor, tiny_video, title_en="Bare")
    assert jobs.wait_idle(app)
    assert _get(app, with_subs)[1] is None  # never queued: it has its language's track
    assert len(engine.model.calls) == 1      # only the bare one was listened to

    first = _get(app, without)[2]["en"]
    assert _run(app, without) == "done"      # again: the same track, not a new file
    assert _get(app, without)[2]["en"] == first

    # Asked for anyway (the command, a script): the hand-made track stays.
    assert _run(app, with_subs) == "skipped"
    state, run, tracks = _get(app, with_subs)
    assert run[2] == "hand_made" and not tracks["en"][0]
    assert tracks["en"][2] == [[1000, 4000, "Written by a person"]]

    # Uploaded while the engine listened: it wins over the transcript.
    def upload_meanwhile():
        with app.app_context():
            from portal.library.services import set_subtitles
            m = db.session.scalar(select(Material).where(Material.slug == without))
            m.subtitles.remove(m.track("en"))
            db.session.flush()
            set_subtitles(m, "en", vtt((2, "Uploaded meanwhile")), None)
            jobs.commit()
    engine.model.during = upload_meanwhile
    assert _run(app, without) == "skipped"
    state, run, tracks = _get(app, without)
    assert tracks["en"][2] == [[2000, 5000, "Uploaded meanwhile"]] and not tracks["en"][0]


def test_the_language_is_detected_when_the_metadata_does_not_say(app, login_as, engine,
                                                                 tiny_video):
    engine.model = StandInModel(language="fr", words=[(1.0, 1.5, " Bonjour"),
                                                      (1.5, 2.0, " à"), (2.0, 2.5, " tous.")])
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, tiny_video, audio_language="")
    assert jobs.wait_idle(app)
    assert engine.model.calls[0]["language"] is None
    _state, run, tracks = _get(app, slug)
    assert run[:2] == ("done", "fr") and tracks["fr"][0]
    with app.app_context():
        assert db.session.scalar(select(Transcription.detected))

    # A language the library shows no subtitles in: nothing stored, and staff are told.
    engine.model = StandInModel(language="de")
    other = _upload(instructor, tiny_video, audio_language="", title_en="Other")
    assert jobs.wait_idle(app)
    assert _get(app, other)[1][:3] == ("skipped", "de", "language")
    assert "(de) is not one the library" in instructor.get(
        "/library/m/%s/edit" % other).get_data(as_text=True)


def test_an_english_only_model_refuses_another_language_and_a_failure_can_be_retried(
        app, login_as, engine, tiny_video):
    engine.model = StandInModel(multilingual=False)
    instructor, _ = login_as("instructor", language="fr")
    slug = _upload(instructor, tiny_video, audio_language="es")
    assert jobs.wait_idle(app)
    assert _get(app, slug)[1] == ("failed", "es", None, "model_language")
    assert engine.model.calls == []
    edit = instructor.get("/library/m/%s/edit" % slug).get_data(as_text=True)
    assert "anglais" in edit and "Transcrire de nouveau" in edit

    engine.model = RuntimeError("no such model: tiny")
    response = instructor.submit("/library/m/%s/transcribe" % slug, {},
                                 page="/library/m/%s/edit" % slug)
    assert response.status_code == 302 and jobs.wait_idle(app)
    assert _get(app, slug)[1][3] == "model"
    body = instructor.get("/library/m/%s/transcription" % slug).get_json()
    assert body["active"] is False and "no such model" in body["detail"]
    assert "mod" in body["message"]  # « Le modèle de reconnaissance vocale... »

    engine.model = StandInModel(language="es", words=[(0.2, 0.8, " Hola.")])
    instructor.submit("/library/m/%s/transcribe" % slug, {}, page="/library/m/%s/edit" % slug)
    assert jobs.wait_idle(app)
    assert _get(app, slug)[2]["es"][2] == [[200, 800, "Hola."]]


@pytest.mark.parametrize("lang, words", [("en", "Listening: 40%"), ("fr", "Écoute"),
                                         ("es", "Escuchando")])
def test_progress_is_shown_on_the_material_page(app, login_as, lib, lang, words):
    instructor, me = login_as("instructor", language=lang)
    with app.app_context():
        m = Material(slug="talk", title={"en": "Talk"}, kind="video", created_by_id=me.id,
                     audio_language="en")
        db.session.add(m)
        db.session.flush()
        from portal.library.services import attach_file, store_file
        attach_file(m, "original", store_file(io.BytesIO(b"x" * 10), "t.mp3", "audio/mpeg",
                                              me.id))
        db.session.add(Transcription(material_id=m.id, state="running", lang="en",
                                     progress=40))
        db.session.commit()
    app.config.update(ASR_MODEL="stand-in")
    page = instructor.get("/library/m/talk").get_data(as_text=True)
    assert 'data-processing-status="/library/m/talk/transcription"' in page
    assert '<progress max="100" value="40">' in page
    body = instructor.get("/library/m/talk/transcription").get_json()
    assert body["active"] is True and body["progress"] == 40
    assert words in body["label"].replace("\u00a0", "").replace("\u202f", "")
    assert "data-processing-status" not in app.test_client().get(
        "/library/m/talk").get_data(as_text=True)   # readers are not told


def test_staff_correct_the_cues_and_the_track_stops_being_automatic(app, login_as, engine,
                                                                     tiny_video):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, tiny_video)
    assert jobs.wait_idle(app)
    url = "/library/m/%s/subtitles/en/cues" % slug
    page = instructor.get(url).get_data(as_text=True)
    assert "data-protect=\"cues-%s-en-1\"" % slug in page       # the form protection
    assert 'value="0:06.000"' in page and "Gutters feed cisterns." in page
    assert 'for="text-0"' in page and 'name="text-4"' in page   # 2 cues + 3 empty rows
    version = _get(app, slug)[2]["en"][1]

    # Every problem at once, what was typed kept.
    bad = {"version": str(version), "rows": "5", "start-0": "0:00.5", "end-0": "zero",
           "text-0": "Rainwater tanks for schools.", "start-1": "0:07", "end-1": "0:06",
           "text-1": "Gutters feed the cisterns.", "start-2": "", "end-2": "",
           "text-2": "A new cue without times"}
    response = instructor.submit(url, bad, page=url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('aria-invalid="true"') == 4
    assert "Write a time such as" in html and "The end must come after the start." in html
    assert "Gutters feed the cisterns." in html and "A new cue without times" in html
    assert _get(app, slug)[2]["en"][1] == version                 # nothing saved

    good = {"version": str(version), "rows": "5", "start-0": "0:00.5", "end-0": "2.2",
            "text-0": "Rainwater tanks for schools.", "start-1": "0:06", "end-1": "00:00:07,6",
            "text-1": "Gutters feed the cisterns.", "start-2": "0:03", "end-2": "0:04.25",
            "text-2": "A new cue"}
    response = instructor.submit(url, good, page=url)
    assert response.status_code == 302
    automatic, new_version, cues, _by = _get(app, slug)[2]["en"]
    assert not automatic and cues == [[500, 2200, "Rainwater tanks for schools."],
                                      [3000, 4250, "A new cue"],
                                      [6000, 7600, "Gutters feed the cisterns."]]
    page = app.test_client().get("/library/m/%s" % slug).get_data(as_text=True)
    assert 'label="English"' in page and "(automatic)" not in page
    assert app.test_client().get("/library/search?q=cisterns").status_code == 200

    # The old page saved again: refused, the rows kept, the next save goes over it.
    good["text-0"] = "Removed below"
    response = instructor.submit(url, dict(good, **{"text-1": ""}), page=url)
    assert response.status_code == 409 and "changed meanwhile" in response.get_data(
        as_text=True)
    response = instructor.submit(url, {"version": str(new_version), "rows": "3",
                                       "start-0": "0:00.5", "end-0": "2.2", "text-0": "",
                                       "start-1": "0:03", "end-1": "0:04.25",
                                       "text-1": "A new cue", "start-2": "0:06",
                                       "end-2": "0:07.6", "text-2": "Cisterns."}, page=url)
    assert response.status_code == 302    # an emptied text removes its cue
    assert _get(app, slug)[2]["en"][2] == [[3000, 4250, "A new cue"], [6000, 7600, "Cisterns."]]

    # A corrected track is never overwritten by the engine.
    assert _run(app, slug) == "skipped"
    assert _get(app, slug)[2]["en"][2][1] == [6000, 7600, "Cisterns."]
    with app.app_context():
        from portal.audit import AuditEntry
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "material.subtitles_correct").limit(1))


def test_the_cue_editor_is_for_the_materials_staff(app, login_as, lib, vtt):
    lib.add("someone-elses", subtitles={"en": vtt((0, "Hello"))})
    other, _ = login_as("instructor")
    assert other.get("/library/m/someone-elses/subtitles/en/cues").status_code == 404
    participant, _ = login_as("participant")
    assert participant.get("/library/m/someone-elses/subtitles/en/cues").status_code == 403
    coordinator, _ = login_as("coordinator")
    assert coordinator.get("/library/m/someone-elses/subtitles/en/cues").status_code == 200
    assert coordinator.get("/library/m/someone-elses/subtitles/fr/cues").status_code == 404


def test_without_the_engine_the_portal_says_so_and_everything_else_works(
        app, login_as, runner, monkeypatch, tiny_video):
    monkeypatch.setattr(transcription, "engine_version", lambda: None)
    app.config["ASR_MODEL"] = "small"
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, tiny_video)
    assert jobs.wait_idle(app)
    state, run, _tracks = _get(app, slug)
    assert state == "ready" and run is None
    page = instructor.get("/library/m/%s" % slug).get_data(as_text=True)
    assert "faster-whisper) is not installed" in page
    assert "is not installed" not in app.test_client().get(
        "/library/m/%s" % slug).get_data(as_text=True)
    shown = runner.invoke(args=["config", "show"]).output
    [line] = [x for x in shown.splitlines() if x.startswith("ASR_MODEL ")]
    assert "engine NOT INSTALLED" in line
    result = runner.invoke(args=["library", "transcribe", "--all"])
    assert result.exit_code == 1 and "not installed" in result.output
    monkeypatch.setattr(transcription, "engine_version", lambda: "1.2.1")
    [line] = [x for x in runner.invoke(args=["config", "show"]).output.splitlines()
              if x.startswith("ASR_MODEL ")]
    assert "engine faster-whisper 1.2.1" in line


def test_a_command_leaves_transcripts_to_the_sweep_and_the_transcribe_command(
        app, runner, engine, tmp_path, tiny_video):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "talk.mp4").write_bytes(tiny_video)
    (tmp_path / "manifest.json").write_text(
        '{"materials": [{"id": "imported-talk", "title": {"en": "Imported talk"}, '
        '"kind": "video", "audio_language": "en", "file": "media/talk.mp4"}]}')
    result = runner.invoke(args=["library", "import", str(tmp_path / "manifest.json")])
    assert result.exit_code == 0, result.output
    assert _get(app, "imported-talk")[1][0] == "queued"   # the import did not wait for it
    assert engine.model.calls == []
    with app.app_context():
        jobs.sweep()
        jobs.commit()
    assert _get(app, "imported-talk")[1][0] == "done"

    result = runner.invoke(args=["library", "transcribe", "imported-talk"])
    assert result.exit_code == 0 and "done    imported-talk: en" in result.output
    assert runner.invoke(args=["library", "transcribe", "--all"]).output.startswith(
        "0 transcribed")


@pytest.mark.parametrize("text, ms", [("62.5", 62500), ("1:02.5", 62500), ("1:02", 62000),
                                      ("01:02:03.456", 3723456), ("00:01:02,500", 62500),
                                      (" 0:00.05 ", 50)])
def test_times_as_people_write_them(text, ms):
    assert cue_rules.parse_time(text) == ms
    assert cue_rules.parse_time(cue_rules.format_time(ms)) == ms


@pytest.mark.parametrize("text", ["", "abc", "1:60", "1:2:3:4", "-1", "1:99:00"])
def test_times_that_are_refused(text):
    assert cue_rules.parse_time(text) is None
