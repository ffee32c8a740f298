"""What the warehouse holds, in one line: entries, lines, value, duty and the filing dates they span (the marts)."""

from __future__ import annotations

from html import escape

from warehouse.metrics.periods import period_sql
from warehouse.report import formats
from warehouse.report.source import has_table


def warehouse_facts(con) -> dict | None:
    """Entries, lines, value, duty, the filing dates they span and the fiscal quarter of the last; None without the
    marts."""
    if not (has_table(con, "marts", "fct_entry_lines") and has_table(con, "marts", "fct_entries")):
        return None
    entries = con.execute("select count(*) from marts.fct_entries").fetchone()[0]
    lines, value, duty, first, last = con.execute(
        "select count(*), sum(entered_value_usd), sum(duty_usd), min(filed_date), max(filed_date) "
        "from marts.fct_entry_lines"
    ).fetchone()
    quarter = None
    if last is not None and has_table(con, "marts", "dim_dates"):
        # The fiscal calendar as the marts define it (dbt_project/macros/dates.sql), not a formula of our own.
        found = con.execute(
            f"select {period_sql('d')} from marts.dim_dates as d where d.date_day = ?", [last]
        ).fetchone()
        quarter = found[1] if found else None
    return {
        "entries": entries,
        "lines": lines,
        "value": value,
        "duty": duty,
        "first": first,
        "last": last,
        "last_quarter": quarter,
    }


def facts_html(facts: dict | None) -> str:
    if facts is None:
        return '<p class="not-computed">Not computed: the warehouse has no entry marts yet.</p>'
    if not facts["lines"]:
        return '<p class="not-computed">No data yet: no entry lines are loaded in the marts.</p>'
    return (
        '<ul class="facts">'
        f"<li><b>{formats.count(facts['entries'])}</b> entries, <b>{formats.count(facts['lines'])}</b> lines</li>"
        f"<li><b>{formats.value(facts['value'], 'usd')}</b> entered value, "
        f"<b>{formats.value(facts['duty'], 'usd')}</b> duty</li>"
        f"<li>filed {escape(str(facts['first']))} to {escape(str(facts['last']))}</li></ul>"
    )
