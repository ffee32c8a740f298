"""One report section per metric table, rendered from the shared estimate layout (warehouse/metrics/estimates.py)
whatever measures, periods and breakouts the table holds.

Per measure: a trend of the overall estimate when there are two or more periods; for each breakout, the estimates
of the headline period (the latest fiscal year, else the latest period) beside the overall one; measures named
`<x>_before` / `<x>_after` are also drawn side by side. Then every row of the measure in a collapsible table.
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from warehouse.metrics.estimates import ESTIMATE_COLUMNS
from warehouse.report import formats, titles
from warehouse.report.charts import Point, Series, row_chart, trend_chart
from warehouse.report.html_parts import frame_table, slug, table

# Period kinds for the headline, most preferred first; trends prefer the finest kind with two or more periods.
HEADLINE_KINDS = ("fiscal_year", "all", "fiscal_quarter")
TREND_KINDS = ("fiscal_quarter", "fiscal_year")
BAR_UNITS = {"usd", "hours", "count", "days"}  # magnitudes are bars from zero; rates, ratios and indexes are dots
MAX_ROWS = 40  # breakout values drawn per chart (the largest samples); every value is in the table and exports
MAX_SUPPRESSED = 10  # suppressed values drawn per chart, to say they exist without filling the chart
DETAIL_ROWS = 200  # rows of a measure listed in the page; the exports hold them all


EMPTY_TABLE = (
    '<p class="not-computed">No data yet: the table was computed but holds no rows, as the warehouse has nothing to '
    "compute it from (no entries, exams or random-sample lines loaded for it).</p>"
)
NOTHING_PUBLISHED = (
    '<p class="not-computed">No data yet: no estimate of this measure is published (each cell is suppressed or not '
    "estimable; the notes below say why), so there is nothing to chart.</p>"
)


def is_estimate_table(frame: pd.DataFrame) -> bool:
    return all(c in frame.columns for c in ESTIMATE_COLUMNS)


def is_published(rows: pd.DataFrame) -> pd.Series:
    """Rows with an estimate that is not suppressed: what a chart can draw."""
    return rows["estimate"].notna() & ~rows["suppressed"].fillna(False).astype(bool)


def point(row: dict, label: str) -> Point:
    return Point(
        label=label,
        estimate=None if formats.is_missing(row["estimate"]) else float(row["estimate"]),
        low=None if formats.is_missing(row["ci_low"]) else float(row["ci_low"]),
        high=None if formats.is_missing(row["ci_high"]) else float(row["ci_high"]),
        n=None if formats.is_missing(row["n_sampled"]) else int(row["n_sampled"]),
        suppressed=bool(row["suppressed"]) if not formats.is_missing(row["suppressed"]) else False,
    )


def headline_period(rows: pd.DataFrame) -> tuple[str, str] | None:
    """(period_kind, period) to headline: the latest period of the most preferred kind present."""
    kinds = list(dict.fromkeys(rows["period_kind"]))
    for kind in [*HEADLINE_KINDS, *sorted(kinds)]:
        if kind in kinds:
            return kind, max(rows.loc[rows["period_kind"] == kind, "period"])
    return None


def measures_of(frame: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(frame["measure"]))
    known = [m for m in titles.MEASURES if m in present]
    return known + sorted(m for m in present if m not in known)


def domains_of(frame: pd.DataFrame) -> list[str]:
    present = [d for d in dict.fromkeys(frame["domain"]) if d != "overall"]
    known = [d for d in titles.DOMAINS if d in present]
    return known + sorted(d for d in present if d not in known)


def unit_of(rows: pd.DataFrame) -> str | None:
    units = [u for u in rows["unit"] if not formats.is_missing(u)]
    return units[0] if units else None


def headline_rows(frame: pd.DataFrame) -> list[dict]:
    """Each measure's overall estimate for its headline period (one dict per measure, in measure order)."""
    found = []
    for measure in measures_of(frame):
        overall = frame[(frame["measure"] == measure) & (frame["domain"] == "overall")]
        chosen = headline_period(overall) if len(overall) else None
        if chosen:
            kind, period = chosen
            row = overall[(overall["period_kind"] == kind) & (overall["period"] == period)].iloc[0]
            found.append(row.to_dict())
    return found


def headline_table(frame: pd.DataFrame) -> str:
    rows = headline_rows(frame)
    if not rows:
        return ""
    has_change = "change" in frame.columns
    headers = ["measure", "period", "estimate", "95% interval", "std. error", "n", "note"]
    if has_change:
        headers += ["change from prior", "p-value"]
    body = []
    for r in rows:
        unit = r["unit"]
        suppressed = bool(r["suppressed"]) if not formats.is_missing(r["suppressed"]) else False
        cells = [
            escape(titles.measure_title(r["measure"])),
            escape(str(r["period"])),
            formats.SUPPRESSED if suppressed else escape(formats.value(r["estimate"], unit)),
            escape(formats.interval(r["ci_low"], r["ci_high"], unit)),
            escape(formats.value(r["std_error"], unit)),
            formats.count(r["n_sampled"]),
            escape("" if formats.is_missing(r["note"]) else str(r["note"])),
        ]
        if has_change:
            change = r.get("change")
            prior = r.get("prior_period")
            text = formats.DASH
            if not formats.is_missing(change):
                text = f"{_signed(change, unit)} vs {prior} (s.e. {formats.value(r.get('change_std_error'), unit)})"
            cells += [escape(text), escape(formats.p_value(r.get("change_p_value")))]
        body.append(cells)
    return table(headers, body, numeric={2, 3, 4, 5}, cls="data headline")


def _signed(x, unit: str | None) -> str:
    if unit == "rate":
        return f"{float(x) * 100:+.2f} pts"
    text = formats.value(abs(float(x)), unit)
    return ("+" if float(x) >= 0 else "-") + text


def report_card_table(frame: pd.DataFrame, labels: dict | None = None) -> str:
    """One row per domain value (port, issue): each measure's headline estimate with interval, n, rank and trend."""
    if not all(c in frame.columns for c in ("rank", "rank_of")):
        return ""
    cards = frame[frame["domain"] != "overall"]
    if not len(cards):
        return ""
    measures = measures_of(cards)
    chosen = {m: headline_period(cards[cards["measure"] == m]) for m in measures}
    # Ordered by rank on the first measure in its headline period; unranked (suppressed) values last.
    kind, period = chosen[measures[0]]
    first = cards[(cards["measure"] == measures[0]) & (cards["period_kind"] == kind) & (cards["period"] == period)]
    ranks = {str(v): r for v, r in zip(first["domain_value"], first["rank"], strict=True) if not formats.is_missing(r)}
    values = sorted(set(cards["domain_value"].astype(str)), key=lambda v: (ranks.get(v, math.inf), v))
    headers = [escape(titles.domain_title(cards["domain"].iloc[0]))] + [
        escape(f"{titles.measure_title(m)} ({chosen[m][1]})") for m in measures
    ]
    # One pass over the rows (a filter per cell is quadratic: hundreds of ports times ten measures).
    cell_rows = {}
    for r in cards.to_dict("records"):
        if chosen[r["measure"]] == (r["period_kind"], r["period"]):
            cell_rows.setdefault((r["measure"], str(r["domain_value"])), r)
    names = (labels or {}).get(cards["domain"].iloc[0])
    body = []
    for value in values:
        cells = [escape(titles.value_title(value, names))]
        for m in measures:
            hit = cell_rows.get((m, value))
            cells.append(_card_cell(hit) if hit else formats.DASH)
        body.append(cells)
    return table(headers, body, cls="data cards")


def _card_cell(r: dict) -> str:
    unit = r["unit"]
    if not formats.is_missing(r["suppressed"]) and bool(r["suppressed"]):
        n = formats.count(r["n_sampled"])
        return f'<span class="suppressed">{formats.SUPPRESSED}</span><br><small>n = {n}</small>'
    rank = ""
    if not formats.is_missing(r.get("rank")):
        rank = f"rank {int(r['rank'])} of {formats.count(r.get('rank_of'))}"
    trend = "" if formats.is_missing(r.get("trend")) else f" · {escape(str(r['trend']))}"
    prior = ""
    if not formats.is_missing(r.get("prior_estimate")):
        prior = f" · prior {escape(formats.value(r['prior_estimate'], unit))}"
    return (
        f"<b>{escape(formats.value(r['estimate'], unit))}</b><br><small>95% CI "
        f"{escape(formats.interval(r['ci_low'], r['ci_high'], unit))} · n = {formats.count(r['n_sampled'])}<br>"
        f"{rank}{trend}{prior}</small>"
    )


def trend_figure(table_name: str, measure: str, rows: pd.DataFrame) -> str:
    """The overall estimate over periods, for the finest period kind with at least two periods."""
    overall = rows[rows["domain"] == "overall"]
    for kind in [*TREND_KINDS, *sorted(set(overall["period_kind"]) - set(TREND_KINDS))]:
        series_rows = overall[overall["period_kind"] == kind].sort_values("period")
        if series_rows["period"].nunique() >= 2:
            points = [point(r, str(r["period"])) for r in series_rows.to_dict("records")]
            title = f"{titles.measure_title(measure)}: overall, by {titles.PERIOD_KINDS.get(kind, kind)}"
            return trend_chart(
                slug("fig", table_name, measure, "trend", kind),
                title,
                f"Trend of {title.lower()}, with 95% intervals as a band and whiskers, from metrics.{table_name}.",
                [Series(titles.measure_title(measure), points)],
                unit_of(series_rows),
                caption=escape(title) + ". Band and whiskers: 95% interval; \u00d7: suppressed period.",
            )
    return ""


def breakout_figure(
    table_name: str, measures: list[str], frame: pd.DataFrame, domain: str, labels: dict | None = None
) -> str:
    """The headline period's estimates by `domain` value, beside the overall one; several measures (before/after)
    become several series."""
    first = frame[(frame["measure"] == measures[0]) & (frame["domain"] == domain)]
    chosen = headline_period(first)
    if chosen is None:
        return ""
    kind, period = chosen
    in_period = frame[(frame["period_kind"] == kind) & (frame["period"] == period)]
    values = in_period[(in_period["measure"] == measures[0]) & (in_period["domain"] == domain)]
    # The values drawn: the published ones with the largest samples when there are too many, then a few suppressed
    # ones (the rest are in the table); ordered by estimate, suppressed last.
    values = values.sort_values(["n_sampled", "domain_value"], ascending=[False, True])
    hidden = values["suppressed"].fillna(False).astype(bool)
    published = values[~hidden].head(MAX_ROWS)
    values = pd.concat([published, values[hidden].head(min(MAX_SUPPRESSED, MAX_ROWS - len(published)))])
    values = values.assign(_order=values["estimate"].fillna(-1e300)).sort_values(
        ["_order", "domain_value"], ascending=[False, True]
    )
    total = int(((in_period["measure"] == measures[0]) & (in_period["domain"] == domain)).sum())
    shown = list(values["domain_value"].astype(str))
    series = []
    for measure in measures:
        mrows = in_period[in_period["measure"] == measure]
        points = []
        overall = mrows[mrows["domain"] == "overall"]
        if len(overall):
            points.append(point(overall.iloc[0].to_dict(), "All (overall)"))
        by_value = {str(r["domain_value"]): r for r in mrows[mrows["domain"] == domain].to_dict("records")}
        names = (labels or {}).get(domain)
        points += [point(by_value[v], titles.value_title(v, names)) for v in shown if v in by_value]
        series.append(Series(titles.measure_title(measure), points))
    unit = unit_of(frame[frame["measure"] == measures[0]])
    name = (
        " vs ".join(titles.measure_title(m) for m in measures)
        if len(measures) > 1
        else titles.measure_title(measures[0])
    )
    when = "all periods" if period == "all" else period
    title = f"{name}: by {titles.domain_title(domain).lower()}, {when}"
    cut = f" Showing {len(shown)} of {total} values (the largest samples)." if total > len(shown) else ""
    return row_chart(
        slug("fig", table_name, *measures, domain, period),
        title,
        f"Estimates of {title.lower()} with 95% intervals and sample sizes, from metrics.{table_name}.",
        series,
        unit,
        style="bar" if unit in BAR_UNITS else "dot",
        caption=escape(title) + ". Whiskers: 95% interval." + escape(cut),
    )


def overall_figure(table_name: str, measure: str, rows: pd.DataFrame) -> str:
    """A measure with no breakouts and a single period: its overall estimate(s) as one small chart."""
    overall = rows[rows["domain"] == "overall"].sort_values(["period_kind", "period"])
    if not len(overall):
        return ""
    points = [point(r, str(r["period"])) for r in overall.to_dict("records")]
    unit = unit_of(overall)
    title = f"{titles.measure_title(measure)}: overall"
    return row_chart(
        slug("fig", table_name, measure, "overall"),
        title,
        f"{title} with its 95% interval and sample size, from metrics.{table_name}.",
        [Series(titles.measure_title(measure), points)],
        unit,
        style="bar" if unit in BAR_UNITS else "dot",
        caption=escape(title) + ". Whiskers: 95% interval.",
    )


def paired_measures(measures: list[str]) -> list[tuple[str, str]]:
    return [
        (m, m[: -len("_before")] + "_after")
        for m in measures
        if m.endswith("_before") and m[: -len("_before")] + "_after" in measures
    ]


def render_table(table_name: str, frame: pd.DataFrame, labels: dict | None = None) -> tuple[str, int]:
    """The body of a metric table's section and the number of figures in it; `labels` names breakout codes
    (value_labels.py)."""
    if not is_estimate_table(frame):
        return '<p class="note">Not in the shared estimate layout; shown as a table.</p>' + frame_table(frame), 0
    if not len(frame):
        return EMPTY_TABLE, 0
    parts = [headline_table(frame), report_card_table(frame, labels)]
    figures = 0
    measures = measures_of(frame)
    for before, after in paired_measures(measures):
        pair = frame[frame["measure"].isin([before, after])]
        if not is_published(pair).any():  # a chart of suppressed cells only says nothing the tables don't
            continue
        for domain in domains_of(pair):
            html = breakout_figure(table_name, [before, after], pair, domain, labels)
            parts.append(html)
            figures += bool(html)
    for measure in measures:
        rows = frame[frame["measure"] == measure]
        parts.append(f'<h3 id="{slug(table_name, measure)}">{escape(titles.measure_title(measure))}</h3>')
        if is_published(rows).any():
            charts = [trend_figure(table_name, measure, rows)]
            charts += [breakout_figure(table_name, [measure], rows, d, labels) for d in domains_of(rows)]
            charts = [c for c in charts if c]
            if not charts:
                charts = [overall_figure(table_name, measure, rows)]
        else:
            charts = []
            parts.append(NOTHING_PUBLISHED)
        parts += charts
        figures += sum(bool(c) for c in charts)
        extra = [c for c in frame.columns if c not in ESTIMATE_COLUMNS]
        shown = rows[
            [
                "period_kind",
                "period",
                "domain",
                "domain_value",
                "estimate",
                "std_error",
                "ci_low",
                "ci_high",
                "n_sampled",
                "suppressed",
                "note",
                *extra,
            ]
        ]
        parts.append(
            f"<details><summary>All {len(rows):,} estimates of this measure</summary>"
            f"{frame_table(shown, DETAIL_ROWS)}</details>"
        )
    return "".join(parts), figures
