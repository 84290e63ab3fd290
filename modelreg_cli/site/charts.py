"""The geometry of the site's SVG charts: scales, ticks and marks, computed here, drawn by the templates.

Pure: numbers and dates in, coordinates out, rounded so the same registry gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

WIDTH = 640
"""Every chart is drawn in a viewBox this wide; CSS scales it to the page."""


def _r(value: float) -> float:
    return round(value, 1)


def number_text(value: float) -> str:
    """A metric as people read it: 3 for 3.0, 0.941 for 0.941, 1.23e+06 for big ones."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.6g}"


# --------------------------------------------------------------------------- metrics across versions


@dataclass(frozen=True)
class Mark:
    """One version's value: drawn at (x, y); STAGE and ALIASES say what it held when the site was built."""

    version: int
    value: float
    x: float
    y: float
    stage: str
    aliases: tuple[str, ...]
    held: bool
    """Whether it holds a stage worth pointing out (not the initial stage, not Archived) or an alias."""


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class MetricChart:
    metric: str
    width: int
    height: int
    plot: tuple[float, float, float, float]
    """left, top, right, bottom of the plotting area."""
    marks: list[Mark]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    line: str
    """The polyline through the marks, in version order."""

    @property
    def best(self) -> Mark:
        return max(self.marks, key=lambda mark: (mark.value, -mark.version))

    @property
    def worst(self) -> Mark:
        return min(self.marks, key=lambda mark: (mark.value, mark.version))


@dataclass(frozen=True)
class Point:
    """What a metric chart is made of: one version that has the metric."""

    version: int
    value: float
    stage: str
    aliases: tuple[str, ...] = ()
    held: bool = False


def metric_chart(metric: str, points: Sequence[Point], height: int = 220) -> MetricChart | None:
    """A chart of METRIC across the POINTS (versions, lowest first); None when no version has it."""
    if not points:
        return None
    left, top, right, bottom = 64.0, 20.0, WIDTH - 20.0, height - 40.0
    low, high = min(p.value for p in points), max(p.value for p in points)
    ticks = nice_ticks(low, high)
    y_min, y_max = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - y_min) / (y_max - y_min) * (bottom - top)

    step = (right - left) / len(points)
    marks = [
        Mark(p.version, p.value, _r(left + step * (i + 0.5)), _r(y_of(p.value)), p.stage, p.aliases, p.held)
        for i, p in enumerate(points)
    ]
    every = max(1, math.ceil(len(marks) / 16))  # at most ~16 version labels under the axis
    x_ticks = [Tick(mark.x, f"v{mark.version}") for i, mark in enumerate(marks) if i % every == 0 or i == len(marks) - 1]
    y_ticks = [Tick(_r(y_of(t)), number_text(_clean(t))) for t in ticks]
    line = " ".join(f"{mark.x},{mark.y}" for mark in marks)
    return MetricChart(metric, WIDTH, height, (left, top, right, bottom), marks, y_ticks, x_ticks, line)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values from at or below LOW to at or above HIGH, about COUNT steps apart (1, 2 or 5 x 10^k)."""
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(first + step * len(ticks))
    return [_clean(t) for t in ticks]


def _clean(value: float) -> float:
    """0.30000000000000004 -> 0.3: ticks are printed."""
    return float(f"{value:.12g}")


# --------------------------------------------------------------------------- who held what, when


@dataclass(frozen=True)
class Bar:
    """One span on the timeline: VERSION held the lane's target from x to x + width, on sub-row ROW."""

    version: int
    x: float
    y: float
    width: float
    row: int
    start: str
    end: str | None
    """None: it still holds it."""


@dataclass(frozen=True)
class Lane:
    target: str
    y: float
    height: float
    bars: list[Bar]


@dataclass
class TimelineChart:
    width: int
    height: int
    plot: tuple[float, float, float, float]
    lanes: list[Lane] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    now: str = ""


@dataclass(frozen=True)
class Interval:
    """What the timeline chart is made of: VERSION held TARGET from START to END (None: still)."""

    target: str
    version: int
    start: str
    end: str | None


ROW = 22.0


def timeline_chart(targets: Sequence[str], intervals: Sequence[Interval], now: str) -> TimelineChart | None:
    """Lanes for TARGETS (stages and '@aliases', in order), bars for INTERVALS; NOW (a time) closes the
    open ones. None when nothing ever held any of them."""
    if not intervals:
        return None
    left, right, top = 112.0, WIDTH - 16.0, 8.0
    first = min(_time(i.start) for i in intervals)
    last = max([_time(now), *(_time(i.end) for i in intervals if i.end is not None)])
    if last <= first:
        last = first + timedelta(days=1)
    total = (last - first).total_seconds()

    def x_of(moment: datetime) -> float:
        return left + (moment - first).total_seconds() / total * (right - left)

    lanes = []
    y = top
    for target in targets:
        mine = sorted((i for i in intervals if i.target == target), key=lambda i: (i.start, i.version))
        if not mine:
            continue
        rows: list[datetime] = []  # when each sub-row is free again
        bars = []
        for interval in mine:
            start = _time(interval.start)
            end = _time(interval.end) if interval.end is not None else last
            row = next((n for n, free in enumerate(rows) if free <= start), len(rows))
            if row == len(rows):
                rows.append(end)
            rows[row] = end
            x = x_of(start)
            width = max(2.0, x_of(end) - x)
            bars.append(Bar(interval.version, _r(x), _r(y + row * ROW + 3), _r(width), row, interval.start, interval.end))
        height = len(rows) * ROW
        lanes.append(Lane(target, _r(y), height, bars))
        y += height + 6
    ticks = [Tick(_r(x_of(moment)), label) for moment, label in time_ticks(first, last)]
    height = int(y + 28)
    return TimelineChart(WIDTH, height, (left, top, right, y), lanes, ticks, now)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def time_ticks(first: datetime, last: datetime) -> list[tuple[datetime, str]]:
    """Dates between FIRST and LAST to label the axis with: days, weeks, months or years, 2 to ~8 of them."""
    days = (last - first).total_seconds() / 86400
    if days <= 10:
        start = first.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        step = max(1, math.ceil(days / 6))
        days_at = [start + timedelta(days=step * n) for n in range(int(days // step) + 1)]
        return [(d, d.strftime("%b %d")) for d in days_at if first <= d <= last]
    if days <= 120:
        start = first.replace(hour=0, minute=0, second=0, microsecond=0)
        start += timedelta(days=(7 - start.weekday()) % 7)  # the first Monday from FIRST on
        if start < first:
            start += timedelta(days=7)
        step = 7 * max(1, math.ceil(days / 7 / 7))
        mondays = [start + timedelta(days=step * n) for n in range(int(days // step) + 1)]
        return [(d, d.strftime("%b %d")) for d in mondays if first <= d <= last]
    months = max(1, math.ceil(days / 30 / 7))
    if days > 365 * 4:
        months = 12 * max(1, math.ceil(days / 365 / 7))
    found: list[tuple[datetime, str]] = []
    year, month = first.year, first.month + 1
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        moment = datetime(year, month, 1, tzinfo=UTC)
        if moment > last:
            break
        if (year % (months // 12) == 0 and month == 1) if months >= 12 else (month - 1) % months == 0:
            found.append((moment, moment.strftime("%b %Y") if month == 1 or not found else moment.strftime("%b")))
        month += 1
    return found
