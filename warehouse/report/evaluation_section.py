"""The risk model's evaluation (risk.model_evaluation, warehouse/risk/evaluation.py) beside the rules and random
selection: precision, recall and revenue captured at each inspection rate, for the latest time-split cutoff."""

from __future__ import annotations

from html import escape

import pandas as pd

from warehouse.metrics.estimates import wilson_interval
from warehouse.report import formats, titles
from warehouse.report.charts import Point, Series, trend_chart
from warehouse.report.html_parts import frame_table, slug, table

CURVES = ("precision", "recall", "revenue_share")
REQUIRED = ("selector", "k_pct")
# What a curve's proportion is out of: precision of the k% of held-out lines selected, recall of the held-out lines
# with a material discrepancy. Their 95% intervals are Wilson intervals on that n, treating the held-out lines as a
# sample; revenue share (a ratio of sums) gets none, nor does `random` (an analytic expectation, not a draw).
SELECTED = "selected"
DENOMINATORS = {"precision": SELECTED, "recall": "n_test_positive"}
INTERVAL_NOTE = {
    "precision": "Whiskers: 95% Wilson interval on the lines selected (n); random selection is its expectation.",
    "recall": "Whiskers: 95% Wilson interval on the held-out lines with a discrepancy (n).",
}
NO_INTERVAL = "No interval: a ratio of revenue sums on the held-out lines (n = held-out lines)."


def curve_point(row: pd.Series, curve: str, k: float, selector: str) -> Point:
    """One selector's value at k%, with its Wilson interval where the value is a proportion of a known count."""
    estimate = None if formats.is_missing(row[curve]) else float(row[curve])
    lines = formats.number(row.get("n_test_lines"))
    denominator = DENOMINATORS.get(curve)
    n = None
    if denominator == SELECTED and lines is not None:
        n = round(lines * float(k) / 100)
    elif denominator and not formats.is_missing(row.get(denominator)):
        n = int(row[denominator])
    elif lines is not None:
        n = int(lines)
    low = high = None
    if denominator and selector != "random" and n and estimate is not None:
        low, high = wilson_interval(estimate * n, n)
    return Point(f"top {k:g}%", estimate, low, high, n)


def render(frame: pd.DataFrame) -> tuple[str, int]:
    if all(c in frame.columns for c in REQUIRED) and not len(frame):
        return '<p class="not-computed">No evaluation yet: too little exam history for a time split.</p>', 0
    if not all(c in frame.columns for c in REQUIRED):
        note = '<p class="note">No evaluation rows in the expected layout; shown as a table.</p>'
        return note + frame_table(frame), 0
    latest = frame
    cutoff_note = ""
    if "cutoff" in frame.columns:
        cutoff = max(frame["cutoff"])
        latest = frame[frame["cutoff"] == cutoff]
        cutoff_note = f" Trained on outcomes before {formats.day(cutoff)}, evaluated on lines filed from then"
        if {"test_from", "test_to", "n_test_lines"} <= set(frame.columns):
            first = latest.iloc[0]
            cutoff_note += (
                f" ({formats.day(first['test_from'])} to {formats.day(first['test_to'])}, "
                f"{formats.count(first['n_test_lines'])} lines)"
            )
        cutoff_note += "."
    parts, figures = [], 0
    ks = sorted(set(latest["k_pct"]))
    selectors = [s for s in titles.SELECTORS if s in set(latest["selector"])]
    selectors += sorted(set(latest["selector"]) - set(selectors))
    for curve in [c for c in CURVES if c in frame.columns]:
        series = []
        for selector in selectors:
            rows = latest[latest["selector"] == selector].set_index("k_pct")
            points = [curve_point(rows.loc[k], curve, k, selector) for k in ks if k in rows.index]
            series.append(Series(titles.selector_title(selector), points))
        title = f"{titles.measure_title(curve)} at each inspection rate"
        chart = trend_chart(
            slug("fig", "risk", "model-evaluation", curve),
            title,
            f"{title}, risk model against targeting rules and random selection, on the held-out period.",
            series,
            "rate",
            caption=escape(f"{title}.{cutoff_note} {INTERVAL_NOTE.get(curve, NO_INTERVAL)}"),
        )
        parts.append(chart)
        figures += bool(chart)
    if "auc" in latest.columns:
        auc_rows = [
            [escape(titles.selector_title(s)), escape(formats.cell(latest.loc[latest["selector"] == s, "auc"].iloc[0]))]
            for s in selectors
        ]
        parts.append(table(["selector", "AUC on the held-out lines"], auc_rows, numeric={1}))
    parts.append(f"<details><summary>All {len(frame):,} evaluation rows</summary>{frame_table(frame)}</details>")
    return "".join(parts), figures
