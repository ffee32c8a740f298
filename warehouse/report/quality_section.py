"""Data quality status: the latest result of every check in ops.quality_results (expectations/history.py), by
suite, the expectations failing now, and a link to the Data Docs site when it exists."""

from __future__ import annotations

import os
from datetime import UTC
from html import escape
from pathlib import Path

from warehouse.report import formats
from warehouse.report.charts import Point, Series, interval_chart
from warehouse.report.html_parts import not_computed, table
from warehouse.report.source import has_table
from warehouse.sql_files import query


def render(con, data_docs: Path, out: Path) -> tuple[str, int, str]:
    """The page body, its number of charts, and the one-line status (for the front page; '' without checks)."""
    parts = []
    if data_docs.exists():
        href = os.path.relpath(data_docs, out).replace(os.sep, "/")
        parts.append(f'<p>Every expectation and its failing rows: <a href="{escape(href)}">Data Docs</a>.</p>')
    else:
        parts.append('<p class="note">No Data Docs site beside this warehouse.</p>')
    if not has_table(con, "ops", "quality_results"):
        return "".join(parts) + not_computed("ops.quality_results (no quality checks have run)"), 0, ""
    # Both at the latest run of each check (asset, check name): its rows are the current status of its expectations.
    latest = f"({query(__package__, 'quality_section_latest')})"
    suites = con.execute(query(__package__, "quality_section_suites", latest_results=latest)).fetchall()
    failing = con.execute(query(__package__, "quality_section_failing", latest_results=latest)).fetchall()
    if not suites:
        return "".join(parts) + '<p class="not-computed">ops.quality_results is empty.</p>', 0, ""
    blocking = sum(s[3] for s in suites)
    last = max(s[5] for s in suites)
    status = (
        f'<p class="status {"bad" if blocking else "good"}">'
        + (f"{blocking} blocking (error) expectations failing" if blocking else "Every blocking expectation passed")
        + f" at each check's latest run; {_warnings(sum(s[4] for s in suites))}. Last check: {escape(_when(last))}.</p>"
    )
    parts.append(status)
    series = [
        Series("passed", [Point(s[0], float(s[2]), n=s[1]) for s in suites]),
        Series("failed", [Point(s[0], float(s[3] + s[4]), n=s[1]) for s in suites]),
    ]
    chart = interval_chart(
        "fig-quality-suites",
        "Expectations passed and failed, by suite",
        "Counts of expectations that passed and failed at the latest run of each suite's checks.",
        series,
        "count",
        caption="Expectations passed and failed at each suite's latest run (counts of every expectation; "
        "n = expectations in the suite).",
    )
    parts.append(chart)
    rows = [
        [
            escape(s[0]),
            formats.count(s[1]),
            formats.count(s[2]),
            formats.count(s[3]),
            formats.count(s[4]),
            escape(str(s[5])),
        ]
        for s in suites
    ]
    parts.append(
        table(
            ["suite", "expectations", "passed", "failed (error)", "failed (warning)", "last checked"],
            rows,
            numeric={1, 2, 3, 4},
        )
    )
    if failing:
        rows = [
            [
                escape(str(f[0])),
                escape(str(f[1])),
                escape(str(f[2])),
                formats.count(f[3]),
                escape(" .. ".join(str(d) for d in f[4:6] if d is not None) or formats.DASH),
            ]
            for f in failing
        ]
        parts.append("<h3>Failing now</h3>")
        parts.append(
            table(["suite", "expectation", "severity", "unexpected rows", "delivery dates"], rows, numeric={3})
        )
    return "".join(parts), int(bool(chart)), status


def _when(moment) -> str:
    """A check's time to the minute, in UTC (the stored value carries microseconds and an offset)."""
    if hasattr(moment, "astimezone") and getattr(moment, "tzinfo", None) is not None:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(moment)[:16]


def _warnings(count: int) -> str:
    return "1 warning" if count == 1 else f"{count:,} warnings"
