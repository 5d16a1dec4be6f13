"""Line charts as inline SVG, drawn here: the report is one file that opens anywhere, with no
script, stylesheet or font to fetch."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

# Colour-blind-safe (Okabe and Ito), then greys.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#d55e00",
    "#cc79a7",
    "#56b4e9",
    "#f0e442",
    "#000000",
    "#777777",
    "#bbbbbb",
)
WIDTH, HEIGHT = 600, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 30, 40
LEGEND_ROW = 17


@dataclass(frozen=True)
class Line:
    label: str
    points: list[tuple[float, float]]  # (seconds since start, value)


def clock_label(seconds: float) -> str:
    """mm:ss (h:mm:ss past an hour)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def number_label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value / 1000:.3g}k"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}"


def _nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round steps from 0 to at least `top`."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(count + 2) if step * (i - 1) < top]


def _log_ticks(low: float, high: float) -> list[float]:
    first = math.floor(math.log10(low))
    last = math.ceil(math.log10(high))
    return [10.0**e for e in range(first, last + 1)]


def line_chart(title: str, unit: str, lines: list[Line], *, log: bool = False) -> str:
    """An SVG line chart of `lines` over the run's seconds; `log` for latencies that span
    decades. An empty chart says so rather than drawing nothing."""
    drawn = [line for line in lines if line.points]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
        f'<text x="{LEFT}" y="16" class="title">{escape(title)}'
        f'<tspan class="unit"> ({escape(unit)})</tspan></text>'
    )
    if not drawn:
        empty = f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" class="empty">no data</text>'
        return head + empty + "</svg>"
    xs = [x for line in drawn for x, _ in line.points]
    ys = [y for line in drawn for _, y in line.points]
    x_max = max(max(xs), 1.0)
    if log:
        positive = [y for y in ys if y > 0] or [1.0]
        ticks = _log_ticks(min(positive), max(positive))
    else:
        ticks = _nice_ticks(max(ys))
    legend, rows = _legend(drawn)
    extra = LEGEND_ROW * (rows - 1)
    scale = _Scale(x_max, ticks[0], ticks[-1], log)
    head = head.replace(
        f'viewBox="0 0 {WIDTH} {HEIGHT}"', f'viewBox="0 0 {WIDTH} {HEIGHT + extra}"'
    )
    parts = [head, _grid(scale, ticks), _x_axis(scale)]
    for index, line in enumerate(drawn):
        parts.append(_path(scale, line, PALETTE[index % len(PALETTE)]))
    parts.append(legend)
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class _Scale:
    x_max: float
    y_min: float
    y_max: float
    log: bool

    def x(self, seconds: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * seconds / self.x_max

    def y(self, value: float) -> float:
        span = HEIGHT - TOP - BOTTOM
        if self.log:
            low, high = math.log10(self.y_min), math.log10(self.y_max)
            share = (math.log10(max(value, self.y_min)) - low) / ((high - low) or 1.0)
        else:
            share = (value - self.y_min) / ((self.y_max - self.y_min) or 1.0)
        return TOP + span * (1 - share)


def _grid(scale: _Scale, ticks: list[float]) -> str:
    rows = []
    for tick in ticks:
        y = scale.y(tick)
        rows.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">'
            f"{number_label(tick)}</text>"
        )
    return "".join(rows)


def _x_axis(scale: _Scale) -> str:
    marks = []
    for step in range(6):
        seconds = scale.x_max * step / 5
        x = scale.x(seconds)
        marks.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 15}" class="tick" text-anchor="middle">'
            f"{clock_label(seconds)}</text>"
        )
    return "".join(marks)


def _path(scale: _Scale, line: Line, colour: str) -> str:
    points = " ".join(f"{scale.x(x):.1f},{scale.y(y):.1f}" for x, y in line.points)
    dots = ""
    if len(line.points) == 1:
        x, y = line.points[0]
        dots = f'<circle cx="{scale.x(x):.1f}" cy="{scale.y(y):.1f}" r="3" fill="{colour}"/>'
    return (
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{points}">'
        f"<title>{escape(line.label)}</title></polyline>{dots}"
    )


def _legend(lines: list[Line]) -> tuple[str, int]:
    """The legend under the plot, wrapped into as many rows as it needs; (SVG, rows)."""
    items, x, row = [], float(LEFT), 0
    for index, line in enumerate(lines):
        width = 26 + 6.6 * len(line.label)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, row = float(LEFT), row + 1
        y = HEIGHT - 6 + row * LEGEND_ROW
        colour = PALETTE[index % len(PALETTE)]
        items.append(
            f'<rect x="{x:.0f}" y="{y - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 1}" class="legend">{escape(line.label)}</text>'
        )
        x += width
    return "".join(items), row + 1
