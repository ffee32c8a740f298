"""A small warehouse file holding metric tables in the shared estimate layout, for the report tests.

The rows are written with the metrics package's own helpers (`write_estimates`, `suppress_small_cells`,
`wilson_interval`), so the report is tested on what the metric assets write: rates with Wilson intervals from
counts, census measures without intervals, suppressed small cells, extra columns (change, rank, trend), and some
tables deliberately missing (`MISSING`).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from expectations.history import record
from warehouse.db import connect
from warehouse.metrics.estimates import Z95, suppress_small_cells, wilson_interval, write_estimates

MISSING = ("clearance_index", "partnership", "report_card_ptis")
PORTS = {"1001": (40, 2000), "2704": (55, 3100), "3901": (9, 800), "5301": (12, 12), "0901": (0, 45)}


def layout_row(measure, unit, kind, period, domain, value, estimate, se, ci, n, note) -> dict:
    """One published row of the metrics tables' shared layout, as given (nothing suppressed)."""
    row = dict(measure=measure, unit=unit, period_kind=kind, period=period, domain=domain, domain_value=value)
    return row | dict(
        estimate=estimate, std_error=se, ci_low=ci[0], ci_high=ci[1], n_sampled=n, suppressed=False, note=note
    )


def rate_row(measure, kind, period, domain, value, hits, n, **extra) -> dict:
    p = hits / n if n else math.nan
    se = math.sqrt(p * (1 - p) / n) if n else math.nan
    return {
        **layout_row(measure, "rate", kind, period, domain, value, p, se, wilson_interval(hits, n), n, "wilson"),
        **extra,
    }


def census_row(measure, unit, kind, period, domain, value, estimate, n) -> dict:
    return layout_row(measure, unit, kind, period, domain, value, estimate, None, (None, None), n, "census")


def usd_row(measure, period, estimate, se, n) -> dict:
    interval = (estimate - Z95 * se, estimate + Z95 * se)
    return layout_row(
        measure, "usd", "fiscal_year", period, "overall", "all", estimate, se, interval, n, "ratio estimator"
    )


def compliance_rows() -> pd.DataFrame:
    rows = []
    for measure, shift in (("mtd_rate_lines", 0), ("mtd_rate_value", 5)):
        for quarter, (hits, n) in {
            "FY2025Q4": (30 + shift, 2100),
            "FY2026Q1": (25 + shift, 2400),
            "FY2026Q2": (1, 20),
        }.items():
            rows.append(rate_row(measure, "fiscal_quarter", quarter, "overall", "all", hits, n))
        rows.append(rate_row(measure, "fiscal_year", "FY2025", "overall", "all", 30 + shift, 2100))
        rows.append(
            rate_row(
                measure,
                "fiscal_year",
                "FY2026",
                "overall",
                "all",
                26 + shift,
                2420,
                prior_period="FY2025",
                change=-0.0036,
                change_std_error=0.0033,
                change_p_value=0.27,
            )
        )
        for port, (hits, n) in PORTS.items():
            rows.append(rate_row(measure, "fiscal_year", "FY2026", "port", port, min(hits, n), n))
        for pti, (hits, n) in {"AD/CVD": (14, 300), "IPR": (4, 150), "Textiles": (2, 25)}.items():
            rows.append(rate_row(measure, "fiscal_year", "FY2026", "pti", pti, hits, n))
    frame = pd.DataFrame(rows)
    for column in ("prior_period", "change", "change_std_error", "change_p_value"):
        frame[column] = frame.get(column)
    return suppress_small_cells(frame)


def revenue_rows() -> pd.DataFrame:
    rows = [
        usd_row("revenue_gap_net_usd", "FY2026", 1.84e6, 0.41e6, 2420),
        usd_row("revenue_underpaid_usd", "FY2026", 2.10e6, 0.43e6, 2420),
        usd_row("revenue_overpaid_usd", "FY2026", 0.26e6, 0.08e6, 2420),
        rate_row("revenue_collected_rate", "fiscal_year", "FY2026", "overall", "all", 2380, 2420),
    ]
    return suppress_small_cells(pd.DataFrame(rows))


def clearance_rows() -> pd.DataFrame:
    rows = []
    for mode, hours, n in (("vessel", 52.0, 900), ("air", 6.5, 1500), ("truck", 2.1, 1100), ("rail", 30.0, 11)):
        for measure, factor in (("arrival_to_release_hours_median", 1.0), ("arrival_to_release_hours_p90", 2.4)):
            row = census_row(measure, "hours", "fiscal_year", "FY2026", "mode", mode, hours * factor, n)
            row.update(std_error=0.05 * hours * factor, ci_low=0.9 * hours * factor, ci_high=1.1 * hours * factor)
            rows.append(row)
    return suppress_small_cells(pd.DataFrame(rows))


def targeting_rows() -> pd.DataFrame:
    rows = []
    for env, exams, hits, hours in (
        ("pre_entry", 400, 36, 800.0),
        ("entry", 2600, 130, 5100.0),
        ("post_release", 20, 3, 900.0),
        ("overall", 3020, 169, 6800.0),
    ):
        domain, value = ("overall", "all") if env == "overall" else ("environment", env)
        rows.append(census_row("exams", "count", "fiscal_year", "FY2026", domain, value, exams, exams))
        rows.append(rate_row("hit_rate", "fiscal_year", "FY2026", domain, value, hits, exams))
        lift = (hits / exams) / 0.0107
        row = census_row("lift_over_random", "ratio", "fiscal_year", "FY2026", domain, value, lift, exams)
        row.update(std_error=0.1 * lift, ci_low=0.8 * lift, ci_high=1.2 * lift)
        rows.append(row)
        rows.append(census_row("officer_hours", "hours", "fiscal_year", "FY2026", domain, value, hours, exams))
    return suppress_small_cells(pd.DataFrame(rows))


def deterrence_rows() -> pd.DataFrame:
    rows = []
    for event, (before, after, n) in {"penalty": (40, 22, 600), "seizure": (30, 21, 500), "audit": (3, 2, 24)}.items():
        rows.append(rate_row("discrepancy_rate_before", "all", "all", "event_type", event, before, n))
        rows.append(rate_row("discrepancy_rate_after", "all", "all", "event_type", event, after, n))
        effect = (after - before) / n
        rows.append(
            dict(
                measure="deterrence_effect",
                unit="rate",
                period_kind="all",
                period="all",
                domain="event_type",
                domain_value=event,
                estimate=effect,
                std_error=0.01,
                ci_low=effect - Z95 * 0.01,
                ci_high=effect + Z95 * 0.01,
                n_sampled=n,
                suppressed=False,
                note="difference in differences",
            )
        )
    return suppress_small_cells(pd.DataFrame(rows))


def report_card_rows() -> pd.DataFrame:
    rows = []
    published = [p for p, (h, n) in PORTS.items() if n >= 30]
    ranked = sorted(published, key=lambda p: PORTS[p][0] / PORTS[p][1])
    for port, (hits, n) in PORTS.items():
        for period, factor in (("FY2025", 1.2), ("FY2026", 1.0)):
            row = rate_row("mtd_rate_lines", "fiscal_year", period, "port", port, min(hits, n), n)
            prior = min(hits, n) / n * 1.2 if period == "FY2026" else None
            row.update(
                rank_direction="lower_is_better",
                rank=ranked.index(port) + 1 if port in ranked else None,
                rank_of=len(ranked),
                prior_estimate=prior,
                trend=min(hits, n) / n * factor - prior if prior is not None else None,
            )
            rows.append(row)
    return suppress_small_cells(pd.DataFrame(rows))


def model_evaluation_rows() -> pd.DataFrame:
    """Rows as warehouse/risk/evaluation.py writes them (its EVALUATION_COLUMNS)."""
    rows = []
    for selector, base in (("model", 0.09), ("rules", 0.05), ("random", 0.011)):
        for k in (1, 2, 5, 10):
            precision = base * (1.2 - k / 20) if selector != "random" else base
            rows.append(
                dict(
                    cutoff=date(2025, 10, 1),
                    selector=selector,
                    k_pct=k,
                    precision=precision,
                    recall=min(1.0, precision * k / 1.1),
                    revenue_share=min(1.0, precision * k / 0.9),
                    auc={"model": 0.81, "rules": 0.66, "random": 0.5}[selector],
                    n_test_lines=9000,
                    n_test_positive=99,
                    model_id="m1",
                    test_from=date(2025, 10, 1),
                    test_to=date(2025, 12, 31),
                    evaluated_at=datetime(2026, 1, 6, tzinfo=UTC),
                )
            )
    return pd.DataFrame(rows)


TABLES = {
    "compliance_rate": compliance_rows,
    "revenue_gap": revenue_rows,
    "clearance_speed": clearance_rows,
    "targeting_effectiveness": targeting_rows,
    "deterrence": deterrence_rows,
    "report_card_ports": report_card_rows,
}


def quality_results(con) -> None:
    """Two runs of one check: the latest fails one error expectation; an older failure is history only."""
    ok = {"type": "expect_column_values_to_not_be_null", "severity": "error", "success": True}
    older = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    latest = datetime(2026, 1, 6, 6, 0, tzinfo=UTC)
    record(
        con,
        asset="raw/entries",
        check_name="errors",
        suite="raw.entries",
        checked_at=older,
        results=[{**ok, "expectation": "entry_number_not_null", "success": False, "unexpected_count": 3}],
    )
    record(
        con,
        asset="raw/entries",
        check_name="errors",
        suite="raw.entries",
        checked_at=latest,
        results=[
            {**ok, "expectation": "entry_number_not_null"},
            {**ok, "expectation": "mpf_within_bounds", "success": False, "unexpected_count": 7},
        ],
    )
    record(
        con,
        asset="marts/fct_exams",
        check_name="warnings",
        suite="marts.fct_exams",
        checked_at=latest,
        results=[{**ok, "severity": "warning", "expectation": f"exam_check_{i}"} for i in range(4)],
    )


def build_metrics_warehouse(path: Path, with_evaluation: bool = True, with_quality: bool = True) -> Path:
    """Write the metric tables (all but MISSING), risk.model_evaluation and quality history into `path`."""
    con = connect(path)
    try:
        for table, rows in TABLES.items():
            write_estimates(con, table, rows())
        if with_evaluation:
            con.execute("create schema if not exists risk")
            con.register("_evaluation", model_evaluation_rows())
            con.execute("create table risk.model_evaluation as select * from _evaluation")
            con.unregister("_evaluation")
        if with_quality:
            quality_results(con)
    finally:
        con.close()
    return path
