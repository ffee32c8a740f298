"""Partnership, targeting effectiveness and deterrence: hand-computed values on a small hand-written warehouse, and
the real Dagster assets on the generated warehouse (breakouts add up, targeting beats the random sample, deterrence
is the difference of its differences)."""

import math
from typing import NamedTuple

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from enforcement_fixture import EXPECTED, build_enforcement_fixture, random_sample_lines, targeted_lines
from generated_warehouse import materialised_copy

from warehouse.db import connect
from warehouse.metrics.deterrence import deterrence
from warehouse.metrics.estimates import ESTIMATE_COLUMNS, Z95, wilson_interval
from warehouse.metrics.partnership import partnership
from warehouse.metrics.targeting import lift_row, targeting_effectiveness


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = build_enforcement_fixture(tmp_path_factory.mktemp("enforcement") / "small.duckdb")
    con = connect(path, read_only=True)
    yield con
    con.close()


def _cell(frame, measure, period="FY2026Q1", domain="overall", value="all"):
    rows = frame[
        (frame.measure == measure) & (frame.period == period) & (frame.domain == domain) & (frame.domain_value == value)
    ]
    assert len(rows) == 1, (measure, period, domain, value, len(rows))
    return rows.iloc[0]


def test_partnership_shares_match_hand_counts(small):
    frame = partnership(small, top_n=EXPECTED["prioritised_top_n"])
    k, n = EXPECTED["trusted_overall"]
    for domain, value in (("overall", "all"), ("program", "ctpat")):
        row = _cell(frame, "trusted_verified_more_than_once_rate", domain=domain, value=value)
        assert row.n_sampled == n
        assert row.estimate == pytest.approx(k / n)
        assert row.std_error == pytest.approx(math.sqrt(0.4 * 0.6 / 40))
        assert (row.ci_low, row.ci_high) == pytest.approx(wilson_interval(k, n))
    isa = _cell(frame, "trusted_verified_more_than_once_rate", domain="program", value="isa")
    assert isa.suppressed and isa.n_sampled == EXPECTED["trusted_isa_n"] and pd.isna(isa.estimate)
    assert "suppressed" in isa.note
    k, n = EXPECTED["prioritised_overall"]
    row = _cell(frame, "prioritised_enrolled_rate")
    assert (row.n_sampled, row.estimate) == (n, pytest.approx(k / n))
    # None of the top 35 (I026..I060) is in ISA, and I041 left C-TPAT before the period.
    assert _cell(frame, "prioritised_enrolled_rate", domain="program", value="isa").estimate == 0.0


def _stratified_rate_and_se(lines: pd.DataFrame) -> tuple[float, float]:
    """Weighted material rate and its with-replacement linearised SE, computed line by line."""
    w = lines.cm_weight.to_numpy(float)
    y = lines.is_material.to_numpy(float)
    r = (w * y).sum() / w.sum()
    z = w * (y - r) / w.sum()
    variance = 0.0
    for stratum in lines.cm_stratum.unique():
        zh = z[(lines.cm_stratum == stratum).to_numpy()]
        variance += len(zh) / (len(zh) - 1) * ((zh - zh.mean()) ** 2).sum()
    return r, math.sqrt(variance)


def _clustered_rate_and_se(lines: pd.DataFrame) -> tuple[float, float]:
    """Hit rate over lines with exams as clusters: k/(k-1) sum_e (h_e - p m_e)^2 / M^2, exam by exam."""
    per_exam = lines.groupby("exam_id").is_material.agg(["sum", "size"])
    p = per_exam["sum"].sum() / per_exam["size"].sum()
    k, m = len(per_exam), per_exam["size"].sum()
    variance = k / (k - 1) * ((per_exam["sum"] - p * per_exam["size"]) ** 2).sum() / m**2 if k > 1 else math.nan
    return p, math.sqrt(variance)


def test_targeting_hit_rates_and_lift_match_hand_computation(small):
    frame = targeting_effectiveness(small)
    rate, rate_se = _stratified_rate_and_se(random_sample_lines())
    assert rate == pytest.approx(EXPECTED["random_rate"])
    targeted = targeted_lines()
    for env in ("entry", "pre_entry"):
        hits, n = EXPECTED[f"hit_{env}"]
        hit = _cell(frame, "hit_rate", domain="environment", value=env)
        assert (hit.n_sampled, hit.estimate) == (n, pytest.approx(hits / n))
        h, hit_se = _clustered_rate_and_se(targeted[targeted.environment == env])
        lift = _cell(frame, "lift_over_random", domain="environment", value=env)
        assert lift.estimate == pytest.approx(EXPECTED[f"lift_{env}"])
        if env == "pre_entry":
            # One exam of 30 lines is one draw: no variance, so neither rate nor lift gets an interval.
            assert math.isnan(hit_se) and hit[["std_error", "ci_low", "ci_high"]].isna().all()
            assert "single exam" in hit.note and lift[["std_error", "ci_low", "ci_high"]].isna().all()
        else:
            # 32 exams: 8 one-line hits, 20 one-line misses, 4 three-line misses; var = 32/31 * 7.36 / 40^2, above
            # the binomial 0.2 * 0.8 / 40: the effective number of lines is below 40.
            assert hit_se**2 == pytest.approx(32 / 31 * 7.36 / 1600)
            assert hit.std_error == pytest.approx(hit_se)
            effective = h * (1 - h) / hit_se**2
            assert effective == pytest.approx(33.7, abs=0.1)
            assert (hit.ci_low, hit.ci_high) == pytest.approx(wilson_interval(h * effective, effective))
            se_log = math.sqrt((hit_se / h) ** 2 + (rate_se / rate) ** 2)
            assert lift.std_error == pytest.approx(lift.estimate * se_log)
            assert (lift.ci_low, lift.ci_high) == pytest.approx(
                (lift.estimate * math.exp(-Z95 * se_log), lift.estimate * math.exp(Z95 * se_log))
            )
        assert _cell(frame, "officer_hours", domain="environment", value=env).estimate == pytest.approx(
            EXPECTED["officer_hours"][env]
        )
        assert _cell(frame, "revenue_found_usd", domain="environment", value=env).estimate == pytest.approx(
            EXPECTED["revenue_found_usd"][env]
        )
    # Pre-entry has no random lines of its own: its baseline is the whole period's, and the note says so.
    assert "all of it" in _cell(frame, "lift_over_random", domain="environment", value="pre_entry").note
    overall = _cell(frame, "hit_rate")
    assert (overall.n_sampled, overall.estimate) == (70, pytest.approx(11 / 70))
    share = _cell(frame, "pti_hours_share")
    assert share.estimate == pytest.approx(EXPECTED["pti_hours_share_overall"])
    assert _cell(frame, "audit_hours", domain="environment", value="post_release").estimate == 400.0
    # Four audits: too few for a published share of hours in the post-release cell.
    assert _cell(frame, "pti_hours_share", domain="environment", value="post_release").suppressed


MEASURE_ASSETS = [
    dg.AssetKey(["metrics", name])
    for name in ("partnership", "targeting_effectiveness", "deterrence", "report_card_ports", "report_card_ptis")
]


@pytest.fixture(scope="module")
def materialised(generated_warehouse, tmp_path_factory):
    """The five assets (and metrics.compliance_rate) materialised by Dagster on a copy of the generated warehouse;
    yields a read-only connection."""
    from orchestration.definitions import defs
    from orchestration.defs.metrics import measures_compliance
    from orchestration.defs.metrics import measures_enforcement as module

    graph_keys = defs.resolve_asset_graph().get_all_asset_keys()
    assert set(MEASURE_ASSETS) <= graph_keys
    # The asset objects themselves: those resolved from `defs` already carry the environment's resource.
    # With the part-1 compliance asset upstream, so the report cards carry the MTD rates by port and issue.
    assets = [
        measures_compliance.compliance_rate,
        module.partnership_measures,
        module.targeting_effectiveness_measures,
        module.deterrence_measures,
        module.report_card_ports,
        module.report_card_ptis,
    ]
    path = materialised_copy(generated_warehouse, tmp_path_factory.mktemp("enforcement_generated"), assets)
    con = connect(path, read_only=True)
    yield con
    con.close()


def test_report_cards_carry_the_mtd_rates_of_the_compliance_table(materialised):
    compliance = _table(materialised, "compliance_rate")
    for table, domain in (("report_card_ports", "port"), ("report_card_ptis", "pti")):
        card = _table(materialised, table)
        expected = compliance[compliance.domain == domain]
        carried = card[card.measure.str.startswith("mtd_")]
        assert len(carried) == len(expected) > 0
        merged = carried.merge(expected, on=["measure", "period", "domain_value"], suffixes=("", "_source"))
        assert len(merged) == len(expected)
        assert np.allclose(merged.estimate, merged.estimate_source, equal_nan=True)
        assert (carried.rank_direction == "lower_is_better").all()
        ranked = carried[carried["rank"].notna()]
        best = ranked[ranked["rank"] == 1].merge(
            ranked.groupby(["measure", "period"]).estimate.min().rename("lowest").reset_index()
        )
        assert len(best) > 0 and np.allclose(best.estimate, best.lowest)


def _table(con, name):
    return con.execute(f"select * from metrics.{name}").df()


def test_targeting_breakouts_add_up_and_targeting_beats_random(materialised):
    frame = _table(materialised, "targeting_effectiveness")
    assert list(frame.columns[: len(ESTIMATE_COLUMNS)]) == list(ESTIMATE_COLUMNS)
    assert set(frame[frame.domain == "environment"].domain_value) == {"pre_entry", "entry", "post_release"}
    for measure in ("exams", "targeted_exams", "officer_hours", "revenue_found_usd", "audits", "audit_hours"):
        rows = frame[frame.measure == measure]
        overall = rows[rows.domain == "overall"].set_index("period").estimate
        by_env = rows[rows.domain == "environment"].groupby("period").estimate.sum()
        pd.testing.assert_series_equal(by_env.sort_index(), overall.sort_index(), check_names=False)
    # Against the mart directly: exam lines per fiscal year.
    per_year = dict(
        materialised.execute("select exam_fiscal_year, count(*) from marts.fct_exams group by 1").fetchall()
    )
    exams = frame[(frame.measure == "exams") & (frame.domain == "overall") & (frame.period_kind == "fiscal_year")]
    assert {int(p[2:]): int(e) for p, e in zip(exams.period, exams.estimate, strict=True)} == per_year
    # The generator's targeted exams find several times what the random sample does: in every period with a
    # quarter's worth of targeted lines (exams completed in January fall in FY2026Q2, a few dozen lines whose
    # interval is rightly wide).
    lift = frame[(frame.measure == "lift_over_random") & (frame.domain == "overall") & ~frame.suppressed]
    lift = lift[lift.n_sampled >= 1000]
    assert len(lift) >= 3 and (lift.ci_low > 1.5).all()
    published = frame[~frame.suppressed & frame.std_error.notna()]
    # (a Wilson bound at a rate of exactly 0 or 1 is computed to within rounding of it)
    inside = (published.ci_low <= published.estimate + 1e-12) & (published.estimate <= published.ci_high + 1e-12)
    assert inside.all()
    assert frame[frame.suppressed].estimate.isna().all()


def test_partnership_and_deterrence_tables(materialised, generated_warehouse):
    part = _table(materialised, "partnership")
    assert set(part.measure) == {"trusted_verified_more_than_once_rate", "prioritised_enrolled_rate"}
    assert set(part.domain) == {"overall", "program"}
    published = part[~part.suppressed]
    assert published.estimate.between(0, 1).all() and len(published) > 0

    det = _table(materialised, "deterrence")
    assert set(det[det.domain == "event_type"].domain_value) == {"penalty", "seizure", "audit_finding"}
    for value, cell in det.groupby("domain_value"):
        est = cell.set_index("measure").estimate
        if est.isna().any():
            continue
        did = (est.discrepancy_rate_after - est.discrepancy_rate_before) - (
            est.comparison_rate_after - est.comparison_rate_before
        )
        assert est.deterrence_effect == pytest.approx(did), value
    effects = det[(det.measure == "deterrence_effect") & ~det.suppressed]
    assert len(effects) >= 3 and effects.std_error.gt(0).all()


class PenaltyWindows(NamedTuple):
    """deterrence() at 30 days on the generated warehouse, and what both pandas recomputations of it start from."""

    frame: pd.DataFrame  # deterrence's rows
    penalties: pd.DataFrame  # importer_number, d: the first penalty, of those with a day of exam data on each side
    lines: pd.DataFrame  # the random-sample exam lines: importer_number, exam_date, is_material
    lo: pd.Timestamp  # the first day of exam data


@pytest.fixture(scope="module")
def penalty_windows(generated_warehouse):
    # One deterrence run serves both recomputations; the marts are read independently of its SQL.
    con = connect(generated_warehouse.warehouse, read_only=True)
    try:
        frame = deterrence(con, window_days=30, replicates=50)
        penalties = con.execute(
            "select importer_number, min(assessed_on) as d from marts.fct_penalties group by 1"
        ).df()
        lines = con.execute(
            "select f.importer_number, x.exam_date, x.is_material from marts.fct_exams x "
            "join marts.fct_entries f using (entry_number) where x.is_cm_sample"
        ).df()
        lo, hi = (
            pd.Timestamp(d)
            for d in con.execute("select min(exam_date), max(exam_date) from marts.fct_exams").fetchone()
        )
    finally:
        con.close()
    # Events need a day of exam data on each side.
    penalties = penalties[(penalties.d - pd.Timedelta(days=1) >= lo) & (penalties.d + pd.Timedelta(days=1) <= hi)]
    return PenaltyWindows(frame, penalties, lines, lo)


def test_deterrence_before_rate_recomputed_independently(penalty_windows):
    """The penalised importers' random-sample material rate in the 30 days before their first penalty, recomputed
    with pandas from the marts."""
    frame, penalties, lines, lo = penalty_windows
    row = frame[(frame.domain_value == "penalty") & (frame.measure == "discrepancy_rate_before")].iloc[0]
    assert row.line_source == "cm_random"
    merged = lines.merge(penalties, on="importer_number")
    start = np.maximum(merged.d - pd.Timedelta(days=30), lo)
    inside = merged[(merged.exam_date >= start) & (merged.exam_date < merged.d)]
    assert row.n_sampled == len(inside)
    assert row.estimate == pytest.approx(inside.is_material.mean())


def test_deterrence_comparison_rate_recomputed_independently(generated_warehouse, penalty_windows):
    """The matched comparison importers' random-sample rate over the penalised importers' 30-day before windows,
    rebuilt with pandas: size quintile and top HS section from the lines, no-event importers, per-window counts."""
    frame, penalties, lines, lo = penalty_windows
    con = connect(generated_warehouse.warehouse, read_only=True)
    try:
        values = con.execute(
            "select l.importer_number, c.hs_section, l.entered_value_usd::double as v "
            "from marts.fct_entry_lines l left join marts.dim_commodities c using (hts_code)"
        ).df()
        event_importers = {
            r[0]
            for r in con.execute(
                "select importer_number from marts.fct_penalties union select importer_number from marts.fct_seizures "
                "union select importer_number from marts.fct_audits where has_findings and closed_on is not null"
            ).fetchall()
            if r[0] is not None
        }
    finally:
        con.close()
    values["hs_section"] = values.hs_section.fillna("?")
    by_section = values.groupby(["importer_number", "hs_section"]).v.sum().reset_index()
    top = by_section.sort_values("v").groupby("importer_number").tail(1).set_index("importer_number").hs_section
    total = values.groupby("importer_number").v.sum().reset_index().sort_values(["v", "importer_number"])
    total["band"] = np.concatenate([np.full(len(part), i) for i, part in enumerate(np.array_split(total.index, 5))])
    profile = total.set_index("importer_number")[["band"]].join(top.rename("section"))
    comparables = profile[~profile.index.isin(event_importers)].reset_index()
    treated = penalties.join(profile, on="importer_number", how="inner")
    n = hits = 0
    for t in treated.itertuples(index=False):
        peers = comparables[comparables.band == t.band]
        if (peers.section == t.section).any():
            peers = peers[peers.section == t.section]
        start = max(t.d - pd.Timedelta(days=30), lo)
        window = lines[lines.importer_number.isin(peers.importer_number)]
        window = window[(window.exam_date >= start) & (window.exam_date < t.d)]
        n += len(window)
        hits += int(window.is_material.sum())
    row = frame[(frame.domain_value == "penalty") & (frame.measure == "comparison_rate_before")].iloc[0]
    assert n > 1000
    assert row.n_sampled == n
    assert row.estimate == pytest.approx(hits / n)


def test_lift_with_no_hits_or_no_random_discrepancy():
    key = ("fiscal_year", "FY2026", "port", "1001")
    zero = lift_row(*key, 0, 40, 0.0, (0.0625, 0.01, 400), "the same period")
    assert (zero["estimate"], zero["ci_low"], zero["suppressed"]) == (0.0, 0.0, False)
    assert zero["ci_high"] == pytest.approx(wilson_interval(0, 40)[1] / 0.0625)
    undefined = lift_row(*key, 5, 40, 0.05, (0.0, 0.0, 400), "the same period")
    assert undefined["suppressed"] and undefined["estimate"] is None
    assert "no material discrepancy" in undefined["note"]
