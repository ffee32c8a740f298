"""Report cards (`metrics.report_card_ports`, domain `port`; `metrics.report_card_ptis`, domain `pti`): one row per
port or priority trade issue x measure x fiscal period, in the shared layout, plus
    rank            1 = best among the cell's peers with a published estimate (same measure and period)
    rank_of         how many peers were ranked
    rank_direction  what "best" means: higher_is_better, lower_is_better, or largest_first for volumes (exams,
                    hours, seizures), where more is not better or worse, only bigger
    prior_estimate  the same measure of the same port / issue in the period before (FY2026Q1 -> FY2025Q4)
    trend           estimate - prior_estimate

Figures: the targeting measures of warehouse/metrics/targeting.py computed per port / issue (exams, hit rate, lift,
revenue found, officer hours; audits for issues: audits have no port); seizures (and penalty cases for issues); and
the rows with this domain of metrics.compliance_rate (the MTD rates) and metrics.clearance_speed when those tables
exist, taken as they are.
"""

from __future__ import annotations

import pandas as pd

from warehouse.metrics.estimates import ESTIMATE_COLUMNS
from warehouse.metrics.period_rows import period_rows
from warehouse.metrics.periods import prior_period
from warehouse.metrics.targeting import census_row, enforcement_rows, rows_frame
from warehouse.sql_files import query

CARDS = {"port": ("report_card_ports", "port_code"), "pti": ("report_card_ptis", "pti")}
UPSTREAM_TABLES = ("compliance_rate", "clearance_speed")
# The cards' own columns (add_ranks_and_trends), typed so a card of zero rows has them too.
EXTRA_COLUMNS = {
    "rank_direction": "varchar",
    "rank": "bigint",
    "rank_of": "bigint",
    "prior_estimate": "double",
    "trend": "double",
}
HIGHER_IS_BETTER = {
    "hit_rate",
    "lift_over_random",
    "revenue_found_usd",
    "audit_revenue_found_usd",
    "audit_finding_rate",
}


def rank_direction(measure: str) -> str:
    """Lower is better for discrepancy rates, revenue gaps and clearance times; higher for what targeting finds."""
    if measure in HIGHER_IS_BETTER:
        return "higher_is_better"
    if measure.startswith(("mtd_", "revenue_gap")) or "_hours_" in measure or "discrepancy" in measure:
        return "lower_is_better"
    return "largest_first"


def _table_exists(con, table: str) -> bool:
    statement = "select count(*) from information_schema.tables where table_schema = 'metrics' and table_name = ?"
    return con.execute(statement, [table]).fetchone()[0] > 0


def upstream_rows(con, domain: str) -> tuple[pd.DataFrame, list[str]]:
    """The rows with `domain` of the compliance and clearance tables that exist; and the names of those missing."""
    frames, missing = [], []
    columns = ", ".join(f'"{c}"' for c in ESTIMATE_COLUMNS)
    for table in UPSTREAM_TABLES:
        if not _table_exists(con, table):
            missing.append(table)
            continue
        frames.append(con.execute(f"select {columns} from metrics.{table} where domain = ?", [domain]).df())
    frames = [f for f in frames if not f.empty]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ESTIMATE_COLUMNS))), missing


def _enforcement_counts(con, domain: str, column: str) -> list[dict]:
    """Seizures by port / issue and, for issues, penalty cases: census counts and values per period."""
    rows = []
    seizure_rows = period_rows("marts.fct_seizures", "seized_on", column)
    seizures = con.execute(query(__package__, "report_cards_seizures", seizure_rows=seizure_rows)).fetchall()
    for kind, period, value, n, usd in seizures:
        key = (kind, period, domain, value)
        rows.append(census_row("seizures", "count", *key, n, n, "seizures"))
        rows.append(census_row("seizure_domestic_value_usd", "usd", *key, usd, n, "domestic value of seized goods"))
    if domain == "pti":
        penalty_rows = period_rows("marts.fct_penalties", "opened_on", "pti")
        penalties = con.execute(query(__package__, "report_cards_penalties", penalty_rows=penalty_rows)).fetchall()
        for kind, period, value, n in penalties:
            rows.append(census_row("penalty_cases", "count", kind, period, domain, value, n, n, "penalty cases opened"))
    return rows


def add_ranks_and_trends(frame: pd.DataFrame) -> pd.DataFrame:
    """rank / rank_of / rank_direction within (period_kind, period, measure); prior_estimate and trend per value."""
    out = frame.reset_index(drop=True).copy()
    out["rank_direction"] = out["measure"].map(rank_direction)
    published = out["estimate"].notna() & ~out["suppressed"].fillna(False).astype(bool)
    ascending = out["rank_direction"] == "lower_is_better"
    # Rank on a signed key so one groupby serves both directions: ascending keys rank lowest first.
    key = out["estimate"].where(ascending, -out["estimate"]).where(published)
    groups = [out["period_kind"], out["period"], out["measure"]]
    out["rank"] = key.groupby(groups).rank(method="min").astype("Int64")
    out["rank_of"] = published.groupby(groups).transform("sum").astype("Int64")
    out.loc[~published, "rank_of"] = pd.NA
    prior = out[["period_kind", "period", "measure", "domain_value", "estimate"]].rename(
        columns={"period": "prior_period", "estimate": "prior_estimate"}
    )
    out["prior_period"] = out["period"].map(prior_period)
    out = out.merge(prior, how="left", on=["period_kind", "prior_period", "measure", "domain_value"])
    out["trend"] = out["estimate"] - out["prior_estimate"]
    return out.drop(columns=["prior_period"])


def report_card(con, domain: str) -> tuple[pd.DataFrame, list[str]]:
    """The report card of `domain` ('port' or 'pti') and the upstream tables it had to do without."""
    _, column = CARDS[domain]
    rows = enforcement_rows(con, domain, column, "pti" if domain == "pti" else None)
    rows += _enforcement_counts(con, domain, column)
    upstream, missing = upstream_rows(con, domain)
    frame = rows_frame([*rows, *upstream.to_dict("records")])
    frame = add_ranks_and_trends(frame)
    frame = frame.sort_values(["period_kind", "period", "measure", "domain_value"], ignore_index=True)
    return frame, missing
