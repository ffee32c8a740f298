"""A metric table's pages, from the shared estimate layout (warehouse/metrics/estimates.py) whatever measures,
periods and breakouts the table holds:

- the summary (`summary`): each measure's overall figure for its latest fiscal quarter (else year) with its
  interval, n and change from the period before, a trend chart per measure once there are two periods or more, and
  the lead measure's first breakout;
- the detail (`detail`), behind a link: every measure by every breakout for the latest period (the 25 values with
  the largest samples drawn; the rest in the table), before/after pairs side by side, and every row of the table
  in collapsible tables. Method wording stays in the methods appendix (methods.py); a cell's own note (why it is
  suppressed or has no interval) stays beside it.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from warehouse.metrics.estimates import ESTIMATE_COLUMNS
from warehouse.report import formats, methods, titles
from warehouse.report.charts import BAR_UNITS, Point, Series, interval_chart, trend_chart
from warehouse.report.html_parts import frame_table, slug, table

# Period kinds for the headline, most preferred first; trends prefer the finest kind with two or more periods.
HEADLINE_KINDS = ("fiscal_quarter", "fiscal_year", "all")
TREND_KINDS = ("fiscal_quarter", "fiscal_year")
MAX_ROWS = 25  # breakout values drawn per chart (the largest samples); every value is in the table and exports
DETAIL_ROWS = 200  # rows of a measure listed in the page; the exports hold them all
SIGNIFICANCE = 0.05

EMPTY_TABLE = (
    '<p class="not-computed">No data yet: the table was computed but holds no rows, as the warehouse has nothing to '
    "compute it from (no entries, exams or random-sample lines loaded for it).</p>"
)
NOTHING_PUBLISHED = (
    '<p class="not-computed">No estimate of this measure is published yet (each cell is suppressed or not '
    "estimable; the table says why).</p>"
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
    """Each measure's overall estimate for its latest fiscal quarter and its latest fiscal year (the year to date),
    else for its latest period of another kind; in measure order."""
    found = []
    for measure in measures_of(frame):
        overall = frame[(frame["measure"] == measure) & (frame["domain"] == "overall")]
        kinds = [k for k in TREND_KINDS if k in set(overall["period_kind"])]
        if not kinds and (headline := headline_period(overall)) is not None:  # None only for no rows
            kinds = [headline[0]]
        for kind in kinds:
            of_kind = overall[overall["period_kind"] == kind]
            found.append(of_kind[of_kind["period"] == of_kind["period"].max()].iloc[0].to_dict())
    return found


def cell_note(note) -> str:
    """A row's note when it speaks of that cell (suppressed, interval withheld); '' for method wording."""
    return "" if formats.is_missing(note) or methods.is_method_note(note) else str(note)


def _signed(x, unit: str | None) -> str:
    if unit == "rate":
        return f"{float(x) * 100:+.2f} pts"
    text = formats.value(abs(float(x)), unit)
    return ("+" if float(x) >= 0 else "-") + text


def headline_table(table_name: str, frame: pd.DataFrame) -> str:
    rows = headline_rows(frame)
    if not rows:
        return ""
    has_change = "change" in frame.columns
    headers = ["measure", "period", "estimate", "95% interval", "n", "note"]
    if has_change:
        headers += ["change from the period before"]
    body = []
    for r in rows:
        unit = r["unit"]
        suppressed = bool(r["suppressed"]) if not formats.is_missing(r["suppressed"]) else False
        cells = [
            f'<a href="{slug(table_name)}-detail.html#{slug(table_name, r["measure"])}">'
            f"{escape(titles.measure_title(r['measure']))}</a>",
            escape(str(r["period"])),
            formats.SUPPRESSED if suppressed else escape(formats.value(r["estimate"], unit)),
            escape(formats.interval(r["ci_low"], r["ci_high"], unit)),
            formats.count(r["n_sampled"]),
            escape(cell_note(r["note"])),
        ]
        if has_change:
            cells.append(escape(change_words(r, unit)))
        body.append(cells)
    return table(headers, body, numeric={2, 3, 4}, cls="data headline")


def change_words(r: dict, unit: str | None) -> str:
    change, p = r.get("change"), formats.number(r.get("change_p_value"))
    if formats.is_missing(change):
        return "no earlier period to compare"
    verdict = (
        ""
        if p is None
        else (
            f": real (p = {formats.p_value(p)})"
            if p < SIGNIFICANCE
            else f": within sampling error (p = {formats.p_value(p)})"
        )
    )
    return f"{_signed(change, unit)} vs {r.get('prior_period')}{verdict}"


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
                f"Trend of {title.lower()}, with 95% intervals as a band, from metrics.{table_name}.",
                [Series(titles.measure_title(measure), points)],
                unit_of(series_rows),
                caption=escape(title) + ". Band: 95% interval. " + methods.link(table_name),
            )
    return ""


def breakout_figure(
    table_name: str, measures: list[str], frame: pd.DataFrame, domain: str, labels: dict | None = None
) -> str:
    """The headline period's estimates by `domain` value, beside the overall one; several measures (before/after)
    become several series. '' when nothing would be compared."""
    first = frame[(frame["measure"] == measures[0]) & (frame["domain"] == domain)]
    chosen = headline_period(first)
    if chosen is None:
        return ""
    kind, period = chosen
    in_period = frame[(frame["period_kind"] == kind) & (frame["period"] == period)]
    values = in_period[(in_period["measure"] == measures[0]) & (in_period["domain"] == domain)]
    # Drawn: the published values with the largest samples, ordered by estimate; suppressed ones are only counted.
    published = values[is_published(values)].sort_values(["n_sampled", "domain_value"], ascending=[False, True])
    drawn = published.head(MAX_ROWS).sort_values(["estimate", "domain_value"], ascending=[False, True])
    shown = list(drawn["domain_value"].astype(str))
    names = (labels or {}).get(domain)
    series = []
    for measure in measures:
        mrows = in_period[in_period["measure"] == measure]
        points = []
        overall = mrows[mrows["domain"] == "overall"]
        if len(overall):
            points.append(point(overall.iloc[0].to_dict(), "All (overall)"))
        by_value = {str(r["domain_value"]): r for r in mrows[mrows["domain"] == domain].to_dict("records")}
        points += [point(by_value[v], titles.value_title(v, names)) for v in shown if v in by_value]
        series.append(Series(titles.measure_title(measure), points))
    unit = unit_of(frame[frame["measure"] == measures[0]])
    name = " vs ".join(titles.measure_title(m) for m in measures)
    when = "all periods" if period == "all" else period
    title = f"{name}: by {titles.domain_title(domain).lower()}, {when}"
    suppressed = int((~is_published(values)).sum())
    smaller = len(published) - len(shown)
    cut = ""
    if smaller:
        cut += f" Drawn: the {len(shown)} values with the largest samples; {smaller} more are in the table below."
    if suppressed:
        cut += f" Not drawn: {suppressed} suppressed (fewer than 30 sampled units) or not estimable."
    bars = "Bars" if unit in BAR_UNITS else "Dots"
    return interval_chart(
        slug("fig", table_name, *measures, domain, period),
        title,
        f"Estimates of {title.lower()} with 95% intervals and sample sizes, from metrics.{table_name}.",
        series,
        unit,
        caption=f"{escape(title)}. {bars}: estimate; lines: 95% interval; n: sampled units.{escape(cut)} "
        + methods.link(table_name),
    )


def paired_measures(measures: list[str]) -> list[tuple[str, str]]:
    return [
        (m, m[: -len("_before")] + "_after")
        for m in measures
        if m.endswith("_before") and m[: -len("_before")] + "_after" in measures
    ]


def summary(table_name: str, frame: pd.DataFrame, labels: dict | None = None) -> tuple[str, int]:
    """A table's part of its family page, and the number of charts in it."""
    if not is_estimate_table(frame):
        return '<p class="note">Not in the shared estimate layout; shown as a table.</p>' + frame_table(frame), 0
    if not len(frame):
        return EMPTY_TABLE, 0
    parts = [headline_table(table_name, frame)]
    measures = measures_of(frame)
    charts = [trend_figure(table_name, m, frame[frame["measure"] == m]) for m in measures]
    lead = frame[frame["measure"] == measures[0]]
    # The lead measure's breakout with the fewest values (programmes, modes, environments): a picture that fits on
    # the page; the long ones (ports, chapters) are on the detail page and the report cards.
    sizes = {d: lead.loc[lead["domain"] == d, "domain_value"].nunique() for d in domains_of(lead)}
    if sizes and is_published(lead).any():
        smallest = min(sizes, key=lambda d: (sizes[d] < 2, sizes[d]))
        charts.append(breakout_figure(table_name, [measures[0]], lead, smallest, labels))
    charts = [c for c in charts if c]
    detail = f"{slug(table_name)}-detail.html"
    parts += charts
    parts.append(
        f'<p><a href="{detail}">Every measure by every breakout, and every estimate</a> \u00b7 '
        f"{methods.link(table_name)}</p>"
    )
    return "".join(parts), len(charts)


def detail(table_name: str, frame: pd.DataFrame, labels: dict | None = None) -> tuple[str, int]:
    """A table's detail page body, and the number of charts in it."""
    if not is_estimate_table(frame):
        return frame_table(frame), 0
    if not len(frame):
        return EMPTY_TABLE, 0
    parts, figures = [], 0
    measures = measures_of(frame)
    for before, after in paired_measures(measures):
        pair = frame[frame["measure"].isin([before, after])]
        for domain in domains_of(pair):
            html = breakout_figure(table_name, [before, after], pair, domain, labels)
            parts.append(html)
            figures += bool(html)
    for measure in measures:
        rows = frame[frame["measure"] == measure]
        parts.append(f'<h3 id="{slug(table_name, measure)}">{escape(titles.measure_title(measure))}</h3>')
        charts = [trend_figure(table_name, measure, rows)]
        charts += [breakout_figure(table_name, [measure], rows, d, labels) for d in domains_of(rows)]
        charts = [c for c in charts if c]
        if not is_published(rows).any():
            parts.append(NOTHING_PUBLISHED)
        parts += charts
        figures += len(charts)
        extra = [c for c in frame.columns if c not in ESTIMATE_COLUMNS]
        columns = ["period_kind", "period", "domain", "domain_value", "estimate", "std_error", "ci_low", "ci_high"]
        columns += ["n_sampled", "suppressed", "note", *extra]
        listed = rows.assign(note=rows["note"].map(cell_note))[columns]
        parts.append(
            f'<details><summary>All {len(rows):,} estimates of this measure</summary><div class="scroll">'
            f"{frame_table(listed, DETAIL_ROWS)}</div></details>"
        )
    return "".join(parts), figures
