"""Bar charts, the one kind of chart the portal draws: geometry here, the SVG in
``templates/_charts.html`` (``bar_chart``). No script and no style sheet: the page is read on a
slow link, and the chart is there without JavaScript.

Every chart has the same shape, made to be read on a phone and without colour: one bar a row,
its label on the line above it (a country's or a subject's name in French is long), its figure
written after it, both as text; the bars of a chart split into series (the statuses of
activities) differ by pattern as well as colour and have a legend. The page gives the same
figures in a table below the chart. Figures are written by Babel in the reader's locale
(``format_number``, ``format_share``).

Three ways of filling the bars:

- ``counts``: how many of each (bars scaled to the largest);
- ``shares``: a part of a whole (each bar on a track that is the whole);
- ``stacked``: a whole split into its series (each bar as long as the track).
"""
from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .i18n import format_number, format_share

# Drawn at its own size (14 px text, as the page's small print) and narrowed with the screen:
# a chart of short labels is about 300 px wide, so a phone of 320 px shows its text at size.
ROW = 38            # a bar's row: its label's line, then the bar
BAR_H = 14
BAR_W = 240         # the longest bar
LEGEND_ROW = 22
CHAR_W = 8          # about what a character of 14 px sans-serif text takes
LABEL_CHARS = 48    # a longer label is cut between words (whole in its bar's title)


@dataclass(frozen=True)
class Segment:
    series: int     # which series (its fill); 0 in a chart of one series
    x: float
    width: float
    title: str      # what a pointer or a screen reader's image description gives


@dataclass(frozen=True)
class Bar:
    label: str
    figure: str     # written after the bar ("1,234", "42% (5/12)"), or what stands for none
    y: int          # top of the row: the label sits on it, the bar below
    segments: tuple[Segment, ...]

    @property
    def end(self) -> float:
        return max((s.x + s.width for s in self.segments), default=0)


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_height: int = BAR_H
    track: int = 0                  # the length of the track behind each bar (0: none)
    legend: tuple[str, ...] = ()    # the series' names, when bars are split
    top: int = 0                    # where the first bar's row starts (after the legend)


def counts(rows: Iterable[tuple[object, int]]) -> BarChart:
    """One bar per (label, count), scaled to the largest count."""
    rows = [(str(label), value) for label, value in rows]
    top = max([value for _, value in rows] + [1])
    return _chart([(label, format_number(value),
                    [(0, BAR_W * value / top, "%s: %s" % (label, format_number(value)))])
                   for label, value in rows])


def shares(rows: Iterable[tuple[object, int, int]]) -> BarChart:
    """One bar per (label, part, whole), on a track that stands for the whole."""
    made = []
    for label, part, whole in rows:
        share = part / whole if whole else 0.0
        figure = "%s (%s/%s)" % (format_share(share), format_number(part), format_number(whole))
        made.append((str(label), figure, [(0, BAR_W * share, "%s: %s" % (label, figure))]))
    return _chart(made, track=BAR_W)


def stacked(rows: Iterable[tuple[object, Sequence[int]]], series: Sequence[object],
            empty: str) -> BarChart:
    """One bar per (label, count of each series), as long as the track, split by each
    series' share; ``empty`` is written for a row with nothing to count."""
    names = tuple(str(name) for name in series)
    made = []
    for label, values in rows:
        whole = sum(values)
        parts = [(index, BAR_W * value / whole, "%s: %s %s (%s)" % (
                     label, names[index], format_share(value / whole), format_number(value)))
                 for index, value in enumerate(values) if value]
        made.append((str(label), "" if whole else empty, parts))
    return _chart(made, track=BAR_W, legend=names)


def _chart(rows: list[tuple[str, str, list[tuple[int, float, str]]]], track: int = 0,
           legend: tuple[str, ...] = ()) -> BarChart:
    """Rows of (label, figure, segments as (series, length, title)), laid out one after the
    other: the segments of a bar end to end, the bars below the legend."""
    top = len(legend) * LEGEND_ROW + (8 if legend else 0)
    bars = []
    for i, (label, figure, parts) in enumerate(rows):
        segments, x = [], 0.0
        for series, width, title in parts:
            segments.append(Segment(series, round(x, 1), round(width, 1), title))
            x += width
        bars.append(Bar(textwrap.shorten(label, LABEL_CHARS, placeholder=" …"), figure,
                        top + i * ROW, tuple(segments)))
    figures = max((len(b.figure) for b in bars), default=0)
    labels = max([len(b.label) for b in bars] + [len(name) + 3 for name in legend], default=0)
    width = max(BAR_W + 6 + CHAR_W * max(figures, 4), CHAR_W * labels)
    return BarChart(tuple(bars), width, top + max(len(bars), 1) * ROW, track=track,
                    legend=legend, top=top)
