"""Server-rendered bar charts: geometry only; the template draws them with text labels, so the
figures are read without colour (and the table under each chart gives them again).

Each bar has its label on the line above it, so long labels (a subject's name in French) are
never cut, whatever their length, and the chart fits a phone's width."""
from __future__ import annotations

from dataclasses import dataclass

ROW, BAR_H, BAR_W, VALUE_W = 34, 14, 300, 50


@dataclass(frozen=True)
class Bar:
    label: object
    value: int
    y: int       # top of the row: the label sits on it, the bar below
    width: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    bar_height: int


def bar_chart(rows: list[tuple[object, int]]) -> BarChart:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    top = max([v for _, v in rows] + [1])
    bars = [Bar(label, value, i * ROW, round(BAR_W * value / top))
            for i, (label, value) in enumerate(rows)]
    return BarChart(bars, BAR_W + VALUE_W, max(len(rows), 1) * ROW, BAR_H)
