"""Charts as inline SVG, drawn in Python: the report opens with no server, no network and no JavaScript library.

Every chart is a `<figure class="tw-chart">` whose SVG has a `<title>` and `<desc>` (read by screen readers) and
prints each value beside its mark: the estimate, its 95% interval and the sample size, or that the cell is
suppressed. Each published value is drawn as exactly one element of class `point` (a dot or a bar), its interval
as one `whisker`; the figure's `data-points` and `data-suppressed` attributes say how many of each it holds, so a
browser test can check that what is drawn is what was published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from warehouse.report import formats

PALETTE = ("#1f5fa8", "#d9730d", "#2f8f46", "#a83279", "#6b6b6b", "#8c6d1f")
FONT = 12


@dataclass(frozen=True)
class Point:
    label: str
    estimate: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    suppressed: bool = False

    @property
    def published(self) -> bool:
        return not self.suppressed and not formats.is_missing(self.estimate)

    @property
    def has_interval(self) -> bool:
        return self.published and not (formats.is_missing(self.low) or formats.is_missing(self.high))


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    # Equal (or all but equal: float noise like 1e-15 around a zero) values get a unit-wide axis; ticks rounded to 12
    # places would otherwise collapse into one and the axis would have no width.
    if not high - low > 1e-9 * max(1.0, abs(low), abs(high)):
        high = low + (abs(low) if abs(low) > 1e-9 else 1.0)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if (high - low) / (multiple * magnitude) <= count:
            step = multiple * magnitude
            break
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _axis(series: list[Series], with_zero: bool = True) -> list[float]:
    """The axis ticks covering every value and interval; the first and last are the axis ends."""
    # Zero is on the axis (bars start there, and a reader judges a rate against zero), except for an index, which
    # is read against its base (100), not zero.
    values = [0.0] if with_zero else []
    for s in series:
        for p in s.points:
            if p.published:
                values.append(float(p.estimate))
            if p.has_interval:
                values += [float(p.low), float(p.high)]
    if not values:
        values = [0.0]
    return nice_ticks(min(values), max(values))


def describe(p: Point, unit: str | None) -> str:
    """The text printed beside a mark: estimate, 95% interval and n, or the suppression."""
    if p.suppressed:
        return f"{formats.SUPPRESSED}, n = {formats.count(p.n)}"
    if not p.published:
        return f"no estimate, n = {formats.count(p.n)}"
    estimate = formats.value(p.estimate, unit)
    interval = f"95% CI {formats.interval(p.low, p.high, unit)}" if p.has_interval else "no sampling interval"
    return f"{estimate} \u00b7 {interval} \u00b7 n = {formats.count(p.n)}"


def _svg_open(fig_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{fig_id}-title {fig_id}-desc" font-size="{FONT}">'
        f'<title id="{fig_id}-title">{escape(title)}</title><desc id="{fig_id}-desc">{escape(desc)}</desc>'
    )


def _figure(fig_id: str, kind: str, series: list[Series], svg: str, caption: str, extra: str = "") -> str:
    points = sum(p.published for s in series for p in s.points)
    suppressed = sum(p.suppressed for s in series for p in s.points)
    return (
        f'<figure class="tw-chart tw-chart-{kind}" id="{fig_id}" data-points="{points}" '
        f'data-suppressed="{suppressed}">{svg}{extra}<figcaption>{caption}</figcaption></figure>'
    )


def _legend(series: list[Series], x: float, y: float) -> str:
    if len(series) < 2:
        return ""
    parts = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect class="legend" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.1f}" y="{y:.1f}">{escape(s.name)}</text>'
        )
        x += 24 + 7 * len(s.name)
    return "".join(parts)


def row_chart(
    fig_id: str,
    title: str,
    desc: str,
    series: list[Series],
    unit: str | None,
    style: str = "dot",
    caption: str = "",
) -> str:
    """One row per label (and series): a dot (`style="dot"`) or a bar from zero (`"bar"`), its 95% interval as a
    whisker, and the estimate, interval and n printed at the right. Suppressed rows print their suppression."""
    labels: list[str] = []
    for s in series:
        for p in s.points:
            if p.label not in labels:
                labels.append(p.label)
    by_key = {(i, p.label): p for i, s in enumerate(series) for p in s.points}
    # The label column fits the longest label (about 7 px a character at 12 px), within 120-300 px.
    label_w = min(300, max(120, 7 * max((len(label) for label in labels), default=0)))
    plot_x, plot_w, gap, text_w = label_w + 10, 330, 14, 340
    row_h, group_gap, top = 20, 6 if len(series) > 1 else 0, 30 if len(series) > 1 else 12
    rows = [(label, i) for label in labels for i in range(len(series)) if (i, label) in by_key]
    height = top + len(rows) * row_h + group_gap * len(labels) + 34
    width = label_w + 10 + plot_w + gap + text_w
    ticks = _axis(series, with_zero=unit != "index" or style == "bar")
    low, high = ticks[0], ticks[-1]

    def x_of(v: float) -> float:
        return plot_x + (float(v) - low) / (high - low) * plot_w

    parts = [_svg_open(fig_id, width, height, title, desc), _legend(series, plot_x, 16)]
    axis_y = height - 28
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="#ddd"/>'
            f'<text class="tick" x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle">'
            f"{escape(formats.value(tick, unit))}</text>"
        )
    parts.append(f'<line class="axis" x1="{plot_x}" y1="{axis_y}" x2="{plot_x + plot_w}" y2="{axis_y}" stroke="#555"/>')
    if low < 0 < high:
        parts.append(
            f'<line class="zero" x1="{x_of(0):.1f}" y1="{top - 4}" x2="{x_of(0):.1f}" y2="{axis_y}" stroke="#555"/>'
        )
    y = top
    previous_label = None
    for label, i in rows:
        if label != previous_label:
            y += group_gap
            short = label if len(label) <= 42 else label[:41] + "\u2026"
            parts.append(
                f'<text class="label" x="{label_w}" y="{y + 14}" text-anchor="end"><title>{escape(label)}</title>'
                f"{escape(short)}</text>"
            )
            previous_label = label
        p = by_key[(i, label)]
        colour = PALETTE[i % len(PALETTE)]
        mid = y + row_h / 2
        text = describe(p, unit)
        tip = f"<title>{escape(label)}: {escape(text)}</title>"
        if p.suppressed or not p.published:
            parts.append(
                f'<text class="suppressed-note" x="{plot_x + 4}" y="{mid + 4:.1f}" fill="#888" font-style="italic">'
                f"{tip}{escape(formats.SUPPRESSED if p.suppressed else 'no estimate')}</text>"
            )
        else:
            x = x_of(p.estimate)
            if style == "bar":
                x0 = x_of(0)
                left, w = min(x0, x), max(abs(x - x0), 1.0)
                parts.append(
                    f'<rect class="mark point" x="{left:.1f}" y="{mid - 6:.1f}" width="{w:.1f}" height="12" '
                    f'fill="{colour}" fill-opacity="0.75">{tip}</rect>'
                )
            if p.has_interval:
                x1, x2 = x_of(p.low), x_of(p.high)
                parts.append(
                    f'<path class="mark whisker" d="M{x1:.1f},{mid - 5:.1f}v10M{x1:.1f},{mid:.1f}H{x2:.1f}'
                    f'M{x2:.1f},{mid - 5:.1f}v10" stroke="#222" stroke-width="1.3" fill="none">{tip}</path>'
                )
            if style != "bar":
                parts.append(
                    f'<circle class="mark point" cx="{x:.1f}" cy="{mid:.1f}" r="4.5" fill="{colour}">{tip}</circle>'
                )
        parts.append(
            f'<text class="value" x="{plot_x + plot_w + gap}" y="{mid + 4:.1f}" '
            f'fill="{"#888" if p.suppressed else "#222"}">'
            f"{escape(text)}</text>"
        )
        y += row_h
    parts.append("</svg>")
    return _figure(fig_id, "row" if style == "dot" else "bar", series, "".join(parts), caption)


def trend_chart(fig_id: str, title: str, desc: str, series: list[Series], unit: str | None, caption: str = "") -> str:
    """Estimates over ordered periods: a line per series through its published points, the 95% interval as a band
    and whiskers; a suppressed period breaks the line and is marked on the axis. A table under the chart prints
    every value with its interval and n."""
    periods: list[str] = []
    for s in series:
        for p in s.points:
            if p.label not in periods:
                periods.append(p.label)
    width, height = 760, 270
    left, right, top, bottom = 84, 24, 30, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = _axis(series, with_zero=unit != "index")
    low, high = ticks[0], ticks[-1]
    step = plot_w / max(len(periods), 1)

    def x_of(label: str) -> float:
        return left + step * (periods.index(label) + 0.5)

    def y_of(v: float) -> float:
        return top + plot_h - (float(v) - low) / (high - low) * plot_h

    parts = [_svg_open(fig_id, width, height, title, desc), _legend(series, left, 16)]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(formats.value(tick, unit))}'
            "</text>"
        )
    axis_y = top + plot_h
    parts.append(f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#555"/>')
    every = max(1, math.ceil(len(periods) / 12))  # at most a dozen period labels fit under the axis
    for k, label in enumerate(periods):
        if k % every == 0:
            parts.append(
                f'<text class="tick" x="{x_of(label):.1f}" y="{axis_y + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        runs: list[list[Point]] = [[]]
        for p in s.points:
            if p.published:
                runs[-1].append(p)
            elif runs[-1]:
                runs.append([])
        for run in runs:
            banded = [p for p in run if p.has_interval]
            if len(banded) >= 2:
                upper = " ".join(f"{x_of(p.label):.1f},{y_of(p.high):.1f}" for p in banded)
                lower = " ".join(f"{x_of(p.label):.1f},{y_of(p.low):.1f}" for p in reversed(banded))
                parts.append(f'<polygon class="band" points="{upper} {lower}" fill="{colour}" fill-opacity="0.15"/>')
            if len(run) >= 2:
                line = " ".join(f"{x_of(p.label):.1f},{y_of(p.estimate):.1f}" for p in run)
                parts.append(
                    f'<polyline class="mark line" points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
        for p in s.points:
            x = x_of(p.label)
            tip = f"<title>{escape(s.name)}, {escape(p.label)}: {escape(describe(p, unit))}</title>"
            if p.suppressed or not p.published:
                parts.append(
                    f'<text class="suppressed-note" x="{x:.1f}" y="{axis_y - 6}" text-anchor="middle" fill="#888">'
                    f"{tip}\u00d7</text>"
                )
                continue
            if p.has_interval:
                y1, y2 = y_of(p.high), y_of(p.low)
                parts.append(
                    f'<path class="mark whisker" d="M{x - 4:.1f},{y1:.1f}h8M{x:.1f},{y1:.1f}V{y2:.1f}M{x - 4:.1f},'
                    f'{y2:.1f}h8" stroke="{colour}" stroke-width="1.2" fill="none">{tip}</path>'
                )
            parts.append(
                f'<circle class="mark point" cx="{x:.1f}" cy="{y_of(p.estimate):.1f}" r="4" fill="{colour}">{tip}'
                "</circle>"
            )
    parts.append("</svg>")
    return _figure(fig_id, "trend", series, "".join(parts), caption, values_table(series, unit))


def values_table(series: list[Series], unit: str | None) -> str:
    """Every value of a chart in words: estimate, 95% interval, n, or the suppression."""
    multi = len(series) > 1
    head = "<tr>" + ("<th>series</th>" if multi else "") + "<th></th><th>estimate</th><th>95% CI</th><th>n</th></tr>"
    rows = []
    for s in series:
        for p in s.points:
            first = f"<td>{escape(s.name)}</td>" if multi else ""
            if p.suppressed:
                cells = f'<td colspan="2" class="suppressed">{formats.SUPPRESSED}</td>'
            else:
                cells = (
                    f'<td class="num">{escape(formats.value(p.estimate, unit))}</td>'
                    f'<td class="num">{escape(formats.interval(p.low, p.high, unit))}</td>'
                )
            rows.append(f"<tr>{first}<td>{escape(p.label)}</td>{cells}<td class='num'>{formats.count(p.n)}</td></tr>")
    return f'<table class="values">{head}{"".join(rows)}</table>'
