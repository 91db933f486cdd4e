"""Subtitle files read as browsers read them: the WebVTT parser (W3C WebVTT 6.1-6.4), SRT
read leniently, cue text to plain text without spaces inside words, errors naming the line."""
import pytest

from media_index import cuetext, srt, webvtt
from media_index.transcripts import (
    Cue,
    TranscriptError,
    as_cue,
    cue_rows,
    read_subtitles,
    to_webvtt,
)

# A real-world WebVTT file: a header, STYLE and REGION blocks, a NOTE, ids, settings, voices,
# classes, ruby, a karaoke timestamp, a NUL byte, CRLF line ends and a line of spaces.
REAL_VTT = (
    "\ufeffWEBVTT - Kitakyushu waste talk\r\n"
    "Language: fr\r\n"
    "\r\n"
    "STYLE\r\n"
    "::cue(.speaker) { color: yellow }\r\n"
    "\r\n"
    "REGION\r\n"
    "id:left width:40% lines:3 regionanchor:0%,100% viewportanchor:10%,90%\r\n"
    "\r\n"
    "NOTE written by hand, then checked\r\n"
    "\r\n"
    "intro\r\n"
    "00:01.000 --> 00:04.000 align:start line:0 region:left\r\n"
    "<v.loud Dr. Sato>Bienvenue à la <c.speaker>gestion</c> des dé<i>ch</i>ets</v>\r\n"
    "   \r\n"
    "sur deux lignes\r\n"
    "\r\n\r\n\r\n"
    "01:00:02.000 --> 01:00:05.500 position:10%,line-left size:50%\r\n"
    "<ruby>北九州<rt>きたきゅうしゅう</rt></ruby>の<00:00:03.000>工場\x00\r\n"
    "00:00:06.000 --> 00:00:06.000\r\n"
    "Zéro seconde\r\n")


def test_a_real_file_is_read_as_the_spec_says():
    track = webvtt.read(REAL_VTT)
    assert track.styles == ["::cue(.speaker) { color: yellow }"]
    assert track.regions == ["id:left width:40% lines:3 regionanchor:0%,100% "
                             "viewportanchor:10%,90%"]
    first, second, third = track.cues
    assert (first.identifier, first.start_ms, first.end_ms) == ("intro", 1000, 4000)
    assert first.settings == "align:start line:0 region:left"
    # A line of spaces is not an empty line: the cue goes on.
    assert first.text.endswith("</v>\n   \nsur deux lignes")
    # Hours, and no blank line before the next timing: a new cue (the spec's "-->" rule).
    assert (second.start_ms, second.end_ms) == (3_602_000, 3_605_500)
    assert second.settings == "position:10%,line-left size:50%"
    assert "\ufffd" in second.text and "\x00" not in second.text
    assert (third.start_ms, third.end_ms, third.line) == (6000, 6000, 22)


def test_the_player_gets_the_file_itself_and_search_the_clean_text():
    subtitles = read_subtitles(REAL_VTT)
    assert subtitles.format == "vtt"
    # The player's copy: the file as uploaded, after the spec's first step only.
    assert subtitles.vtt == webvtt.normalise(REAL_VTT)
    assert "STYLE\n::cue(.speaker)" in subtitles.vtt and "<v.loud Dr. Sato>" in subtitles.vtt
    assert "\r" not in subtitles.vtt and not subtitles.vtt.startswith("\ufeff")
    texts = [(c.start_ms, c.text, c.speaker) for c in subtitles.cues]
    assert texts == [
        (1000, "Bienvenue à la gestion des déchets sur deux lignes", "Dr. Sato"),
        (6000, "Zéro seconde", ""),
        (3_602_000, "北九州(きたきゅうしゅう)の工場\ufffd", ""),
    ]
    assert subtitles.backwards == (22,)  # kept, as browsers keep it, and reported


@pytest.mark.parametrize("text, expected", [
    ("te<i>x</i>t", ("text", ())),
    ("<b>Kita</b><u>kyushu</u>", ("Kitakyushu", ())),
    ("line one\nline two", ("line one line two", ())),
    ("fish &amp; chips &lt;3 &eacute;t&eacute; &#233;", ("fish & chips <3 été é", ())),
    ("<v Dr. Sato>Hello</v> <v Ana>Hi</v> <v Dr. Sato>again", ("Hello Hi again",
                                                                ("Dr. Sato", "Ana"))),
    ("<v   Mr.\tA  &amp; B >x", ("x", ("Mr. A & B",))),
    ("<ruby>漢字<rt>かんじ</rt></ruby>です", ("漢字(かんじ)です", ())),
    ("<ruby>漢<rt>かん</rt>字<rt>じ</ruby>", ("漢(かん)字(じ)", ())),
    ("<rt>not ruby</rt> text", ("not ruby text", ())),   # rt only counts inside ruby
    ("<lang fr>déchets</lang> <c.a.b>x</c>", ("déchets x", ())),
    ("karaoke <00:00:01.000>one <00:00:02.000>two", ("karaoke one two", ())),
    ("unclosed <i>italic", ("unclosed italic", ())),
    ("<unknown>kept</unknown>", ("kept", ())),
])
def test_cue_text_to_plain_text(text, expected):
    assert cuetext.plain(text) == expected


@pytest.mark.parametrize("stamp, ms", [
    ("00:01.000", 1000), ("01:02.003", 62003), ("00:00:01.500", 1500),
    ("100:00:00.000", 360_000_000), ("1:00:00.000", 3_600_000),
])
def test_timestamps(stamp, ms):
    assert webvtt.parse_timestamp(stamp) == (ms, len(stamp))
    assert webvtt.parse_timestamp("x " + stamp + " -->", 2) == (ms, 2 + len(stamp))


@pytest.mark.parametrize("stamp", ["00:01,000", "00:60.000", "00:00:60.000", "0:01.000",
                                   "00:01.0000", "00:01.00", "00:01", "a0:01.000", "",
                                   "75:00.000",  # over 59: hours, so seconds are missing
                                   "01:234.567", "12:34:567.890", "00:00:5.000", "00:01:.000",
                                   "00:60:00.000", "٠٠:٠١.٠٠٠"])  # units are ASCII digits
def test_invalid_timestamps(stamp):
    assert webvtt.parse_timestamp(stamp) is None


@pytest.mark.parametrize("text", ["WEBVTT", "WEBVTT\n", "WEBVTT\tx\n", "\ufeffWEBVTT -- x"])
def test_signatures(text):
    assert webvtt.read(text).cues == []


@pytest.mark.parametrize("text", ["WEBVTTX\n\n00:01.000 --> 00:02.000\nx",
                                  "\nWEBVTT\n\n00:01.000 --> 00:02.000\nx",
                                  "webvtt\n\n00:01.000 --> 00:02.000\nx"])
def test_a_bad_signature_names_line_one(text):
    with pytest.raises(TranscriptError) as error:
        read_subtitles(text, "vtt")
    assert (error.value.code, error.value.line) == ("signature", 1)


def test_header_then_cue_without_a_blank_line_and_cr_line_ends():
    track = webvtt.read("WEBVTT\rKind: captions\r00:01.000 --> 00:02.000\rHello\r\rc2\r"
                        "00:03.000-->00:04.000\rBye")
    assert [(c.identifier, c.start_ms, c.text) for c in track.cues] == [
        ("", 1000, "Hello"), ("c2", 3000, "Bye")]


def test_style_after_a_cue_is_not_a_style_and_notes_are_skipped():
    track = webvtt.read("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue { color: red }"
                        "\n\nNOTE\nanything\n\nREGION\nid:r\n")
    assert track.styles == [] and track.regions == [] and len(track.cues) == 1


def test_a_bad_timing_names_its_line():
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nfine\n\n2\n00:00:03,000 --> " \
           "00:00:04,000\ncomma, SRT style\n"
    with pytest.raises(TranscriptError) as error:
        read_subtitles(text)
    assert (error.value.code, error.value.line) == ("timing", 8)
    assert error.value.params["timing"] == "00:00:03,000 --> 00:00:04,000"
    assert str(error.value).startswith("line 8: timing")


def test_an_arrow_in_cue_text_ends_the_cue_as_in_browsers():
    with pytest.raises(TranscriptError) as error:
        read_subtitles("WEBVTT\n\n00:01.000 --> 00:02.000\nfrom A\nA --> B\n")
    assert (error.value.code, error.value.line) == ("timing", 5)


@pytest.mark.parametrize("text, code", [
    ("", "not_subtitles"), ("just some words", "not_subtitles"),
    ("WEBVTT\n\nNOTE only a note\n", "no_cues"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\n<i></i>\n", "no_cues"),
])
def test_files_without_cues(text, code):
    with pytest.raises(TranscriptError) as error:
        read_subtitles(text)
    assert error.value.code == code


# -- SRT ------------------------------------------------------------------------------------------
REAL_SRT = (
    "1\r\n00:00:01,5 --> 00:00:03,000 X1:100 X2:600 Y1:50 Y2:80\r\n"
    "{\\an8}<font color=\"#ffff00\">Gestión</font> de <i>residuos</i> & reciclaje\r\n"
    "2\r\n00:00:04.000 --> 00:00:05.250\r\n{\\an1}{\\i1}a < b > c{\\i0}\r\n\r\n"
    "desde una línea suelta\r\n\r\n\r\n"
    "3\r\n0:00:06,000 --> 0:00:07,000\r\n<b>Fin</B>\r\n")


def test_srt_read_leniently_into_webvtt():
    subtitles = read_subtitles(REAL_SRT)
    assert subtitles.format == "srt"
    assert subtitles.vtt.startswith("WEBVTT\n\n1\n00:00:01.500 --> 00:00:03.000 line:0\n"
                                    "Gestión de <i>residuos</i> &amp; reciclaje\n")
    assert "00:00:04.000 --> 00:00:05.250 align:start\na &lt; b &gt; c\ndesde una" \
        in subtitles.vtt
    assert "{" not in subtitles.vtt and "font" not in subtitles.vtt
    assert [(c.start_ms, c.end_ms, c.text) for c in subtitles.cues] == [
        (1500, 3000, "Gestión de residuos & reciclaje"),
        (4000, 5250, "a < b > c desde una línea suelta"),
        (6000, 7000, "Fin")]
    # The converted file is valid WebVTT by the same parser.
    assert len(webvtt.read(subtitles.vtt).cues) == 3


def test_srt_errors_name_the_line():
    # "->" holds no "-->": not a timing; "2" is not followed by one: the text of cue 1.
    [cue] = srt.read("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04\n")
    assert cue.text == "ok\n2\n00:00:03,000 -&gt; 00:00:04"
    with pytest.raises(TranscriptError) as error:
        srt.read("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> in 1 s\nx\n")
    assert (error.value.code, error.value.line) == ("timing", 6)
    # Lenient where it is safe: no milliseconds, one-digit parts, a dot.
    assert [(c.start_ms, c.end_ms) for c in srt.read("0:0:3 --> 0:00:04.5\nx\n")] == [
        (3000, 4500)]
    with pytest.raises(TranscriptError) as error:
        srt.read("Title of the film\n\n1\n00:00:01,000 --> 00:00:02,000\nok\n")
    assert (error.value.code, error.value.line) == ("expected_timing", 1)


def test_clean_cues_round_trip_with_speakers():
    cues = [Cue(0, 1000, "a --> b & <c>", "Dr. Sato"), Cue(2000, 3000, "plain")]
    again = read_subtitles(to_webvtt(cues)).cues
    assert again == cues and [c.speaker for c in again] == ["Dr. Sato", ""]
    assert cue_rows(again) == [[0, 1000, "a --> b & <c>", "Dr. Sato"], [2000, 3000, "plain"]]
    assert as_cue([0, 1, "x", "Ana"]).speaker == "Ana" and as_cue((0, 1, "x")).speaker == ""
