"""A fact table's rows once per fiscal period kind they fall in (columns period_kind, period), with the value of the
domain they are counted under (domain_value): the one scaffold the targeting statistics and the report cards' counts
group by period and domain, filled into their queries as a fragment (sql/period_rows.sql)."""

from __future__ import annotations

from warehouse.metrics.periods import period_rows_sql
from warehouse.sql_files import query


def period_rows(fact_table: str, date_column: str, domain_sql: str) -> str:
    """The select of `fact_table`'s rows per period of `date_column`, `domain_sql` as their domain_value."""
    fragments = {"fact_table": fact_table, "periods": period_rows_sql(date_column), "domain_sql": domain_sql}
    return query(__package__, "period_rows", **fragments)
