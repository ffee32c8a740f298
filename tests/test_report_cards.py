"""Report cards per port and per priority trade issue: hand-computed figures, ranks, prior periods and trends on the
small hand-written warehouse (tests/enforcement_fixture.py), and consistency with the targeting table on the
generated warehouse."""

import pandas as pd
import pytest
from enforcement_fixture import build_enforcement_fixture

from warehouse.db import connect
from warehouse.metrics.estimates import write_estimates
from warehouse.metrics.report_cards import add_ranks_and_trends, rank_direction, report_card
from warehouse.metrics.targeting import targeting_effectiveness


def _compliance_rows() -> pd.DataFrame:
    """A metrics.compliance_rate in the shared layout: two published port rates, one suppressed, one overall."""
    base = {"unit": "rate", "period_kind": "fiscal_quarter", "period": "FY2026Q1", "note": "hand-written"}
    rows = [
        {**base, "measure": "mtd_rate_lines", "domain": "port", "domain_value": "1001", "estimate": 0.02,
         "std_error": 0.005, "ci_low": 0.012, "ci_high": 0.03, "n_sampled": 400, "suppressed": False},
        {**base, "measure": "mtd_rate_lines", "domain": "port", "domain_value": "2002", "estimate": 0.01,
         "std_error": 0.004, "ci_low": 0.005, "ci_high": 0.02, "n_sampled": 300, "suppressed": False},
        {**base, "measure": "mtd_rate_lines", "domain": "port", "domain_value": "3003", "estimate": None,
         "std_error": None, "ci_low": None, "ci_high": None, "n_sampled": 12, "suppressed": True},
        {**base, "measure": "mtd_rate_lines", "domain": "overall", "domain_value": "all", "estimate": 0.015,
         "std_error": 0.003, "ci_low": 0.01, "ci_high": 0.02, "n_sampled": 700, "suppressed": False},
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = build_enforcement_fixture(tmp_path_factory.mktemp("cards") / "small.duckdb")
    con = connect(path)
    write_estimates(con, "compliance_rate", _compliance_rows())
    yield con
    con.close()


def _row(frame, measure, value, period="FY2026Q1"):
    rows = frame[(frame.measure == measure) & (frame.domain_value == value) & (frame.period == period)]
    assert len(rows) == 1, (measure, value, period, len(rows))
    return rows.iloc[0]


def test_port_card_figures_ranks_and_trends(small):
    card, missing = report_card(small, "port")
    assert missing == ["clearance_speed"]
    assert set(card.domain) == {"port"}
    # Port 1001: 40 targeted lines (8 hits) + 20 random lines; 2002: 20 random + 30 pre-entry lines (3 hits).
    assert (_row(card, "exams", "1001").estimate, _row(card, "exams", "2002").estimate) == (60, 50)
    hit = _row(card, "hit_rate", "1001")
    assert (hit.estimate, hit["rank"], hit.rank_of, hit.rank_direction) == (
        pytest.approx(0.2),
        1,
        2,
        "higher_is_better",
    )
    assert _row(card, "hit_rate", "2002")["rank"] == 2
    # Each port has 20 random lines, too few for its own baseline: both use the period's 0.0625.
    assert _row(card, "lift_over_random", "1001").estimate == pytest.approx(0.2 / 0.0625)
    assert _row(card, "lift_over_random", "2002").estimate == pytest.approx(0.1 / 0.0625)
    assert _row(card, "officer_hours", "2002").estimate == pytest.approx(20 * 0.5 + 30 * 2.0)
    # FY2026Q2 against FY2026Q1: 5 exams after 60, one seizure after two.
    q2 = _row(card, "exams", "1001", period="FY2026Q2")
    assert (q2.estimate, q2.prior_estimate, q2.trend) == (5, 60, -55)
    seized = _row(card, "seizures", "1001", period="FY2026Q2")
    assert (seized.prior_estimate, seized.trend) == (2, -1)
    assert pd.isna(_row(card, "exams", "1001").prior_estimate)  # nothing before FY2026Q1
    # The MTD rate comes from metrics.compliance_rate as it is; lower is better; the suppressed port is not ranked.
    mtd = card[card.measure == "mtd_rate_lines"].set_index("domain_value")
    assert set(mtd.index) == {"1001", "2002", "3003"}
    assert mtd.loc["2002", "rank"] == 1 and mtd.loc["1001", "rank"] == 2
    assert (mtd.loc["1001", "rank_of"], mtd.loc["1001", "std_error"]) == (2, 0.005)
    assert pd.isna(mtd.loc["3003", "rank"]) and bool(mtd.loc["3003", "suppressed"])


def test_pti_card_includes_audits_penalties_and_suppresses_small_cells(small):
    card, _ = report_card(small, "pti")
    assert _row(card, "audits", "ipr").estimate == 2
    assert _row(card, "audit_hours", "revenue").estimate == 200
    assert _row(card, "penalty_cases", "revenue").estimate == 1
    assert _row(card, "seizures", "ipr").estimate == 2
    assert _row(card, "hit_rate", "ipr").estimate == pytest.approx(0.1)
    # Textiles: 24 targeted lines, 8 hits: too few lines to publish, so neither estimate nor rank.
    textiles = _row(card, "hit_rate", "textiles")
    assert bool(textiles.suppressed) and textiles.n_sampled == 24
    assert pd.isna(textiles.estimate) and pd.isna(textiles["rank"])
    assert _row(card, "hit_rate", "ipr")["rank"] == 1 and _row(card, "hit_rate", "ipr").rank_of == 1


def test_ranks_tie_and_follow_each_measures_direction():
    frame = pd.DataFrame(
        {
            "measure": ["hit_rate"] * 3 + ["mtd_rate_value"] * 3,
            "period_kind": "fiscal_year",
            "period": "FY2026",
            "domain_value": ["a", "b", "c"] * 2,
            "estimate": [0.3, 0.1, 0.3, 0.03, 0.01, 0.02],
            "suppressed": False,
        }
    )
    ranked = add_ranks_and_trends(frame).set_index(["measure", "domain_value"])["rank"]
    assert list(ranked.loc["hit_rate"]) == [1, 3, 1]
    assert list(ranked.loc["mtd_rate_value"]) == [3, 1, 2]
    assert rank_direction("filing_to_release_hours_median") == "lower_is_better"
    assert rank_direction("exams") == "largest_first"


def test_generated_port_and_pti_cards_add_up_to_the_targeting_totals(generated_warehouse):
    con = connect(generated_warehouse.warehouse, read_only=True)
    try:
        overall = targeting_effectiveness(con)
        cards = {domain: report_card(con, domain)[0] for domain in ("port", "pti")}
    finally:
        con.close()
    overall = overall[overall.domain == "overall"]
    for domain, card in cards.items():
        for measure in ("exams", "targeted_exams", "officer_hours", "revenue_found_usd"):
            total = overall[overall.measure == measure].set_index("period").estimate.sort_index()
            summed = card[card.measure == measure].groupby("period").estimate.sum().sort_index()
            pd.testing.assert_series_equal(summed, total, check_names=False, obj=f"{domain} {measure}")
        ranked = card[card["rank"].notna()]
        assert (ranked["rank"] >= 1).all() and (ranked["rank"] <= ranked["rank_of"]).all()
        with_prior = card[card.prior_estimate.notna() & card.estimate.notna()]
        assert len(with_prior) > 0
        assert (with_prior.trend - (with_prior.estimate - with_prior.prior_estimate)).abs().max() < 1e-9
    assert cards["port"].domain_value.nunique() > 20
    assert set(cards["pti"].domain_value) >= {"revenue", "ipr", "agriculture", "textiles"}
