"""The risk model's evaluation (risk.model_evaluation) beside the rules and random selection: precision, recall and
revenue captured at each inspection rate, for the latest time-split cutoff."""

from __future__ import annotations

from html import escape

import pandas as pd

from warehouse.report import formats, titles
from warehouse.report.charts import Point, Series, trend_chart
from warehouse.report.html_parts import frame_table, slug

CURVES = ("precision", "recall", "revenue_share")
REQUIRED = ("selector", "k_pct")
SAMPLE_COLUMNS = ("n_selected", "n", "n_lines", "n_test")  # the first present is printed as each value's n


def render(frame: pd.DataFrame) -> tuple[str, int]:
    if not all(c in frame.columns for c in REQUIRED) or not len(frame):
        return '<p class="note">No evaluation rows in the expected layout; shown as a table.</p>' + frame_table(
            frame
        ), 0
    latest = frame
    cutoff_note = ""
    if "cutoff" in frame.columns:
        cutoff = max(frame["cutoff"])
        latest = frame[frame["cutoff"] == cutoff]
        cutoff_note = f" Trained on data before {cutoff}, evaluated on the data after it."
    n_column = next((c for c in SAMPLE_COLUMNS if c in frame.columns), None)
    parts, figures = [], 0
    ks = sorted(set(latest["k_pct"]))
    selectors = [s for s in titles.SELECTORS if s in set(latest["selector"])]
    selectors += sorted(set(latest["selector"]) - set(selectors))
    for curve in [c for c in CURVES if c in frame.columns]:
        series = []
        for selector in selectors:
            rows = latest[latest["selector"] == selector].set_index("k_pct")
            points = []
            for k in ks:
                if k in rows.index:
                    r = rows.loc[k]
                    n = r[n_column] if n_column else None
                    points.append(Point(f"top {k:g}%", float(r[curve]), n=None if formats.is_missing(n) else int(n)))
            series.append(Series(titles.selector_title(selector), points))
        title = f"{titles.measure_title(curve)} at each inspection rate"
        parts.append(
            trend_chart(
                slug("fig", "risk", "model-evaluation", curve),
                title,
                f"{title}, risk model against targeting rules and random selection, on the held-out period.",
                series,
                "rate",
                caption=escape(title + "." + cutoff_note + " A time split has no sampling interval here."),
            )
        )
        figures += 1
    parts.append(f"<details><summary>All {len(frame):,} evaluation rows</summary>{frame_table(frame)}</details>")
    return "".join(parts), figures
