"""Federal fiscal periods as the measure tables name them: `FY2026` (period_kind `fiscal_year`, October 2025 to
September 2026, named after the year it ends in) and `FY2026Q1` (period_kind `fiscal_quarter`, October-December
2025), and the period before each.

A date's periods come from marts.dim_dates (its fiscal_year_label and fiscal_quarter), where the dbt macros
(dbt_project/macros/dates.sql) define the fiscal year once; nothing here computes them again. dim_dates spans the
dbt vars dim_dates_start to dim_dates_end (FY2001-FY2035): a date outside it has no period and is not measured.
"""

from __future__ import annotations

import re

from warehouse.sql_files import query

PERIOD_KINDS = ("fiscal_year", "fiscal_quarter")
_YEAR = re.compile(r"^FY(\d{4})$")
_QUARTER = re.compile(r"^FY(\d{4})Q([1-4])$")


def prior_period(period: str) -> str | None:
    """The period just before `period` ('FY2026' -> 'FY2025', 'FY2026Q1' -> 'FY2025Q4'); None for other labels."""
    if m := _YEAR.match(period):
        return f"FY{int(m.group(1)) - 1}"
    if m := _QUARTER.match(period):
        year, quarter = int(m.group(1)), int(m.group(2))
        return f"FY{year - 1}Q4" if quarter == 1 else f"FY{year}Q{quarter - 1}"
    return None


def period_sql(date_alias: str = "d") -> str:
    """Select-list fragment giving `fiscal_year_label` and `fiscal_quarter_label` from marts.dim_dates `date_alias`."""
    return (
        f"{date_alias}.fiscal_year_label as fiscal_year_label, "
        f"{date_alias}.fiscal_year_label || 'Q' || {date_alias}.fiscal_quarter as fiscal_quarter_label"
    )


def period_rows_sql(date_sql: str) -> str:
    """A list of the two period structs the date `date_sql` falls in, looked up in marts.dim_dates (a correlated
    subquery, which DuckDB runs as one join); `unnest(..., recursive := true)` of it yields one row per period kind
    with columns period_kind and period, so one scan feeds both the yearly and the quarterly cells. NULL for a date
    outside dim_dates, which unnest turns into no row."""
    year = "{'period_kind': 'fiscal_year', 'period': d.fiscal_year_label}"
    quarter = "{'period_kind': 'fiscal_quarter', 'period': d.fiscal_year_label || 'Q' || d.fiscal_quarter}"
    periods = f"[{year}, {quarter}]"
    return f"(select {periods} from marts.dim_dates as d where d.date_day = {date_sql})"


def periods_table_sql(date_table_sql: str, date_column: str) -> str:
    """Every fiscal period (both kinds) in which `date_column` of `date_table_sql` has a value, with its first and
    last calendar day (the whole fiscal period, not just the days with data)."""
    return query(__package__, "periods_table", date_table=date_table_sql, date_column=date_column)
