"""Performance measures from the compliance-measurement sample and the entry lifecycle: the MTD rate, the revenue
gap and clearance speed (warehouse/metrics; docs/metrics.md). Each asset replaces its `metrics.<table>`."""

from orchestration.defs.metrics import METRICS
from orchestration.policy import marts
from orchestration.table_assets import Written, estimates, table_asset
from warehouse.metrics import clearance, compliance, period_scope, revenue_gap
from warehouse.metrics.cm_sample import SIGNATURE_SQL, filed_periods, load_sample
from warehouse.metrics.estimates import write_estimates

SAMPLE_MARTS = marts("fct_exams", "fct_entry_lines", "dim_dates", "dim_commodities", "dim_programs")
LIFECYCLE_MARTS = marts("mart_entry_lifecycle", "fct_entries", "fct_entry_lines", "dim_dates", "dim_commodities")


def _remeasured(written, scope: period_scope.Scope) -> Written:
    """The rows of the re-measured periods, and which periods were re-measured and why."""
    return estimates(written, periods_remeasured=scope.labels, remeasure_reason=scope.reason)


def _compliance_rate(con) -> Written:
    scope = period_scope.plan(con, compliance.TABLE, SIGNATURE_SQL)
    years = scope.years()
    frame = compliance.compliance_rate(load_sample(con, years), filed_periods(con, years))
    return _remeasured(
        period_scope.write(con, scope, frame, compliance.EXTRA_COLUMNS, compliance.with_prior_change), scope
    )


def _revenue_gap(con) -> Written:
    scope = period_scope.plan(con, revenue_gap.TABLE, SIGNATURE_SQL)
    years = scope.years()
    frame = revenue_gap.revenue_gap(load_sample(con, years), revenue_gap.declared_totals(con, years))
    return _remeasured(period_scope.write(con, scope, frame), scope)


def _clearance_speed(con) -> Written:
    frame = clearance.clearance_speed(con, clearance.load_units(con))
    write_estimates(con, clearance.SPEED_TABLE, frame)
    return estimates(frame)


def _clearance_index(con) -> Written:
    frame = clearance.clearance_index(clearance.load_units(con))
    write_estimates(con, clearance.INDEX_TABLE, frame, clearance.INDEX_EXTRA_COLUMNS)
    return estimates(frame)


compliance_rate = table_asset(
    METRICS,
    ["metrics", compliance.TABLE],
    _compliance_rate,
    deps=SAMPLE_MARTS,
    description="MTD rate (by line and by value) from the cm_random sample, stratified ratio estimator with Taylor "
    "variance and Korn-Graubard intervals, overall and by programme, HS section/chapter, origin, port and PTI, per "
    "fiscal year and quarter, with the change from the prior period and its z-test. Only the fiscal periods whose "
    "sample or lines changed since the last run are re-measured (warehouse/metrics/period_scope.py).",
)

revenue_gap_estimates = table_asset(
    METRICS,
    ["metrics", revenue_gap.TABLE],
    _revenue_gap,
    deps=SAMPLE_MARTS,
    description="Revenue gap found by CM exams (net, under- and over-paid totals) and the percent of revenue "
    "collected, overall and by port and PTI, per fiscal year and quarter; only the fiscal periods whose inputs changed "
    "are re-measured.",
)

clearance_speed = table_asset(
    METRICS,
    ["metrics", clearance.SPEED_TABLE],
    _clearance_speed,
    deps=LIFECYCLE_MARTS,
    description="Arrival- and filing-to-release hours of compliant released entries: median and p90 by mode and "
    "goods type.",
)

clearance_index = table_asset(
    METRICS,
    ["metrics", clearance.INDEX_TABLE],
    _clearance_index,
    deps=LIFECYCLE_MARTS,
    description="Clearance speed index (base period = 100; weights = base-period entries by goods type), overall and "
    "by mode.",
)
