"""Edit distance used by "did you mean"."""

import pytest

from media_index.spelling import edit_distance


@pytest.mark.parametrize("a, b, expected", [
    ("tsunami", "tsunami", 0), ("tsnami", "tsunami", 1), ("tsuanmi", "tsunami", 1),
    ("evacuaton", "evacuation", 1), ("recylage", "recyclage", 1), ("kitten", "sitting", 3),
    ("", "abc", 3), ("abc", "", 3),
])
def test_edit_distance(a, b, expected):
    assert edit_distance(a, b, 5) == expected


def test_edit_distance_stops_above_limit():
    assert edit_distance("abcdefgh", "zyxwvuts", 2) == 3
