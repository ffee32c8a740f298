"""The overview: what the warehouse holds (from the marts) and every table's headline estimates in one place."""

from __future__ import annotations

from html import escape

import pandas as pd

from warehouse.report import formats, titles
from warehouse.report.charts import Series, row_chart
from warehouse.report.html_parts import table
from warehouse.report.metric_sections import headline_rows, is_estimate_table, point
from warehouse.report.source import has_table


def warehouse_facts(con) -> dict | None:
    """Entries, lines, value, duty and the filing dates they span; None without the marts."""
    if not (has_table(con, "marts", "fct_entry_lines") and has_table(con, "marts", "fct_entries")):
        return None
    entries = con.execute("select count(*) from marts.fct_entries").fetchone()[0]
    lines, value, duty, first, last = con.execute(
        "select count(*), sum(entered_value_usd), sum(duty_usd), min(filed_date), max(filed_date) "
        "from marts.fct_entry_lines"
    ).fetchone()
    return {"entries": entries, "lines": lines, "value": value, "duty": duty, "first": first, "last": last}


def render(con, frames: dict[str, pd.DataFrame]) -> tuple[str, int]:
    parts = []
    facts = warehouse_facts(con)
    if facts and not facts["lines"]:
        parts.append('<p class="not-computed">No data yet: no entry lines are loaded in the marts.</p>')
    elif facts:
        parts.append(
            '<ul class="facts">'
            f"<li><b>{formats.count(facts['entries'])}</b> entries, <b>{formats.count(facts['lines'])}</b> lines</li>"
            f"<li><b>{formats.value(facts['value'], 'usd')}</b> entered value, "
            f"<b>{formats.value(facts['duty'], 'usd')}</b> duty</li>"
            f"<li>filed {escape(str(facts['first']))} to {escape(str(facts['last']))}</li></ul>"
        )
    headlines = []
    for name, frame in frames.items():
        if is_estimate_table(frame):
            headlines += [(name, r) for r in headline_rows(frame)]
    if not headlines:
        return "".join(parts) + '<p class="not-computed">Not computed: no performance measures yet.</p>', 0
    rows = []
    for name, r in headlines:
        unit = r["unit"]
        suppressed = not formats.is_missing(r["suppressed"]) and bool(r["suppressed"])
        rows.append(
            [
                f'<a href="#{escape(name)}">{escape(titles.table_title(name))}</a>',
                escape(titles.measure_title(r["measure"])),
                escape(str(r["period"])),
                formats.SUPPRESSED if suppressed else escape(formats.value(r["estimate"], unit)),
                escape(formats.interval(r["ci_low"], r["ci_high"], unit)),
                formats.count(r["n_sampled"]),
            ]
        )
    parts.append(table(["area", "measure", "period", "estimate", "95% interval", "n"], rows, numeric={3, 4, 5}))
    rates = [(name, r) for name, r in headlines if r["unit"] == "rate"]
    if not any(point(r, "").published for _, r in rates):  # none, or suppressed only: the table above says it all
        return "".join(parts), 0
    points = [point(r, f"{titles.measure_title(r['measure'])} ({r['period']})") for _, r in rates]
    parts.append(
        row_chart(
            "fig-overview-headline-rates",
            "Headline rates",
            "Each rate measure's overall estimate for its latest period, with its 95% interval and sample size.",
            [Series("overall", points)],
            "rate",
            caption="Headline rates: each rate measure overall, latest period. Whiskers: 95% interval.",
        )
    )
    return "".join(parts), 1
