"""Charts drawn with matplotlib at build time and inlined as SVG: the report opens with no server, no network and no
script. Why matplotlib: it is maintained, installs from PyPI as a wheel, renders offline in-process (Vega-Lite would
need vl-convert's bundled JavaScript engine for the same), and its SVG keeps text as text (searchable, readable by
screen readers, small).

Two kinds of chart, both of estimates with their 95% intervals:
- `interval_chart`: one row per breakout value (or period), the estimate as a dot (rates, ratios, indexes) or a bar
  from zero (money, hours, counts), the interval as a whisker, and beside each row its value, interval and n;
- `trend_chart`: one estimate per period, joined, with the interval as a band.

What the charts promise (tests/test_report.py checks each in Chromium): every axis fits its data (the interval
included) and nothing is drawn outside it; rates are shown in percent on an axis that starts near their values
(a rate of 1% is not a dot stuck at zero on a 0-125% axis); an axis for shares never leaves 0-100% (the
intervals already lie there: Korn-Graubard, Hall's interval cut to [0, 1], the collected share mapped from the
gap's interval); a chart is only drawn when it compares something: at least two published values that differ.
The drawn values are in SVG groups whose ids start `<figure id>-pt-` (a bar each, or one group of dots per
series, a `<use>` element each) and the plotting area is `<figure id>-axes`, so a browser test can check that what
is drawn is what was published and that it lies inside the axes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape
from typing import Any

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the SVG backend only
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from warehouse.report import formats

PALETTE = ("#1f5fa8", "#d9730d", "#2f8f46", "#a83279")
WIDTH_IN = 11.0  # 792 pt = 1056 px: fits the 1180 px column beside nothing else
ROW_IN = 0.3
LABEL_CHARS = 44  # longer breakout names are cut with an ellipsis (the full name is in the table below the chart)
BAR_UNITS = {"usd", "hours", "count", "days"}  # magnitudes are bars from zero; rates, ratios and indexes are dots
MATPLOTLIB_STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",  # matplotlib's own font: the same text metrics on every machine
    "font.size": 9,
    "svg.fonttype": "none",  # text stays text
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "xtick.color": "#444444",
    "ytick.color": "#222222",
}


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

    @property
    def value(self) -> float:
        """The estimate of a published point."""
        if self.estimate is None:
            raise ValueError(f"{self.label}: no estimate (not published)")
        return float(self.estimate)

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval of a point that has one."""
        if self.low is None or self.high is None:
            raise ValueError(f"{self.label}: no interval")
        return float(self.low), float(self.high)


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]


def compares_something(series: list[Series]) -> bool:
    """At least two published values, and not all the same with no interval to show (ten dots at 100 compare
    nothing)."""
    published = [p for s in series for p in s.points if p.published]
    if len(published) < 2:
        return False
    return len({round(p.value, 12) for p in published}) > 1 or any(p.has_interval for p in published)


def axis_limits(series: list[Series], unit: str | None, from_zero: bool) -> tuple[float, float]:
    """Limits that hold every published estimate and interval with a little room; from zero for bars; within
    [0, 1] for shares."""
    values = []
    for p in (p for s in series for p in s.points if p.published):
        values.append(p.value)
        if p.has_interval:
            values += list(p.interval)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    # A share cannot leave [0, 1], so neither does its axis; a rate difference (a deterrence effect) may be negative.
    share = unit == "rate" and low >= 0.0 and high <= 1.0
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if not span > 1e-12 * max(1.0, abs(low), abs(high)):
        span = abs(high) * 0.2 if abs(high) > 1e-12 else 1.0
    pad = span * 0.06
    low, high = (low if from_zero and low == 0 else low - pad), (high if from_zero and high == 0 else high + pad)
    if share:
        low, high = max(low, 0.0), min(high, 1.0)
    return low, high


def _decimals(step: float) -> int:
    """The fewest decimals that print a tick step exactly (2.5 -> 1: ticks 0, 2.5, 5, 7.5 and not 0, 2, 5, 8)."""
    for decimals in range(4):
        if abs(round(step, decimals) - step) < 1e-9 * max(1.0, abs(step)):
            return decimals
    return 4


def _tick_text(unit: str | None, step: float):
    def text(x, _pos=None) -> str:
        if unit == "rate":
            return f"{x * 100:.{_decimals(step * 100)}f}%"
        if unit == "usd":
            return formats.usd(x)
        if unit == "hours":
            return f"{x:,.{_decimals(step)}f} h"
        if unit == "ratio":
            return f"{x:g}\u00d7"
        return f"{x:,.{_decimals(step)}f}"

    return text


def describe(p: Point, unit: str | None) -> str:
    """A value as printed beside its mark."""
    if p.suppressed:
        return formats.SUPPRESSED
    if not p.published:
        return "not estimable"
    n = f" \u00b7 n {p.n:,}" if p.n is not None else ""
    interval = f" ({formats.interval(p.low, p.high, unit)})" if p.has_interval else ""
    return f"{formats.value(p.estimate, unit)}{interval}{n}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "\u2026"


def _format_axis(axis, unit: str | None, low: float, high: float) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ticks = [t for t in axis.get_major_locator().tick_values(low, high) if low - 1e-12 <= t <= high + 1e-12]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else max(abs(high - low), 1e-9)
    axis.set_major_formatter(FuncFormatter(_tick_text(unit, step)))


def _svg(fig: Figure, fig_id: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": fig_id}):  # clip-path ids unique per figure, stable per build
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inline in HTML
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)  # RDF about matplotlib itself


def _figure_html(fig_id: str, svg: str, title: str, desc: str, caption: str, drawn: int, suppressed: int) -> str:
    # A title and a description first in the SVG, for screen readers (matplotlib writes neither).
    head = svg.index(">") + 1
    svg = svg[:head] + f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + svg[head:]
    return (
        f'<figure class="tw-chart" id="{fig_id}" data-points="{drawn}" data-suppressed="{suppressed}">'
        f"{svg}<figcaption>{caption}</figcaption></figure>"
    )


def interval_chart(
    fig_id: str,
    title: str,
    desc: str,
    series: list[Series],
    unit: str | None,
    caption: str = "",
) -> str:
    """Rows of estimates with 95% intervals (see the module doc); '' when it would compare nothing."""
    if not compares_something(series):
        return ""
    labels = list(dict.fromkeys(p.label for s in series for p in s.points))
    bars = unit in BAR_UNITS
    low, high = axis_limits(series, unit, from_zero=bars)
    rows = len(labels)
    height = 0.75 + ROW_IN * rows * (1 if len(series) == 1 else 1.4) + (0.3 if len(series) > 1 else 0)
    with matplotlib.rc_context(MATPLOTLIB_STYLE):
        fig = Figure(figsize=(WIDTH_IN, height))
        longest = max(len(_short(label)) for label in labels)
        left = min(0.42, 0.02 + longest * 0.0062)
        fig.subplots_adjust(left=left, right=0.72, top=1 - 0.28 / height, bottom=0.45 / height)
        ax = fig.add_subplot()
        ax.patch.set_gid(f"{fig_id}-axes")
        ax.set_xlim(low, high)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_yticks(range(rows), [_short(label) for label in labels])
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        _format_axis(ax.xaxis, unit, low, high)
        drawn = suppressed = 0
        offsets = [0.0] if len(series) == 1 else [(i - (len(series) - 1) / 2) * 0.3 for i in range(len(series))]
        for s_index, (s, offset) in enumerate(zip(series, offsets, strict=True)):
            color = PALETTE[s_index % len(PALETTE)]
            by_label = {p.label: p for p in s.points}
            ys, estimates, ranges = [], [], []
            for row, label in enumerate(labels):
                p = by_label.get(label)
                if p is None:
                    continue
                y = row + offset
                # Several series: each value's text in its series' colour (the legend names them).
                ax.text(
                    1.02,
                    y,
                    describe(p, unit),
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    fontsize=8,
                    color=color if len(series) > 1 else "#333333",
                )
                if not p.published:
                    suppressed += p.suppressed
                    continue
                ys.append(y)
                estimates.append(p.value)
                if p.has_interval:
                    ranges.append((y, *p.interval))
            # One artist per series for the marks and one for the whiskers (an artist per value made a chart of
            # 25 rows cost 0.25 s); each mark is still its own SVG element inside the series' group.
            if ranges:
                whiskers = ax.hlines(*zip(*ranges, strict=True), color=color, linewidth=1.4)
                whiskers.set_gid(f"{fig_id}-ci-{s_index}")
            if bars:
                for i, patch in enumerate(ax.barh(ys, estimates, height=0.55 / len(series), color=color, alpha=0.8)):
                    patch.set_gid(f"{fig_id}-pt-{drawn + i}")
            elif ys:
                (marks,) = ax.plot(estimates, ys, "o", color=color, markersize=5, clip_on=False, linestyle="none")
                marks.set_gid(f"{fig_id}-pt-s{s_index}")
            drawn += len(ys)
        if len(series) > 1:
            handles = [
                ax.plot([], [], "o", color=PALETTE[i % len(PALETTE)], label=s.name)[0] for i, s in enumerate(series)
            ]
            fig.legend(handles=handles, loc="upper left", ncols=len(series), frameon=False, fontsize=8)
        svg = _svg(fig, fig_id)
    return _figure_html(fig_id, svg, title, desc, caption, drawn, suppressed)


def trend_chart(fig_id: str, title: str, desc: str, series: list[Series], unit: str | None, caption: str = "") -> str:
    """One estimate per period (the points' labels, in order) joined by a line, the 95% interval as a band;
    suppressed periods are named under the axis. '' when it would compare nothing."""
    if not compares_something(series):
        return ""
    periods = list(dict.fromkeys(p.label for s in series for p in s.points))
    low, high = axis_limits(series, unit, from_zero=False)
    with matplotlib.rc_context(MATPLOTLIB_STYLE):
        wide = len(series) > 1  # room on the right for the legend
        fig = Figure(figsize=(WIDTH_IN * (0.8 if wide else 0.62), 2.6))
        fig.subplots_adjust(left=0.1, right=0.78 if wide else 0.97, top=0.9, bottom=0.2)
        ax = fig.add_subplot()
        ax.patch.set_gid(f"{fig_id}-axes")
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.set_ylim(low, high)
        ax.grid(axis="y", color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        _format_axis(ax.yaxis, unit, low, high)
        drawn = suppressed = 0
        ticks = []
        for s_index, s in enumerate(series):
            color = PALETTE[s_index % len(PALETTE)]
            by_label = {p.label: p for p in s.points}
            xs = [i for i, label in enumerate(periods) if label in by_label and by_label[label].published]
            shown = [by_label[periods[i]] for i in xs]
            if any(p.has_interval for p in shown):
                banded = [(x, p) for x, p in zip(xs, shown, strict=True) if p.has_interval]
                ax.fill_between(
                    [x for x, _ in banded],
                    [p.interval[0] for _, p in banded],
                    [p.interval[1] for _, p in banded],
                    color=color,
                    alpha=0.15,
                    linewidth=0,
                )
            ax.plot(xs, [p.value for p in shown], "-", color=color, linewidth=1.2)
            if shown:
                (marks,) = ax.plot(xs, [p.value for p in shown], "o", color=color, markersize=4, clip_on=False)
                marks.set_gid(f"{fig_id}-pt-s{s_index}")
            ranges = [(x, *p.interval) for x, p in zip(xs, shown, strict=True) if p.has_interval]
            if ranges:
                ax.vlines(*zip(*ranges, strict=True), color=color, linewidth=1).set_gid(f"{fig_id}-ci-{s_index}")
            drawn += len(shown)
            suppressed += sum(1 for p in s.points if p.suppressed)
        for label in periods:
            hidden = all(not p.published for s in series for p in s.points if p.label == label)
            ticks.append(f"{label}\n(suppressed)" if hidden else label)
        ax.set_xticks(range(len(periods)), ticks)
        if len(series) > 1:
            handles = [
                ax.plot([], [], "o-", color=PALETTE[i % len(PALETTE)], label=s.name)[0] for i, s in enumerate(series)
            ]
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        svg = _svg(fig, fig_id)
    return _figure_html(fig_id, svg, title, desc, caption, drawn, suppressed)
