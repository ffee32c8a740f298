"""SQL for the federal fiscal periods (October-September, named after the year they end in) as the measure tables
label them: `FY2026` (period_kind `fiscal_year`) and `FY2026Q1` (period_kind `fiscal_quarter`, October-December
2025), computed from any date column. The labels and `prior_period` are those of warehouse/metrics/periods.py."""

from __future__ import annotations

from warehouse.sql_files import query


def fiscal_year_sql(date_sql: str) -> str:
    return f"(year({date_sql}) + case when month({date_sql}) >= 10 then 1 else 0 end)"


def fiscal_quarter_sql(date_sql: str) -> str:
    return f"(((month({date_sql}) + 2) % 12) // 3 + 1)"


def period_rows_sql(date_sql: str) -> str:
    """A list of the two period structs a date falls in; `unnest(..., recursive := true)` of it yields one row per
    period kind with columns period_kind and period, so one scan feeds both the yearly and the quarterly cells."""
    fy = fiscal_year_sql(date_sql)
    fq = fiscal_quarter_sql(date_sql)
    return (
        f"[{{'period_kind': 'fiscal_year', 'period': 'FY' || {fy}}}, "
        f"{{'period_kind': 'fiscal_quarter', 'period': 'FY' || {fy} || 'Q' || {fq}}}]"
    )


def periods_table_sql(date_table_sql: str, date_column: str) -> str:
    """Every fiscal period (both kinds) in which `date_column` of `date_table_sql` has a value, with its first and
    last calendar day (the whole fiscal period, not just the days with data)."""
    fragments = {"date_table": date_table_sql, "date_column": date_column}
    fragments |= {"fiscal_year": fiscal_year_sql("d"), "fiscal_quarter": fiscal_quarter_sql("d")}
    return query(__package__, "fiscal_periods_table", **fragments)
