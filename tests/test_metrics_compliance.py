"""The MTD-rate and revenue-gap tables, materialised by their real Dagster assets on a copy of the generated
warehouse, checked against direct SQL on the same marts; and the survey estimators on hand-computed samples."""

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from generated_warehouse import copy_warehouse
from scipy import stats

from orchestration.defs.metrics import measures_compliance as assets
from orchestration.resources import WarehouseResource
from warehouse.db import connect
from warehouse.metrics import compliance, revenue_gap, survey, thin_cells
from warehouse.metrics.cm_sample import load_sample
from warehouse.metrics.estimates import ESTIMATE_COLUMNS, MIN_SAMPLED, write_estimates
from warehouse.metrics.periods import prior_period
from warehouse.metrics.revenue_gap import period_gap


@pytest.fixture(scope="module")
def built(generated_warehouse, tmp_path_factory):
    """A copy of the generated warehouse with the four measure tables materialised; read the frames once."""
    path = copy_warehouse(generated_warehouse, tmp_path_factory.mktemp("metrics_compliance"))
    result = dg.materialize(
        [assets.compliance_rate, assets.revenue_gap_estimates, assets.clearance_speed, assets.clearance_index],
        resources={"warehouse": WarehouseResource(path=str(path))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    con = connect(path, read_only=True)
    yield con, result
    con.close()


def _frame(con, table):
    return con.execute(f"select * from metrics.{table}").df()


def test_materialised_tables_have_the_shared_layout_and_the_agreed_measures(built):
    con, result = built
    expected = {
        "compliance_rate": {"mtd_rate_lines", "mtd_rate_value"},
        "revenue_gap": {
            "revenue_gap_net_usd",
            "revenue_underpaid_usd",
            "revenue_overpaid_usd",
            "revenue_collected_rate",
        },
        "clearance_speed": {
            "arrival_to_release_hours_median",
            "arrival_to_release_hours_p90",
            "filing_to_release_hours_median",
            "filing_to_release_hours_p90",
        },
        "clearance_index": {"clearance_speed_index"},
    }
    for table, measures in expected.items():
        frame = _frame(con, table)
        assert list(frame.columns[: len(ESTIMATE_COLUMNS)]) == list(ESTIMATE_COLUMNS)
        assert set(frame["measure"]) == measures
        assert set(frame["period"]) == {"FY2025", "FY2026", "FY2025Q4", "FY2026Q1"}
        materialisations = result.asset_materializations_for_node(f"metrics__{table}")
        assert materialisations[0].metadata["row_count"].value == len(frame)
    compliance = _frame(con, "compliance_rate")
    assert {"prior_period", "change", "change_std_error", "change_p_value"} <= set(compliance.columns)
    assert set(compliance["domain"]) == {
        "overall",
        "program",
        "hs_section",
        "hs_chapter",
        "country_of_origin",
        "port",
        "pti",
    }


def test_overall_mtd_rates_equal_the_weighted_sample_rates_computed_in_sql(built):
    con, _ = built
    direct = con.execute(
        """
        select d.fiscal_year_label || 'Q' || d.fiscal_quarter as period,
            sum(x.cm_weight * x.is_material::int) / sum(x.cm_weight) as by_line,
            sum(x.cm_weight * l.entered_value_usd * x.is_material::int) / sum(x.cm_weight * l.entered_value_usd)
                as by_value,
            count(*) as n
        from marts.fct_exams as x
        join marts.fct_entry_lines as l using (entry_number, line_number)
        join marts.dim_dates as d on d.date_day = l.filed_date
        where x.is_cm_sample
        group by 1
        """
    ).fetchall()
    table = _frame(con, "compliance_rate").query("domain == 'overall' and period_kind == 'fiscal_quarter'")
    for period, by_line, by_value, n in direct:
        rows = table[table["period"] == period].set_index("measure")
        assert rows.loc["mtd_rate_lines", "estimate"] == pytest.approx(float(by_line), rel=1e-9)
        assert rows.loc["mtd_rate_value", "estimate"] == pytest.approx(float(by_value), rel=1e-9)
        assert rows.loc["mtd_rate_lines", "n_sampled"] == n
        low, estimate, high = rows.loc["mtd_rate_lines", ["ci_low", "estimate", "ci_high"]]
        assert 0 <= low < estimate < high <= 1
        assert rows.loc["mtd_rate_lines", "std_error"] > 0 and rows.loc["mtd_rate_value", "std_error"] > 0
        # By value, a whole quarter rests on dozens of discrepant lines and the design samples large lines heavily
        # (a low design skewness): its skewness-corrected interval is published.
        low, estimate, high = rows.loc["mtd_rate_value", ["ci_low", "estimate", "ci_high"]]
        assert 0 <= low < estimate < high <= 1
        assert rows.loc["mtd_rate_value", "note"] == compliance.VALUE_METHOD_NOTE
        assert not rows.loc["mtd_rate_value", "suppressed"]


def test_exclusive_breakouts_add_up_to_the_overall_estimate(built):
    """For breakouts that partition the lines, sum over domains of (weight total x rate) is the overall weighted
    count of material lines, and the domain revenue gaps add up to the overall gap."""
    con, _ = built
    weights = con.execute(
        """
        select d.fiscal_year_label as period, coalesce(c.hs_section, 'unknown') as hs_section, sum(x.cm_weight) as w
        from marts.fct_exams as x
        join marts.fct_entry_lines as l using (entry_number, line_number)
        join marts.dim_dates as d on d.date_day = l.filed_date
        left join marts.dim_commodities as c on c.hts_code = l.hts_code
        where x.is_cm_sample group by all
        """
    ).df()
    rates = _frame(con, "compliance_rate").query("measure == 'mtd_rate_lines' and period_kind == 'fiscal_year'")
    for period, part in weights.groupby("period"):
        by_section = rates[(rates["period"] == period) & (rates["domain"] == "hs_section")].set_index("domain_value")
        overall = rates[(rates["period"] == period) & (rates["domain"] == "overall")]["estimate"].item()
        # Suppression withholds small cells, so rebuild from all cells: unsuppressed here (hs sections are big).
        assert not by_section["suppressed"].any()
        material = sum(w * by_section.loc[s, "estimate"] for s, w in zip(part["hs_section"], part["w"], strict=True))
        assert material / part["w"].sum() == pytest.approx(overall, rel=1e-9)

    # Port cells are often suppressed in the table, so add up the unsuppressed estimates the table is made from.
    sample = load_sample(con)
    for period, lines in sample.groupby("fiscal_year_label"):
        gap = period_gap(lines)
        for _measure, part in gap.groupby("measure"):
            overall = part[part["domain"] == "overall"]
            ports = part[part["domain"] == "port"]
            assert ports["estimate"].sum() == pytest.approx(overall["estimate"].item(), rel=1e-9, abs=1e-6)
            assert ports["n_sampled"].sum() == overall["n_sampled"].item() == len(lines)
            # Variances do not add across domains, but no domain can be less certain than zero.
            assert (ports["std_error"] >= 0).all()
        published = _frame(con, "revenue_gap").query(f"domain == 'overall' and period == '{period}'")
        net = published[published["measure"] == "revenue_gap_net_usd"]["estimate"].item()
        assert net == pytest.approx(
            gap.query("domain == 'overall' and measure == 'revenue_gap_net_usd'")["estimate"].item()
        )


def test_small_cells_are_suppressed_and_say_so(built):
    con, _ = built
    frame = _frame(con, "compliance_rate")
    small = frame[frame["n_sampled"] < MIN_SAMPLED]
    assert len(small) > 0
    assert small["suppressed"].all()
    assert small[["estimate", "std_error", "ci_low", "ci_high"]].isna().all().all()
    assert small["note"].str.contains("suppressed").all()
    assert not frame[frame["n_sampled"] >= MIN_SAMPLED]["suppressed"].any()


def test_the_change_from_the_prior_period_is_the_difference_with_a_z_test(built):
    con, _ = built
    frame = _frame(con, "compliance_rate").query("domain == 'overall'")
    current = frame[frame["period"] == "FY2026Q1"].set_index("measure")
    prior = frame[frame["period"] == "FY2025Q4"].set_index("measure")
    for measure in ("mtd_rate_lines", "mtd_rate_value"):
        row = current.loc[measure]
        assert row["prior_period"] == "FY2025Q4"
        change = row["estimate"] - prior.loc[measure, "estimate"]
        se = np.hypot(row["std_error"], prior.loc[measure, "std_error"])
        assert row["change"] == pytest.approx(change)
        assert row["change_std_error"] == pytest.approx(se)
        assert row["change_p_value"] == pytest.approx(2 * stats.norm.sf(abs(change) / se))
    assert frame[frame["period"] == "FY2025Q4"]["change"].isna().all()  # no FY2025Q3 in the data


def test_revenue_collected_rate_uses_the_known_declared_total(built):
    con, _ = built
    declared = con.execute(
        """
        select sum(l.total_paid_usd) from marts.fct_entry_lines as l
        join marts.dim_dates as d on d.date_day = l.filed_date where d.fiscal_year_label = 'FY2026'
        """
    ).fetchone()[0]
    gap = _frame(con, "revenue_gap").query("domain == 'overall' and period == 'FY2026'").set_index("measure")
    net = gap.loc["revenue_gap_net_usd"]
    assert net["estimate"] > 0
    assert gap.loc["revenue_underpaid_usd", "estimate"] - gap.loc["revenue_overpaid_usd", "estimate"] == (
        pytest.approx(net["estimate"])
    )
    rate = gap.loc["revenue_collected_rate"]
    d = float(declared)
    assert rate["estimate"] == pytest.approx(d / (d + net["estimate"]))
    assert rate["std_error"] == pytest.approx(d * net["std_error"] / (d + net["estimate"]) ** 2)
    # The year's gap rests on enough discrepant lines: its interval, mapped to the collected rate's (a gap bound
    # below 0 reads as 0: the share never passes 100%).
    assert net["ci_low"] < net["estimate"] < net["ci_high"]
    assert rate["ci_low"] == pytest.approx(d / (d + net["ci_high"]))
    assert rate["ci_high"] == pytest.approx(d / (d + max(net["ci_low"], 0.0)))
    assert 0 < rate["ci_low"] < rate["estimate"] < rate["ci_high"] <= 1


def test_value_rate_and_gap_intervals_are_withheld_where_few_discrepant_lines_or_a_high_skewness_carry_them(built):
    """Count per cell straight from the sample the lines with a discrepancy it would hold at its period's overall
    rate: every cell below the threshold has its interval withheld with the count note (both kinds of cell occur);
    a cell above it is withheld only for its design skewness, and says so."""
    con, _ = built
    sample = load_sample(con)
    amounts = {
        "mtd_rate_value": sample["value_usd"] * sample["is_material"],
        "revenue_gap_net_usd": sample["correct_duty_usd"] - sample["declared_duty_usd"],
    }
    checked = {"mtd_rate_value": ("compliance_rate", "hs_section"), "revenue_gap_net_usd": ("revenue_gap", "port")}
    for measure, (table, domain) in checked.items():
        lines = sample.assign(discrepant=amounts[measure] != 0)
        rates = pd.concat(
            lines.groupby(f"{kind}_label")["discrepant"].mean() for kind in ("fiscal_year", "fiscal_quarter")
        )
        cells = pd.concat(
            lines.groupby([f"{kind}_label", column])
            .agg(n=("discrepant", "size"))
            .rename_axis(["period", "domain_value"])
            .assign(domain=name)
            for kind in ("fiscal_year", "fiscal_quarter")
            for name, column in (("overall", "overall"), (domain, domain))
        )
        expected = cells["n"] * rates.reindex(cells.index.get_level_values("period")).to_numpy()
        cells = cells.assign(expected=expected)
        cells = cells[cells["n"] >= MIN_SAMPLED].set_index("domain", append=True)
        thin = cells["expected"] < thin_cells.MIN_DISCREPANT_LINES[measure]
        frame = _frame(con, table).query(f"measure == '{measure}'")
        frame = frame.set_index(["period", "domain_value", "domain"]).loc[cells.index]
        withheld = frame["ci_low"].isna() & frame["estimate"].notna()
        assert thin.any() and (~thin).any(), measure
        assert withheld[thin].all(), measure
        assert frame.loc[thin, "note"].str.contains("would hold about").all(), measure
        skewed = withheld & ~thin
        assert frame.loc[skewed, "note"].str.contains("design skewness").all(), measure
        assert (~withheld[~thin]).any(), measure  # the rule publishes some cells with enough lines


def test_thin_cells_lose_their_interval_but_keep_estimate_and_error_and_say_why():
    members = survey.exclusive([0, 0, 0, 1, 1])
    # 2 of 5 sampled lines have a discrepancy: at that rate the 3 lines of domain 0 would hold 1.2, domain 1's 2 lines
    # 0.8, though domain 1 found none (the count follows the domain's size, not what its sample found).
    assert thin_cells.expected_discrepant_lines(members, [5.0, 0.0, -2.0, 0.0, 0.0]).tolist() == pytest.approx(
        [1.2, 0.8]
    )
    frame = pd.DataFrame(
        {
            "measure": [
                "mtd_rate_value",
                "mtd_rate_value",
                "revenue_gap_net_usd",
                "mtd_rate_lines",
                "mtd_rate_value",
                "revenue_gap_net_usd",
                "revenue_gap_net_usd",
                "mtd_rate_value",
                "revenue_gap_net_usd",
            ],
            "estimate": [0.02, 0.03, 9e5, 0.01, None, 8e5, 7e5, 0.02, 6e5],
            "std_error": [0.01, 0.01, 3e5, 0.005, None, 2e5, 2e5, 0.005, 2e5],
            "ci_low": [0.01, 0.02, 3e5, 0.0, None, 4e5, 3e5, 0.012, 3e5],
            "ci_high": [0.04, 0.05, 1.5e6, 0.03, None, 1.2e6, 1.1e6, 0.04, 1.1e6],
            "note": ["method"] * 9,
            "n_sampled": [400, 500, 1200, 300, 0, 900, 900, 900, 900],
            thin_cells.COLUMN: [9.0, 10.0, 0.6, 0, 0, 40, 40, 40, 40],
            thin_cells.SKEWNESS_COLUMN: [0.1, 0.4, 0.2, np.nan, np.nan, 1.37, -0.6, 0.5, 0.5],
            # Values spread: 1.62 above the limit withholds a moderately skewed cell; NaN (no stratum sampled below
            # 100%) does not.
            thin_cells.SPREAD_COLUMN: [1.0, 1.2, 1.0, np.nan, np.nan, 1.0, 1.3, 1.62, np.nan],
        }
    )
    out = thin_cells.withhold_thin_intervals(frame)
    assert {thin_cells.COLUMN, thin_cells.SKEWNESS_COLUMN, thin_cells.SPREAD_COLUMN}.isdisjoint(out.columns)
    assert out.loc[0, ["ci_low", "ci_high"]].isna().all() and out.loc[0, "estimate"] == 0.02
    assert out.loc[0, "std_error"] == 0.01
    assert out.loc[0, "note"] == (
        "interval withheld: at the sample's overall rate its 400 sampled lines would hold about 9 with a discrepancy, "
        "fewer than the 10 an interval needs"
    )
    assert out.loc[1, "ci_low"] == 0.02 and out.loc[1, "note"] == "method"  # 10 lines, skewness 0.4: published
    assert np.isnan(out.loc[2, "ci_low"]) and out.loc[2, "note"] == (
        "interval withheld: at the sample's overall rate its 1,200 sampled lines would hold about 0.6 with a "
        "discrepancy, fewer than the 10 an interval needs"
    )
    assert out.loc[3, "ci_low"] == 0.0 and out.loc[3, "note"] == "method"  # a measure the rule does not cover
    assert out.loc[4, "note"] == "method"  # nothing estimated, nothing to withhold
    assert np.isnan(out.loc[5, "ci_low"]) and out.loc[5, "note"] == (
        "interval withheld: a few large lines carry the estimate, so a 95% interval would miss too often "
        "(design skewness 1.37, above 0.7)"
    )
    assert out.loc[6, "ci_low"] == 3e5  # a net gap leaning left (overpayments) by less than the limit
    assert out.loc[7, ["ci_low", "ci_high"]].isna().all() and out.loc[7, "estimate"] == 0.02
    assert out.loc[7, "note"] == (
        "interval withheld: entered values vary so widely (log-value spread 1.62, above 1.4: the largest line in a "
        "thousand is worth over 75 times the typical one) that the sample cannot show how much a few large lines carry"
    )
    assert out.loc[8, "ci_low"] == 3e5 and out.loc[8, "note"] == "method"


def test_a_kind_of_discrepancy_the_sample_never_found_says_so_rather_than_about_zero_lines():
    frame = pd.DataFrame(
        {
            "measure": ["revenue_overpaid_usd"],
            "estimate": [0.0],
            "std_error": [0.0],
            "ci_low": [0.0],
            "ci_high": [0.0],
            "note": ["method"],
            "n_sampled": [3308],
            thin_cells.COLUMN: [0.0],
            thin_cells.SKEWNESS_COLUMN: [np.nan],
            thin_cells.SPREAD_COLUMN: [1.0],
        }
    )
    out = thin_cells.withhold_thin_intervals(frame)
    assert out.loc[0, ["ci_low", "ci_high"]].isna().all() and out.loc[0, "estimate"] == 0.0
    assert out.loc[0, "note"] == "interval withheld: no sampled line of the period has a discrepancy of this kind"


def test_stratified_total_and_variance_match_a_hand_computation():
    # Two strata: A (w=10; y = 1, 3) and B (w=5; y = 2, 2, 8). Total = 10*4 + 5*12 = 100.
    # Sampling: sum_h (1 - f_h) n_h/(n_h-1) sum_i (w y_i - mean_h)^2: A (f = 2/20): 0.9 * 2 * ((10-20)^2 +
    # (30-20)^2) = 360; B (f = 3/15): 0.8 * 3/2 * ((10-20)^2 * 2 + (40-20)^2) = 720. Exam: f (1 - 1/2) (w y)^2 per
    # line with an amount: A 0.1 * 0.5 * (100 + 900) = 50; B 0.2 * 0.5 * (100 + 100 + 1600) = 180. se = sqrt(1310).
    design = survey.design(["A", "A", "B", "B", "B"], [10, 10, 5, 5, 5])
    est = survey.totals(design, survey.everyone(5), [1, 3, 2, 2, 8])
    assert est.estimate[0] == pytest.approx(100)
    assert est.std_error[0] == pytest.approx(np.sqrt(1310))


def test_a_domain_is_estimated_by_zeroing_outside_it_not_by_reweighting():
    # Domain = units 0 and 2. Zeroed y in A: (1, 0) -> 0.9 * 2 * ((10-5)^2 + (0-5)^2) = 90, exam 0.1 * 0.5 * 100 = 5;
    # in B: (2, 0, 0) -> 0.8 * 3/2 * ((10 - 10/3)^2 + 2 * (10/3)^2) = 80, exam 0.2 * 0.5 * 100 = 10. A re-weighted
    # (domain-as-stratum) variance would be 0.
    design = survey.design(["A", "A", "B", "B", "B"], [10, 10, 5, 5, 5])
    members = survey.exclusive([0, -1, 0, -1, -1])
    est = survey.totals(design, members, [1, 3, 2, 2, 8])
    assert est.estimate[0] == pytest.approx(20)
    assert est.std_error[0] == pytest.approx(np.sqrt(185))
    assert est.n_sampled[0] == 2


@pytest.mark.parametrize("detection", [0.5, 0.85, 1.0])
def test_a_totals_variance_is_at_least_the_true_one_for_an_exam_that_finds_half_or_more(detection):
    """Repeated samples of a population with a take-all stratum of large lines and a stratum sampled at 10%, each
    line's amount found by the exam with probability `detection`: the mean estimated variance is at least the
    variance of the estimates (within 5% Monte Carlo slack), and not the with-replacement formula's excess (which
    would count the take-all stratum's spread as sampling error)."""
    rng = np.random.default_rng(14)
    large = rng.lognormal(10, 0.5, 40) * (rng.random(40) < 0.5)  # take-all: every line examined
    small = rng.lognormal(6, 1.0, 2000) * (rng.random(2000) < 0.1)  # 200 of 2,000 examined
    strata = np.r_[np.zeros(40), np.ones(200)]
    weight = np.r_[np.ones(40), np.full(200, 10.0)]
    design = survey.design(strata, weight)
    estimates, variances, with_replacement = [], [], []
    for _ in range(4000):
        y = np.r_[large, rng.choice(small, 200, replace=False)]
        y = y * (rng.random(y.size) < detection)
        est = survey.totals(design, survey.everyone(y.size), y)
        estimates.append(est.estimate[0])
        variances.append(est.std_error[0] ** 2)
        with_replacement.append(survey._variance(design, survey.everyone(y.size), weight * y)[0])
    true = np.var(estimates)
    assert np.mean(variances) >= 0.95 * true
    if detection == 0.5:  # the bound is exact where the exam finds exactly half
        assert np.mean(variances) == pytest.approx(true, rel=0.1)
    assert np.mean(with_replacement) > np.mean(variances)


def test_a_ratio_has_the_linearised_variance():
    # R = sum w y / sum w x; z = (y - R x) / X-hat. Checked against a direct numpy evaluation of the formula.
    rng = np.random.default_rng(3)
    strata = np.repeat(np.arange(4), 25)
    w = np.repeat([4.0, 8.0, 2.0, 10.0], 25)
    x = rng.lognormal(0, 1, 100)
    y = x * (rng.random(100) < 0.2)
    est = survey.ratios(survey.design(strata, w), survey.everyone(100), y, x)
    r = (w * y).sum() / (w * x).sum()
    wz = w * (y - r * x) / (w * x).sum()
    var = sum(25 / 24 * ((wz[strata == h] - wz[strata == h].mean()) ** 2).sum() for h in range(4))
    assert est.estimate[0] == pytest.approx(r)
    assert est.std_error[0] == pytest.approx(np.sqrt(var))


def test_single_unit_strata_are_pooled_so_they_still_count_in_the_variance():
    design = survey.design(["A", "B", "C", "C"], [1, 1, 1, 1])
    assert design.stratum[0] == design.stratum[1] != design.stratum[2]
    assert design.degrees_of_freedom == 2


def test_korn_graubard_is_clopper_pearson_for_a_simple_random_sample():
    # SRS: var = p(1-p)/n gives n_eff = n; with df = n - 1 there is no adjustment: exact Clopper-Pearson.
    p, n = 3 / 200, 200
    low, high = survey.korn_graubard(p, np.sqrt(p * (1 - p) / n), n, n - 1)
    assert low == pytest.approx(stats.beta.ppf(0.025, 3, 198))
    assert high == pytest.approx(stats.beta.ppf(0.975, 4, 197))
    zero_low, zero_high = survey.korn_graubard(0.0, 0.0, 50, 49)
    assert zero_low == 0 and zero_high == pytest.approx(1 - 0.025 ** (1 / 50))


def test_korn_graubard_never_credits_the_design_with_more_than_its_lines():
    # A variance below the SRS one (design effect < 1, what a few discrepant lines in low-weight strata give) is
    # floored at n: the same interval as an SRS of n lines. A larger variance shrinks n_eff as before.
    p, n = 3 / 200, 200
    srs = np.ravel(survey.korn_graubard(p, np.sqrt(p * (1 - p) / n), n, n - 1))
    low, high = survey.korn_graubard(p, 0.5 * np.sqrt(p * (1 - p) / n), n, n - 1)
    assert [float(low), float(high)] == pytest.approx(srs)
    wide_low, wide_high = survey.korn_graubard(p, 2 * np.sqrt(p * (1 - p) / n), n, n - 1)
    assert wide_low < srs[0] and wide_high > srs[1]
    assert wide_high == pytest.approx(stats.beta.ppf(0.975, p * 50 + 1, 50 - p * 50))  # n_eff = 200 / 4


def test_a_domain_has_its_own_degrees_of_freedom():
    # Its sampled lines minus the strata holding them: {0, 2, 3} spans A and B (3 - 2); {1} alone floors at 1; the
    # whole sample is the design's (5 - 2).
    design = survey.design(["A", "A", "B", "B", "B"], [1, 1, 1, 1, 1])
    assert survey.domain_degrees_of_freedom(design, survey.exclusive([0, 1, 0, 0, -1])).tolist() == [1, 1]
    assert survey.domain_degrees_of_freedom(design, survey.everyone(5)).tolist() == [design.degrees_of_freedom]
    # Fewer degrees of freedom, a wider interval: the t ratio shrinks n_eff.
    p, n, se = 0.05, 100, 0.03
    assert np.subtract(*survey.korn_graubard(p, se, n, 5)[::-1]) > np.subtract(
        *survey.korn_graubard(p, se, n, 99)[::-1]
    )


def test_prior_periods_step_back_one_fiscal_year_or_quarter():
    assert prior_period("FY2026") == "FY2025"
    assert prior_period("FY2026Q1") == "FY2025Q4"
    assert prior_period("FY2026Q3") == "FY2026Q2"
    assert prior_period("all") is None


def test_a_warehouse_without_sample_lines_gets_empty_tables_with_the_standard_columns(tmp_path):
    sample_columns = ["cm_stratum", "cm_weight", "is_material", "value_usd", "declared_duty_usd", "correct_duty_usd"]
    sample_columns += ["fiscal_year_label", "fiscal_quarter_label", "overall", "program", "hs_section"]
    sample_columns += ["hs_chapter", "country_of_origin", "port", "pti"]
    sample = pd.DataFrame({name: pd.Series(dtype=object) for name in sample_columns})
    declared = pd.DataFrame({name: pd.Series(dtype=object) for name in ["period_kind", "period", "domain"]})
    declared["domain_value"], declared["declared"] = pd.Series(dtype=object), pd.Series(dtype=float)
    with connect(tmp_path / "w.duckdb") as con:
        assert write_estimates(con, "compliance_rate", compliance.compliance_rate(sample)) == 0
        assert write_estimates(con, "revenue_gap", revenue_gap.revenue_gap(sample, declared)) == 0
        columns = [row[0] for row in con.execute("describe metrics.compliance_rate").fetchall()]
    assert columns[: len(ESTIMATE_COLUMNS)] == list(ESTIMATE_COLUMNS)
    assert "change_p_value" in columns
