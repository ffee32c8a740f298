"""Do the 95% intervals cover the truth 95% of the time? Replicate compliance-measurement samples are drawn from one
fixed generated population with the generator's own design (warehouse/cm_design.py: its strata and rates, and the
generator's sampler; the exam finds a violation with the CM review's detection probability, as the generator
does), and each replicate is estimated by the same code that fills metrics.compliance_rate and
metrics.revenue_gap, including the rule that withholds intervals carried by few discrepant lines or a high design
skewness (thin_cells.py). Populations of other shapes: tests/test_metrics_interval_coverage.py.

The estimand is what the CM programme measures (docs/metrics.md): the share of lines (or of value) on which a CM
exam would find a material discrepancy, i.e. detection probability x the true non-compliant share, and the gap
such an exam would find, detection probability x sum(true duty - declared duty) over the non-compliant lines.
"""

import numpy as np
import pandas as pd
import pytest

from warehouse import cm_design
from warehouse.db import connect
from warehouse.generator import calibration as cal
from warehouse.generator.exams import cm_sample
from warehouse.metrics import thin_cells
from warehouse.metrics.compliance import by_period, period_estimates
from warehouse.metrics.revenue_gap import period_gap

REPLICATES = 400
PERIOD = "FY2026Q1"  # one fiscal quarter of the generated warehouse (~194k lines, ~11,600 sampled per replicate)
DETECTION = cal.DETECTION_PROBABILITY["cm_review"]
# 400 Bernoulli(0.95) trials: sd 1.1 points; 92-98% is a ~2.7-sigma band.
COVERAGE_BAND = (0.92, 0.98)
DOMAINS = ("overall", "hs_section")
RESULT_COLUMNS = ["replicate", "measure", "domain_value", "estimate", "std_error", "ci_low", "ci_high"]

# The CM design's strata of every filed line: AD/CVD goods (HTS code under an order in force on the filing day,
# matched on distinct codes) or the HS section (chapters 98/99: XXII), by value band.
ADCVD_CODES_SQL = """adcvd_codes as (
    select k.hts_code, o.effective_on, o.revoked_on
    from (select distinct hts_code from marts.fct_entry_lines) as k
    join marts.dim_adcvd_orders as o on starts_with(k.hts_code, o.hts_prefix)
)"""
STRATUM_SQL = cm_design.stratum_sql(
    "l.entered_value_usd",
    "case when l.hs_chapter in ('98', '99') then 'XXII' else coalesce(c.hs_section, 'unknown') end",
    """exists (
        select 1 from adcvd_codes as a
        where a.hts_code = l.hts_code and a.effective_on <= l.filed_date
          and (a.revoked_on is null or a.revoked_on > l.filed_date)
    )""",
)

POPULATION_SQL = f"""
with {ADCVD_CODES_SQL}
select l.filed_date,
    {STRATUM_SQL} as cm_stratum,
    coalesce(c.hs_section, 'unknown') as hs_section,
    cast(l.entered_value_usd as double) as value_usd,
    cast(l.total_paid_usd as double) as declared_duty_usd,
    not t.is_compliant as is_violation,
    cast(t.true_duty_usd - t.declared_duty_usd as double) as true_gap_usd
from marts.fct_entry_lines as l
join marts.dim_commodities as c on c.hts_code = l.hts_code
join marts.dim_dates as d on d.date_day = l.filed_date
join read_parquet($truth) as t using (entry_number, line_number, entry_version)
where d.fiscal_year_label || 'Q' || d.fiscal_quarter = $period
order by l.entry_number, l.line_number  -- a fixed order, so the seeded replicates are the same on every run
"""

# The strata above, rebuilt from the warehouse, against those the generator drew its CM exams from.
STRATA_CHECK_SQL = f"""
with {ADCVD_CODES_SQL}
select count(*) as sampled, count(*) filter (where x.cm_stratum <> {STRATUM_SQL}) as different
from marts.fct_exams as x
join marts.fct_entry_lines as l using (entry_number, line_number)
join marts.dim_commodities as c on c.hts_code = l.hts_code
where x.is_cm_sample
"""


# ~50 s of user CPU with imports (400 replicates of ~11,600 sampled lines), on top of the generated warehouse that
# makes every test of this file `slow` (tests/conftest.py, SLOW_FIXTURES).
@pytest.fixture(scope="module")
def replicates(generated_warehouse):
    """Per replicate: the estimates for the overall domain and each HS section, with the truths."""
    with connect(generated_warehouse.warehouse, read_only=True) as con:
        truth = str(generated_warehouse.truth / "entry_lines" / "*.parquet")
        pop = con.execute(POPULATION_SQL, {"truth": truth, "period": PERIOD}).df()
    # The generator's design strata are (filing day, stratum); its weights are stratum population / sampled.
    day_stratum, keys = pd.factorize(pop["filed_date"].astype(str) + "/" + pop["cm_stratum"])
    rates = cm_design.rates(np.array([k.split("/")[1] for k in keys], dtype=object))
    violation = pop["is_violation"].to_numpy()
    value = pop["value_usd"].to_numpy()
    gap = pop["true_gap_usd"].to_numpy()
    declared_all = pop["declared_duty_usd"].to_numpy()
    # Integer codes for strata and sections: the estimators accept any labels, and integers keep 400 replicates fast.
    stratum_code = pd.factorize(pop["cm_stratum"])[0]
    section, section_names = pd.factorize(pop["hs_section"], sort=True)
    truths = {}
    for label, inside in (
        ("all", np.ones(len(pop), dtype=bool)),
        *((str(c), section == c) for c in range(len(section_names))),
    ):
        truths[("mtd_rate_lines", label)] = DETECTION * violation[inside].mean()
        truths[("mtd_rate_value", label)] = DETECTION * (violation * value)[inside].sum() / value[inside].sum()
        truths[("revenue_gap_net_usd", label)] = DETECTION * (violation * gap)[inside].sum()
    rng = np.random.default_rng(20260101)
    rows = []
    for replicate in range(REPLICATES):
        sampled, population, n = cm_sample(rng, day_stratum, rates)
        found = violation[sampled] & (rng.random(sampled.size) < DETECTION)
        declared = declared_all[sampled]
        sample = pd.DataFrame(
            {
                "cm_stratum": stratum_code[sampled],
                "cm_weight": population[day_stratum[sampled]] / n[day_stratum[sampled]],
                "is_material": found,
                "value_usd": value[sampled],
                "declared_duty_usd": declared,
                "correct_duty_usd": declared + np.where(found, gap[sampled], 0.0),
                "overall": "all",
                "hs_section": section[sampled],
                "fiscal_quarter_label": PERIOD,
            }
        )
        kinds = ("fiscal_quarter",)
        rates_frame = by_period(sample, lambda s: period_estimates(s, domains=DOMAINS), kinds)
        gap_frame = by_period(sample, lambda s: period_gap(s, domains=DOMAINS), kinds)
        frame = pd.concat([rates_frame, gap_frame[gap_frame["measure"] == "revenue_gap_net_usd"]])
        frame["replicate"] = replicate
        rows.append(frame[[*RESULT_COLUMNS, thin_cells.COLUMN, thin_cells.SKEWNESS_COLUMN, thin_cells.SPREAD_COLUMN]])
    out = pd.concat(rows, ignore_index=True)
    out["truth"] = [truths.get(key, np.nan) for key in zip(out["measure"], out["domain_value"], strict=True)]
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    # As published: the rate by value and the gap keep their interval only with enough discrepant lines and a
    # moderate design skewness and value spread (the rate by line always).
    minimum = out["measure"].map(thin_cells.MIN_DISCREPANT_LINES)
    rule = thin_cells.publishable(
        out[thin_cells.COLUMN], out[thin_cells.SKEWNESS_COLUMN], minimum, out[thin_cells.SPREAD_COLUMN]
    )
    out["published"] = minimum.isna() | rule
    return out


def _overall(replicates, measure):
    return replicates[(replicates["measure"] == measure) & (replicates["domain_value"] == "all")]


def _sections(replicates, measure):
    """HS-section cells with violations (a 0 truth is covered by any interval from 0 and would flatter)."""
    rows = replicates[(replicates["measure"] == measure) & (replicates["domain_value"] != "all")]
    return rows[rows["truth"] > 0]


def test_the_population_strata_are_the_ones_the_generator_drew_its_cm_sample_from(generated_warehouse):
    with connect(generated_warehouse.warehouse, read_only=True) as con:
        sampled, different = con.execute(STRATA_CHECK_SQL).fetchone()
    assert sampled > 10_000 and different == 0


def test_the_mtd_rate_by_line_interval_covers_the_true_rate_95_percent_of_the_time(replicates):
    rows = _overall(replicates, "mtd_rate_lines")
    assert len(rows) == REPLICATES
    low, high = COVERAGE_BAND
    assert low <= rows["covered"].mean() <= high
    # The standard error is honest too: it matches the spread of the estimates across replicates (within 15%).
    assert rows["std_error"].mean() == pytest.approx(rows["estimate"].std(), rel=0.15)


def test_the_mtd_rate_in_hs_section_domains_covers_at_the_nominal_rate(replicates):
    """Domain estimation by zeroing, pooled over the sections with violations."""
    rows = _sections(replicates, "mtd_rate_lines")
    assert rows["domain_value"].nunique() >= 15
    low, high = COVERAGE_BAND
    assert low <= rows["covered"].mean() <= high


def test_the_value_rate_and_revenue_gap_intervals_cover_95_percent_of_the_time(replicates):
    """The design samples large lines and AD/CVD goods heavily (cm_design.py): with the flat design before it these
    intervals covered 82% and 68%. Every replicate's overall interval is published, and covers at the nominal rate;
    the standard error is honest or errs high (the with-replacement variance ignores the take-all strata's finite
    population, which leaves the detection noise of their exams counted)."""
    low, high = COVERAGE_BAND
    for measure in ("mtd_rate_value", "revenue_gap_net_usd"):
        rows = _overall(replicates, measure)
        assert len(rows) == REPLICATES and rows["published"].all(), measure
        assert low <= rows["covered"].mean() <= high, measure
        ratio = rows["std_error"].mean() / rows["estimate"].std()
        assert 0.9 <= ratio <= 1.35, measure


def test_the_estimators_are_unbiased_for_the_rates_and_the_gap(replicates):
    for measure in ("mtd_rate_lines", "mtd_rate_value", "revenue_gap_net_usd"):
        rows = _overall(replicates, measure)
        monte_carlo_se = rows["estimate"].std() / np.sqrt(len(rows))
        assert abs(rows["estimate"].mean() - rows["truth"].iloc[0]) < 3.5 * monte_carlo_se, measure


def test_section_intervals_the_rule_withholds_are_the_ones_that_miss_and_the_published_ones_cover(replicates):
    """In HS sections the value rate and the gap often rest on a handful of discrepant lines or on a few large
    ones. The cells the rule withholds (thin_cells.py) are the ones that miss; the ones it publishes cover at the
    nominal rate."""
    for measure in ("mtd_rate_value", "revenue_gap_net_usd"):
        rows = _sections(replicates, measure)
        published, withheld = rows[rows["published"]], rows[~rows["published"]]
        assert len(published) >= 200 and len(withheld) >= 200, measure
        assert published["covered"].mean() >= COVERAGE_BAND[0], measure
        assert withheld["covered"].mean() < 0.9, measure
