"""Geometry of the horizontal bar charts on /stats (pure; the template draws the SVG)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 640          # viewBox width; the SVG scales to its container
LABEL_WIDTH = 210    # room for the category names on the left
VALUE_ROOM = 110     # room for the value printed after the longest bar
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 6
LABEL_CHARS = 30     # longer names are shortened in the SVG; the <title> and the table keep them whole


@dataclass
class Bar:
    """One bar: its label, value and position inside the chart's viewBox."""

    label: str
    short_label: str
    value: int | Decimal
    display: str
    y: int
    width: float
    css: str = ""


@dataclass
class BarChart:
    """A horizontal bar chart with its viewBox height and the bars to draw."""

    bars: list[Bar] = field(default_factory=list)
    height: int = 0
    label_width: int = LABEL_WIDTH
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """The label cut to `limit` characters with an ellipsis, for the SVG only."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(rows: list[tuple], display=str, css=lambda label: "") -> BarChart:
    """Lay out (label, value) rows as bars scaled to the largest value; `display` formats a value."""
    largest = max((value for _, value in rows), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(rows):
        width = float(value) / float(largest) * room if largest else 0.0
        bars.append(Bar(label=label, short_label=shorten(label), value=value, display=display(value),
                        y=TOP + index * ROW_HEIGHT, width=round(width, 1), css=css(label) or ""))
    return BarChart(bars=bars, height=TOP * 2 + len(rows) * ROW_HEIGHT)
