"""Subtitle parsing and 30-second windows."""

import pytest

from media_index.transcripts import Cue, TranscriptError, group_windows, parse, to_webvtt

VTT = """WEBVTT

00:00:01.500 --> 00:00:03.250
<v Instructor>Welcome to <b>waste</b> management &amp; recycling

00:01:02.999 --> 00:01:05.000 align:start
Second cue
"""

SRT = """1
00:00:00,900 --> 00:00:02,100
<i>Gestión</i> de residuos

2
00:00:31,000 --> 00:00:33,000
Segunda línea
"""


def test_vtt_keeps_milliseconds_and_strips_tags():
    cues = parse(VTT)
    assert cues[0] == Cue(1500, 3250, "Welcome to waste management & recycling")
    assert cues[1].start_ms == 62999


def test_srt_detected_and_parsed():
    cues = parse(SRT.encode("utf-8"))
    assert cues == [Cue(900, 2100, "Gestión de residuos"), Cue(31000, 33000, "Segunda línea")]


def test_bom_and_crlf():
    assert parse(("\ufeff" + VTT).replace("\n", "\r\n"))[0].start_ms == 1500


def test_garbage_raises_transcript_error():
    with pytest.raises(TranscriptError):
        parse("WEBVTT\n\nnot a timestamp --> nope\ntext\n", fmt="srt")


def test_windows_of_thirty_seconds():
    cues = [Cue(i * 4000, i * 4000 + 3500, f"cue {i}") for i in range(30)]  # 2 minutes
    windows = group_windows(cues)
    assert [w.start_ms for w in windows] == [0, 32000, 64000, 96000]
    assert windows[0].text.startswith("cue 0 cue 1")
    assert all(w.end_ms - w.start_ms <= 34000 for w in windows)


def test_window_cue_offsets_point_into_text():
    window = group_windows([(0, 1000, "alpha beta"), (2000, 3000, "gamma")])[0]
    offset = dict(window.cue_starts)
    assert offset[2000] == window.text.index("gamma")


def test_windows_accept_dicts_and_skip_blank_cues():
    windows = group_windows([{"start_ms": 5, "end_ms": 9, "text": " "},
                             {"start_ms": 10, "end_ms": 20, "text": "x"}])
    assert [w.start_ms for w in windows] == [10]


def test_to_webvtt_round_trips():
    cues = parse(SRT)
    assert parse(to_webvtt(cues)) == cues
    assert "-->" not in to_webvtt([Cue(0, 1, "a --> b")]).split("\n", 3)[3]


def test_to_webvtt_keeps_a_cue_whole_and_its_speaker():
    # A blank line inside a cue's text would end the cue; a voice is written back as <v>.
    text = to_webvtt([Cue(0, 1000, "first\n\n  \nsecond", "Dr. Sato")])
    [cue] = parse(text)   # before, "second" was cut off into no cue at all
    assert (cue.text, cue.speaker) == ("first second", "Dr. Sato")
    assert "<v Dr. Sato>" in text
