"""Efficiency of every targeting rule by fiscal period, and the rules to purge (issue #5).

Unit: the examined line (a targeted exam examines every line of its entry). A hit is a material discrepancy. The
hit rate's interval counts exams, not lines, as the draws (Wilson at the effective number of lines, as in
`metrics.targeting`): lines of one entry tend to be discrepant together.
Lift = the rule's hit rate / the material rate of the compliance-measurement random sample (`cm_random`, weighted
by `cm_weight`) in the same period and the rule's scope, read from the rule's description as the catalogue has no
structured scope: its chapters and its origin, or either when the text says "or from" (as the evaluation's rule
baseline reads it, `rule_baseline.py`). The scope rate rests on few lines for narrow rules, so it is shrunk toward
the period's overall random-sample rate with a prior worth `PRIOR_LINES` lines; `lift_overall` (against the overall
rate) is reported too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from warehouse.metrics.estimates import Z95, wilson_interval
from warehouse.metrics.exam_clusters import exam_clusters_sql
from warehouse.metrics.targeting import clustered_rate
from warehouse.sql_files import query

# Pseudo-lines of the overall random-sample rate added to a rule's scope rate: a scope with 400 sampled lines keeps
# 80% of its own rate, one with 30 lines mostly falls back to the overall rate.
PRIOR_LINES = 100
GRAINS = ("fiscal_quarter", "fiscal_year")


@dataclass(frozen=True)
class PurgePolicy:
    """A rule is listed when its lift is below `lift_threshold` in its last `periods` periods of `grain` that had at
    least `min_lines` examined lines (periods with fewer lines are skipped: they neither count nor break the run)."""

    lift_threshold: float = 1.5
    periods: int = 2
    min_lines: int = 30
    grain: str = "fiscal_quarter"


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 or missing (no lift against a zero baseline)."""
    den = denominator.astype(float)
    return numerator.astype(float) / den.where(den > 0)


_CLUSTER_COLUMNS = ("hit_count", "line_count", "exam_count", "s_hh", "s_hm", "s_mm")


def _hit_rate_interval(hits, lines, exams, s_hh, s_hm, s_mm) -> tuple[float, float]:
    """Wilson interval of a rule's hit rate at the effective number of lines, exams as clusters
    (`metrics.targeting.clustered_rate`); NaN with no lines or a single exam (no variance estimable)."""
    p, se, effective = clustered_rate(int(hits), int(lines), int(exams), s_hh, s_hm, s_mm)
    if math.isnan(se):
        return math.nan, math.nan
    return wilson_interval(p * effective, effective, Z95)


def rule_period_stats(con) -> pd.DataFrame:
    """One row per targeting rule and fiscal quarter / fiscal year of the exam data (layout of risk.rule_efficiency)."""
    clusters = exam_clusters_sql("rule_lines", "rule_id, period_kind, period")
    frame = con.execute(query(__package__, "rule_efficiency_period_stats", rule_clusters=clusters)).df()
    frame["hit_rate"] = _ratio(frame["hit_count"], frame["line_count"])
    bounds = [_hit_rate_interval(*row) for row in frame[list(_CLUSTER_COLUMNS)].itertuples(index=False)]
    frame["hit_rate_low"] = [low for low, _ in bounds]
    frame["hit_rate_high"] = [high for _, high in bounds]
    frame = frame.drop(columns=["s_hh", "s_hm", "s_mm"])
    scope_n = frame["cm_scope_effective_n"].astype(float)
    scope_rate = frame["cm_scope_rate"].astype(float).fillna(0.0)
    frame["baseline_rate"] = (scope_n * scope_rate + PRIOR_LINES * frame["cm_overall_rate"]) / (scope_n + PRIOR_LINES)
    frame["lift"] = _ratio(frame["hit_rate"], frame["baseline_rate"])
    # The interval of the lift carries the hit rate's uncertainty only (the baseline rests on far more lines).
    frame["lift_low"] = _ratio(frame["hit_rate_low"], frame["baseline_rate"])
    frame["lift_high"] = _ratio(frame["hit_rate_high"], frame["baseline_rate"])
    frame["lift_overall"] = _ratio(frame["hit_rate"], frame["cm_overall_rate"])
    frame["revenue_per_officer_hour"] = _ratio(frame["revenue_found_usd"], frame["officer_hours"])
    # The last productive hit as of the period's end: the latest material hit in this or an earlier period.
    frame = frame.sort_values(["rule_id", "period_kind", "period_start"], kind="stable").reset_index(drop=True)
    hits = pd.to_datetime(frame["last_hit_in_period"])
    keys = [frame["rule_id"], frame["period_kind"]]
    # cummax leaves a period without hits empty: carry the previous periods' latest hit forward.
    frame["last_productive_hit_on"] = hits.groupby(keys).cummax().groupby(keys).ffill().dt.date
    return frame.drop(columns=["last_hit_in_period"])


def _fmt_rate(rate: float | None) -> str:
    return "n/a" if rate is None or (isinstance(rate, float) and math.isnan(rate)) else f"{100 * rate:.1f}%"


def _day(value) -> str:
    return str(pd.Timestamp(value).date())


def rules_to_purge(stats: pd.DataFrame, policy: PurgePolicy) -> pd.DataFrame:
    """Rules whose lift stayed below the threshold in their last `policy.periods` periods with enough lines."""
    if policy.grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {policy.grain!r}")
    rows = []
    usable = stats[(stats["period_kind"] == policy.grain) & (stats["line_count"] >= policy.min_lines)]
    for rule_id, periods in usable.groupby("rule_id", sort=True):
        periods = periods.sort_values("period_start")
        below = (periods["lift"] < policy.lift_threshold).to_numpy()  # a NaN lift (zero baseline) is not below
        streak = len(below) - np.flatnonzero(~below)[-1] - 1 if (~below).any() else len(below)
        if streak < policy.periods:
            continue
        run = periods.tail(streak)
        last = run.iloc[-1]
        parts = [
            f"{p.period}: lift {p.lift:.2f} ({p.hit_count} of {p.line_count} lines material, "
            f"{_fmt_rate(cast(float, p.hit_rate))} vs {_fmt_rate(cast(float, p.baseline_rate))} "
            "in the random sample of its scope)"
            for p in run.itertuples()
        ]
        hit = last["last_productive_hit_on"]
        reason = (
            f"lift below {policy.lift_threshold:g} in the last {streak} {policy.grain.replace('_', ' ')}s with at "
            f"least {policy.min_lines} examined lines; " + "; ".join(parts)
        )
        reason += f"; last productive hit {_day(hit)}" if pd.notna(hit) else "; no productive hit"
        if pd.notna(last["retired_on"]):
            reason += f"; already retired on {_day(last['retired_on'])}"
        rows.append(
            {
                "rule_id": rule_id,
                "environment": last["environment"],
                "pti": last["pti"],
                "is_active": bool(last["is_active"]),
                "retired_on": last["retired_on"],
                "periods_below": int(streak),
                "first_period_below": run.iloc[0]["period"],
                "last_period": last["period"],
                "last_lift": float(last["lift"]),
                "last_lift_high": float(last["lift_high"]),
                "last_hit_rate": float(last["hit_rate"]),
                "last_line_count": int(last["line_count"]),
                "lines_in_run": int(run["line_count"].sum()),
                "hits_in_run": int(run["hit_count"].sum()),
                "officer_hours_in_run": float(run["officer_hours"].sum()),
                "last_productive_hit_on": hit if pd.notna(hit) else None,
                "lift_threshold": float(policy.lift_threshold),
                "required_periods": int(policy.periods),
                "reason": reason,
            }
        )
    columns = [
        "rule_id", "environment", "pti", "is_active", "retired_on", "periods_below", "first_period_below",
        "last_period", "last_lift", "last_lift_high", "last_hit_rate", "last_line_count", "lines_in_run",
        "hits_in_run", "officer_hours_in_run", "last_productive_hit_on", "lift_threshold", "required_periods", "reason",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# The tables' columns and types, declared: a warehouse without rules or exams still gets the full schema (the
# columns of an empty frame carry no type, and pandas would make dates timestamps).
EFFICIENCY_TYPES = {
    "rule_id": "varchar", "period_kind": "varchar", "period": "varchar", "period_start": "date",
    "period_end": "date", "environment": "varchar", "pti": "varchar", "retired_on": "date", "is_active": "boolean",
    "is_in_catalogue": "boolean", "scope_chapters": "varchar", "scope_origin": "varchar", "exam_count": "bigint",
    "line_count": "bigint", "hit_count": "bigint", "exam_hit_count": "bigint", "revenue_found_usd": "double",
    "officer_hours": "double", "cm_scope_line_count": "bigint", "cm_scope_rate": "double",
    "cm_scope_effective_n": "double", "cm_overall_rate": "double", "cm_line_count": "bigint", "hit_rate": "double",
    "hit_rate_low": "double", "hit_rate_high": "double", "baseline_rate": "double", "lift": "double",
    "lift_low": "double", "lift_high": "double", "lift_overall": "double", "revenue_per_officer_hour": "double",
    "last_productive_hit_on": "date",
}  # fmt: skip
PURGE_TYPES = {
    "rule_id": "varchar", "environment": "varchar", "pti": "varchar", "is_active": "boolean", "retired_on": "date",
    "periods_below": "bigint", "first_period_below": "varchar", "last_period": "varchar", "last_lift": "double",
    "last_lift_high": "double", "last_hit_rate": "double", "last_line_count": "bigint", "lines_in_run": "bigint",
    "hits_in_run": "bigint", "officer_hours_in_run": "double", "last_productive_hit_on": "date",
    "lift_threshold": "double", "required_periods": "bigint", "reason": "varchar",
}  # fmt: skip


def _write(con, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
    """Replace risk.<table> with `frame`, its columns cast to `types`."""
    con.execute("create schema if not exists risk")
    columns = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in types.items())
    con.register("_rule_frame", frame)
    try:
        con.execute(f"create or replace table risk.{table} as select {columns} from _rule_frame")
    finally:
        con.unregister("_rule_frame")


def build_rule_efficiency(con) -> pd.DataFrame:
    """(Re)build risk.rule_efficiency; returns the frame written."""
    stats = rule_period_stats(con)
    _write(con, "rule_efficiency", stats, EFFICIENCY_TYPES)
    return stats


def build_rules_to_purge(con, policy: PurgePolicy = PurgePolicy()) -> pd.DataFrame:
    """(Re)build risk.rules_to_purge from risk.rule_efficiency; returns the frame written."""
    stats = con.execute("select * from risk.rule_efficiency").df()
    purge = rules_to_purge(stats, policy)
    _write(con, "rules_to_purge", purge, PURGE_TYPES)
    return purge
