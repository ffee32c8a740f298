"""Targeting-rule efficiency and the purge list on the generated warehouse, checked against its truth."""

import pandas as pd
import pytest
from generated_warehouse import materialised_copy

from orchestration.defs.risk.rule_efficiency import rule_efficiency, rules_to_purge
from warehouse.db import connect
from warehouse.metrics.estimates import wilson_interval
from warehouse.risk.rule_efficiency import PRIOR_LINES, PurgePolicy
from warehouse.risk.rule_efficiency import rules_to_purge as purge_list


@pytest.fixture(scope="module")
def built(generated_warehouse, tmp_path_factory):
    """A copy of the generated warehouse with both assets materialised by Dagster (default policy)."""
    path = materialised_copy(generated_warehouse, tmp_path_factory.mktemp("rules"), [rule_efficiency, rules_to_purge])
    con = connect(path, read_only=True)
    try:
        stats = con.execute("select * from risk.rule_efficiency").df()
        purge = con.execute("select * from risk.rules_to_purge").df()
        exams = con.execute(
            """select e.rule_id, e.exam_id, e.exam_date, e.is_material, e.is_cm_sample, e.cm_weight::double as w,
                      e.selection_reason, d.fiscal_year, d.fiscal_quarter, l.hs_chapter, l.country_of_origin
               from marts.fct_exams e join marts.dim_dates d on d.date_day = e.exam_date
               left join marts.fct_entry_lines l using (entry_number, line_number)"""
        ).df()
        rules = con.execute("select * from marts.dim_rules").df()
    finally:
        con.close()
    decayed = set(pd.read_parquet(generated_warehouse.truth / "decayed_rules.parquet")["rule_id"])
    exams["period"] = "FY" + exams["fiscal_year"].astype(str) + "Q" + exams["fiscal_quarter"].astype(str)
    return stats, purge, exams, rules, decayed


def test_counts_agree_with_the_exams(built):
    stats, _, exams, rules, _ = built
    quarters = stats[stats["period_kind"] == "fiscal_quarter"].set_index(["rule_id", "period"])
    targeted = exams[exams["selection_reason"] == "targeting_rule"]
    expected = targeted.groupby(["rule_id", "period"]).agg(
        lines=("exam_id", "size"), hits=("is_material", "sum"), exams=("exam_id", "nunique")
    )
    got = quarters.loc[expected.index]
    assert (got["line_count"].to_numpy() == expected["lines"].to_numpy()).all()
    assert (got["hit_count"].to_numpy() == expected["hits"].to_numpy()).all()
    assert (got["exam_count"].to_numpy() == expected["exams"].to_numpy()).all()
    exam_hits = targeted[targeted["is_material"]].groupby(["rule_id", "period"])["exam_id"].nunique()
    assert (quarters.loc[exam_hits.index, "exam_hit_count"].to_numpy() == exam_hits.to_numpy()).all()
    assert quarters["exam_hit_count"].sum() == exam_hits.sum()
    # Fiscal years add up their quarters.
    years = stats[stats["period_kind"] == "fiscal_year"]
    assert years["line_count"].sum() == quarters["line_count"].sum() == len(targeted)
    # Every catalogue rule in force during the data appears; rules retired before it began do not.
    first = exams["exam_date"].min()
    in_force = set(rules.loc[rules["retired_on"].isna() | (rules["retired_on"] >= first), "rule_id"])
    assert in_force <= set(stats["rule_id"])
    assert not set(rules.loc[rules["retired_on"] < first, "rule_id"]) & set(targeted["rule_id"])


def test_rates_intervals_and_lift(built):
    stats, _, exams, rules, _ = built
    rows = stats[stats["exam_count"] >= 2]
    # 1e-12: the Wilson bound of 0 hits is 0 up to rounding
    assert (rows["hit_rate_low"] <= rows["hit_rate"] + 1e-12).all()
    assert (rows["hit_rate"] <= rows["hit_rate_high"]).all()
    assert ((rows["hit_rate_high"] - rows["hit_rate_low"]) > 0).all()
    # A single exam is a single draw: no interval.
    assert stats.loc[stats["exam_count"] == 1, ["hit_rate_low", "hit_rate_high"]].isna().all().all()
    # The busiest rule-quarter by hand: exams as clusters, var = k/(k-1) sum (h - p m)^2 / M^2, Wilson at the
    # effective number of lines p(1-p)/var.
    quarters = stats[(stats["period_kind"] == "fiscal_quarter") & (stats["hit_count"] > 0)]
    busiest = quarters.sort_values("line_count").iloc[-1]
    targeted = exams[(exams["selection_reason"] == "targeting_rule") & (exams["rule_id"] == busiest["rule_id"])]
    per_exam = targeted[targeted["period"] == busiest["period"]].groupby("exam_id")["is_material"].agg(["sum", "size"])
    k, m = len(per_exam), per_exam["size"].sum()
    p = per_exam["sum"].sum() / m
    variance = k / (k - 1) * ((per_exam["sum"] - p * per_exam["size"]) ** 2).sum() / m**2
    effective = min(m, p * (1 - p) / variance)
    assert (busiest["hit_rate_low"], busiest["hit_rate_high"]) == pytest.approx(
        wilson_interval(p * effective, effective)
    )
    lifted = rows[rows["baseline_rate"] > 0]
    assert (lifted["lift"] - lifted["hit_rate"] / lifted["baseline_rate"]).abs().max() < 1e-12
    # Recompute one rule's scope baseline by hand: its chapters or its origin (the text says "or from"), weighted by
    # cm_weight, then shrunk.
    rule = rules.set_index("rule_id").loc["TR1000", "rule_description"]
    assert rule.endswith("chapters 59, 61, 63 or from VN")
    cm = exams[exams["is_cm_sample"] & (exams["period"] == "FY2026Q1")]
    scope = cm[cm["hs_chapter"].isin(["59", "61", "63"]) | (cm["country_of_origin"] == "VN")]
    rate = (scope["w"] * scope["is_material"]).sum() / scope["w"].sum()
    n_eff = scope["w"].sum() ** 2 / (scope["w"] ** 2).sum()
    overall = (cm["w"] * cm["is_material"]).sum() / cm["w"].sum()
    row = stats[(stats["rule_id"] == "TR1000") & (stats["period"] == "FY2026Q1")].iloc[0]
    assert row["cm_scope_line_count"] == len(scope)
    assert row["cm_scope_rate"] == pytest.approx(rate)
    assert row["cm_overall_rate"] == pytest.approx(overall)
    assert row["baseline_rate"] == pytest.approx((n_eff * rate + PRIOR_LINES * overall) / (n_eff + PRIOR_LINES))


def test_last_productive_hit(built):
    stats, _, exams, _, _ = built
    hits = exams[(exams["selection_reason"] == "targeting_rule") & exams["is_material"]]
    for row in stats[stats["period_kind"] == "fiscal_quarter"].itertuples():
        earlier = hits[(hits["rule_id"] == row.rule_id) & (hits["exam_date"] <= row.period_end)]
        expected = earlier["exam_date"].max() if len(earlier) else None
        assert (pd.isna(row.last_productive_hit_on) and expected is None) or row.last_productive_hit_on == expected


def test_decayed_rules_are_listed_for_purge(built):
    """The truth's decaying rules lose their lift from day 0; two quarters of data give one full quarter of decay,
    so with the default policy (2 quarters) recall is limited while precision stays high."""
    stats, purge, _, _, decayed = built
    listed = set(purge["rule_id"])
    healthy = set(stats["rule_id"]) - decayed
    recall = len(listed & decayed) / len(decayed)
    precision = len(listed & decayed) / len(listed)
    print(f"default policy: listed {sorted(listed)}, recall {recall:.2f}, precision {precision:.2f}")
    assert precision >= 0.8 and recall >= 0.4
    assert len(listed & healthy) <= 1
    # One bad quarter is enough: more recall for a few more healthy rules listed.
    one = set(purge_list(stats, PurgePolicy(periods=1))["rule_id"])
    recall_one = len(one & decayed) / len(decayed)
    print(f"1 quarter: listed {len(one)}, recall {recall_one:.2f}, precision {len(one & decayed) / len(one):.2f}")
    assert recall_one >= 0.7 and len(one & healthy) <= 3
    assert listed <= one
    # Every listed row says why, with the periods and the last productive hit.
    assert purge["reason"].str.contains("lift below 1.5 in the last 2 fiscal quarters").all()
    assert (purge["last_lift"] < 1.5).all() and (purge["periods_below"] >= 2).all()
    retired = purge[~purge["is_active"]]
    assert retired["reason"].str.contains("already retired on").all()


def test_purge_streak_logic():
    """Short periods are skipped, a good period breaks the run, only the latest run counts."""
    rows = [
        ("A", "Q1", 1, 100, 0.5), ("A", "Q2", 2, 100, 0.9), ("A", "Q3", 3, 10, 5.0),  # short Q3 skipped
        ("B", "Q1", 1, 100, 0.5), ("B", "Q2", 2, 100, 0.9), ("B", "Q3", 3, 100, 2.0),  # recovered
        ("C", "Q1", 1, 100, 3.0), ("C", "Q2", 2, 100, 1.0),  # one bad quarter only
    ]  # fmt: skip
    stats = pd.DataFrame(rows, columns=["rule_id", "period", "start", "line_count", "lift"])
    stats = stats.assign(
        period_kind="fiscal_quarter",
        period_start=pd.to_datetime("2025-01-01") + pd.to_timedelta(stats["start"] * 90, unit="D"),
        hit_count=1,
        hit_rate=0.01,
        baseline_rate=0.01,
        lift_high=3.0,
        officer_hours=10.0,
        environment="entry",
        pti="ipr",
        is_active=True,
        retired_on=pd.NaT,
        last_productive_hit_on=pd.NaT,
    )
    purge = purge_list(stats, PurgePolicy(lift_threshold=1.5, periods=2, min_lines=30))
    assert list(purge["rule_id"]) == ["A"]
    assert purge.iloc[0]["first_period_below"] == "Q1" and purge.iloc[0]["last_period"] == "Q2"
    assert "no productive hit" in purge.iloc[0]["reason"]
    with pytest.raises(ValueError):
        purge_list(stats, PurgePolicy(grain="week"))
