"""SQL for the federal fiscal periods (October-September, named after the year they end in) as the measure tables
label them: `FY2026` (period_kind `fiscal_year`) and `FY2026Q1` (period_kind `fiscal_quarter`, October-December
2025), computed from any date column. The labels and `prior_period` are those of warehouse/metrics/periods.py."""

from __future__ import annotations


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
    fy = fiscal_year_sql("d")
    fq = fiscal_quarter_sql("d")
    return f"""
        with days as (select distinct {date_column} as d from {date_table_sql} where {date_column} is not null),
        keyed as (
            select {fy} as fy, {fq} as fq from days group by all
        )
        select 'fiscal_year' as period_kind, 'FY' || fy as period,
               make_date(fy - 1, 10, 1) as period_start, make_date(fy, 9, 30) as period_end
        from (select distinct fy from keyed)
        union all
        select 'fiscal_quarter', 'FY' || fy || 'Q' || fq,
               (make_date(fy - 1, 10, 1) + to_months(3 * (fq - 1)))::date,
               (make_date(fy - 1, 10, 1) + to_months(3 * fq) - interval 1 day)::date
        from keyed
    """
