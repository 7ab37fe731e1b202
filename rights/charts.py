"""Server-rendered charts: geometry computed here (pure), drawn as inline SVG by a template.

Why SVG from the server: the dashboard's Content-Security-Policy allows no script and no inline styles,
and a chart must work without either. The numbers stay in the table beside the chart, which is its text
alternative (the SVG is ``role="img"`` with a title and a description pointing at the table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40  # margins: the y axis labels, the month labels


@dataclass(frozen=True)
class Bar:
    label: str  # the month, short ("Jan 26")
    x: float
    y: float
    width: float
    height: float
    text: str  # "92%" or "none due"
    title: str  # what a pointer shows: "January 2026: 23 of 25 on time (92%)"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float  # the plot's right edge
    baseline: float  # y of 0%
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    target_y: float
    target: int
    summary: str  # the SVG's description


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)


def ontime_chart(points: Sequence[tuple[date, int, int]], target: int) -> Chart:
    """Bars of the on-time rate for each ``(month, on_time, due)``, with the council's target as a line."""
    if not 0 <= target <= 100:
        raise ValueError("the target is a percentage from 0 to 100")
    plot = WIDTH - LEFT - RIGHT
    slot = plot / max(len(points), 1)
    bars = []
    below = 0
    for i, (month, on_time, due) in enumerate(points):
        name = month.strftime("%B %Y")
        if due:
            rate = 100 * on_time / due
            below += rate < target
            y = _y(rate)
            text = f"{round(rate)}%"
            title = f"{name}: {on_time} of {due} on time ({text})"
        else:
            y, text, title = _y(0), "none due", f"{name}: none due"
        bars.append(Bar(label=month.strftime("%b %y"), x=LEFT + i * slot + slot * 0.15, y=y, width=slot * 0.7,
                        height=_y(0) - y, text=text, title=title))
    measured = sum(1 for _, _, due in points if due)
    summary = (f"On-time rate for {len(points)} month(s); {measured} with responses due, {below} of them below "
               f"the target of {target}%. The table below gives the figures.")
    return Chart(width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, baseline=_y(0), bars=tuple(bars),
                 ticks=tuple(Tick(_y(p), f"{p}%") for p in (0, 25, 50, 75, 100)), target_y=_y(target),
                 target=target, summary=summary)


__all__ = ["Bar", "Chart", "Tick", "ontime_chart"]
