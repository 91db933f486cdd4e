"""The edit distance "did you mean" compares words with (``spelling.DISTANCE``)."""

import pytest

from media_index.spelling import DISTANCE


@pytest.mark.parametrize("a, b, expected", [
    ("tsunami", "tsunami", 0), ("tsnami", "tsunami", 1), ("tsuanmi", "tsunami", 1),
    ("evacuaton", "evacuation", 1), ("recylage", "recyclage", 1), ("kitten", "sitting", 3),
    ("", "abc", 3), ("abc", "", 3),
])
def test_edit_distance(a, b, expected):
    assert DISTANCE(a, b, score_cutoff=5) == expected


def test_edit_distance_stops_above_limit():
    assert DISTANCE("abcdefgh", "zyxwvuts", score_cutoff=2) == 3
