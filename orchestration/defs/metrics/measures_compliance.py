"""Performance measures from the compliance-measurement sample and the entry lifecycle: the MTD rate, the revenue
gap and clearance speed (warehouse/metrics; docs/metrics.md). Each asset replaces its `metrics.<table>`."""

from typing import Any, TypedDict

import dagster as dg

from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, marts
from orchestration.resources import WarehouseResource
from warehouse.metrics import clearance, compliance, period_scope, revenue_gap
from warehouse.metrics.cm_sample import SIGNATURE_SQL, filed_periods, load_sample
from warehouse.metrics.estimates import write_estimates

SAMPLE_MARTS = ("fct_exams", "fct_entry_lines", "dim_dates", "dim_commodities", "dim_programs")


class _Common(TypedDict):  # typed, so that `**COMMON` type-checks against `dg.asset`'s parameters
    group_name: str
    kinds: set[str]
    pool: str


COMMON: _Common = {"group_name": "metrics", "kinds": {"duckdb", "python"}, "pool": WRITER_POOL}


def _result(frame, rows: int, scope: period_scope.Scope | None = None) -> dg.MaterializeResult:
    metadata: dict[str, Any] = {
        "row_count": rows,
        "suppressed_rows": int(frame["suppressed"].fillna(False).astype(bool).sum()) if rows else 0,
        "periods": sorted(frame["period"].unique().tolist()) if rows else [],
    }
    if scope is not None:
        metadata["periods_remeasured"] = scope.labels
        metadata["remeasure_reason"] = scope.reason
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["metrics", compliance.TABLE],
    deps=marts(*SAMPLE_MARTS),
    automation_condition=EAGER_WHEN_CHECKS_PASS,
    **COMMON,
)
def compliance_rate(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """MTD rate (by line and by value) from the cm_random sample, stratified ratio estimator with Taylor variance
    and Korn-Graubard intervals, overall and by programme, HS section/chapter, origin, port and PTI, per fiscal year
    and quarter, with the change from the prior period and its z-test. Only the fiscal periods whose sample or
    lines changed since the last run are re-measured (warehouse/metrics/period_scope.py)."""
    with warehouse.connect() as con:
        scope = period_scope.plan(con, compliance.TABLE, SIGNATURE_SQL)
        years = scope.years()
        frame = compliance.compliance_rate(load_sample(con, years), filed_periods(con, years))
        written = period_scope.write(con, scope, frame, compliance.EXTRA_COLUMNS, compliance.with_prior_change)
    return _result(written, len(written), scope)


@dg.asset(
    key=["metrics", revenue_gap.TABLE],
    deps=marts(*SAMPLE_MARTS),
    automation_condition=EAGER_WHEN_CHECKS_PASS,
    **COMMON,
)
def revenue_gap_estimates(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Revenue gap found by CM exams (net, under- and over-paid totals) and the percent of revenue collected, overall
    and by port and PTI, per fiscal year and quarter; only the fiscal periods whose inputs changed are re-measured."""
    with warehouse.connect() as con:
        scope = period_scope.plan(con, revenue_gap.TABLE, SIGNATURE_SQL)
        years = scope.years()
        frame = revenue_gap.revenue_gap(load_sample(con, years), revenue_gap.declared_totals(con, years))
        written = period_scope.write(con, scope, frame)
    return _result(written, len(written), scope)


LIFECYCLE_MARTS = ("mart_entry_lifecycle", "fct_entries", "fct_entry_lines", "dim_dates", "dim_commodities")


@dg.asset(
    key=["metrics", clearance.SPEED_TABLE],
    deps=marts(*LIFECYCLE_MARTS),
    automation_condition=EAGER_WHEN_CHECKS_PASS,
    **COMMON,
)
def clearance_speed(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Arrival- and filing-to-release hours of compliant released entries: median and p90 by mode and goods type."""
    con = warehouse.connect()
    try:
        frame = clearance.clearance_speed(con, clearance.load_units(con))
        rows = write_estimates(con, clearance.SPEED_TABLE, frame)
    finally:
        con.close()
    return _result(frame, rows)


@dg.asset(
    key=["metrics", clearance.INDEX_TABLE],
    deps=marts(*LIFECYCLE_MARTS),
    automation_condition=EAGER_WHEN_CHECKS_PASS,
    **COMMON,
)
def clearance_index(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Clearance speed index (base period = 100; weights = base-period entries by goods type), overall and by mode."""
    con = warehouse.connect()
    try:
        frame = clearance.clearance_index(clearance.load_units(con))
        rows = write_estimates(con, clearance.INDEX_TABLE, frame, clearance.INDEX_EXTRA_COLUMNS)
    finally:
        con.close()
    return _result(frame, rows)
