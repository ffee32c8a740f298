"""Coverage of the published intervals on populations of several shapes, not only the generator's (the light run of
benchmarks/interval_coverage.py; the heavy one, 2,000 replicates of eight shapes, is in docs/metrics.md).

Each replicate sample is estimated by the code that fills metrics.compliance_rate and metrics.revenue_gap, withhold
rule and collected share included, and every published interval is compared with its cell's population value.
With 100 replicates a shape's coverage has a Monte Carlo error of about 2 points, so the checks are tests: a cell
group fails when its coverage is significantly below 93% (one-sided binomial test at the 0.1% level).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks.coverage_shapes import generator_shape, synthetic_shapes
from benchmarks.interval_coverage import coverage, judge, replicates
from warehouse.metrics.estimates import Z95

REPLICATES = 100
SHAPES = ("lognormal_1.3", "lognormal_1.8", "detection_60%")  # the population, the heaviest, low detection
LOW = 0.93


@pytest.fixture(scope="module")
def coverage_cells() -> pd.DataFrame:
    shapes = [generator_shape(), *(s for s in synthetic_shapes() if s.name in SHAPES)]
    return pd.concat([replicates(shape, REPLICATES) for shape in shapes], ignore_index=True)


def _significantly_short(covered: int, published: int) -> bool:
    return stats.binomtest(covered, published, LOW, alternative="less").pvalue < 0.001


def test_no_published_interval_of_the_value_rate_or_the_gap_is_shown_short(coverage_cells):
    # Breakouts included: a breakout is judged by its own design skewness and the whole sample's scaled to its
    # discrepant lines (skewness.judged_skewness); its own alone published intervals that covered 84-91%.
    table = coverage(coverage_cells)
    skewed = table[table["measure"] != "mtd_rate_lines"]
    assert len(skewed) == 4 * 3 * 2  # four shapes, three measures, overall and breakouts
    for row in skewed.itertuples(index=False):
        if row.published:
            assert not _significantly_short(int(row.covered), int(row.published)), row
    # Pooled over the shapes, each measure is neither significantly below 93% nor above 97.5% (at 5%: ~500 cells,
    # Monte Carlo SE ~1.1 points, so a point check at 93% would fail on noise; 90% would be caught 7 times in 8).
    pooled = skewed.groupby("measure")[["covered", "published"]].sum().astype(int)
    for measure, row in pooled.iterrows():
        assert stats.binomtest(row["covered"], row["published"], LOW, alternative="less").pvalue >= 0.05, measure
        assert stats.binomtest(row["covered"], row["published"], 0.975, alternative="greater").pvalue >= 0.05, measure


def test_the_mtd_rate_by_line_covers_overall_in_every_shape(coverage_cells):
    table = coverage(coverage_cells)
    overall = table[(table["measure"] == "mtd_rate_lines") & (table["level"] == "overall")]
    assert (overall["published"] == REPLICATES).all()
    for row in overall.itertuples(index=False):
        assert not _significantly_short(int(row.covered), int(row.published)), row


def test_the_mtd_rate_by_line_covers_in_breakouts(coverage_cells):
    """Korn-Graubard in breakouts of ~150 sampled lines with a handful of discrepant ones: no shape significantly
    short, and pooled over the synthetic shapes at least 93.5%. The interval without the design-effect floor (n_eff
    = p(1-p)/var, what was published before) is below that on the same cells: the check can fail."""
    table = coverage(coverage_cells)
    lines = table[(table["measure"] == "mtd_rate_lines") & (table["level"] == "breakouts")]
    assert len(lines) == 4 and (lines["published"] == lines["cells"]).all()  # never withheld
    for row in lines.itertuples(index=False):
        assert not _significantly_short(int(row.covered), int(row.published)), row
    synthetic = lines[lines["shape"] != "generator"]
    assert synthetic["covered"].sum() / synthetic["published"].sum() >= 0.935, synthetic

    cells = coverage_cells[(coverage_cells["measure"] == "mtd_rate_lines") & (coverage_cells["domain"] != "overall")]
    cells = cells[(cells["shape"] != "generator") & (cells["truth"] != 0) & cells["estimate"].notna()]
    p, se = cells["estimate"].to_numpy(), cells["std_error"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(se > 0, p * (1 - p) / se**2, cells["n_sampled"].to_numpy(dtype=float))
        x = p * n_eff
        low = np.where(x > 0, stats.beta.ppf(0.025, x, n_eff - x + 1), 0.0)
        high = np.where(x < n_eff, stats.beta.ppf(0.975, x + 1, n_eff - x), 1.0)
    truth = cells["truth"].to_numpy()
    assert ((low <= truth) & (truth <= high)).mean() < 0.935


def test_the_harness_sees_a_short_interval_the_old_normal_interval_on_a_heavy_tail(coverage_cells):
    """The normal interval the 15-line rule published (every overall sample of these shapes has 15 discrepant
    lines) covers the heaviest shape's gap significantly below 95%: the harness can fail an interval. The rule
    withholds all of them; on the issue's population it withholds some samples and publishes others."""
    overall = coverage_cells[
        (coverage_cells["measure"] == "revenue_gap_net_usd") & (coverage_cells["domain"] == "overall")
    ]
    heavy = overall[overall["shape"] == "lognormal_1.8"]
    normal = (heavy["estimate"] - heavy["truth"]).abs() <= Z95 * heavy["std_error"]
    assert stats.binomtest(int(normal.sum()), len(heavy), 0.95, alternative="less").pvalue < 0.001
    assert 0.1 < overall.loc[overall["shape"] == "lognormal_1.3", "published"].mean() < 0.9


def test_the_heaviest_tail_publishes_no_interval_of_the_value_rate_or_the_gap(coverage_cells):
    """sigma 1.8: the design skewness alone let 1.6% of the samples through (those that missed the largest lines;
    they covered 88-91% over 2,000 replicates), so with it alone 100 replicates publish none only 1 time in 5 (these
    seeds: one, for the rate by value and for the gap). The
    value spread (`skewness.value_spread`, limit 1.4) sees the tail in every sample. The generator's values spread
    as widely across its strata (1.9) but its strata are value bands (0.5 within): it keeps every interval
    (`test_the_generators_overall_value_rate_and_gap_are_published_in_every_replicate`)."""
    heavy = coverage_cells[(coverage_cells["shape"] == "lognormal_1.8") & coverage_cells["estimate"].notna()]
    for measure in ("mtd_rate_value", "revenue_gap_net_usd", "revenue_collected_rate"):
        rows = heavy[heavy["measure"] == measure]
        assert len(rows) >= REPLICATES and not rows["published"].any(), measure
    assert heavy.loc[heavy["measure"] != "mtd_rate_lines", "note"].str.startswith("interval withheld").all()


def test_the_generators_overall_value_rate_and_gap_are_published_in_every_replicate(coverage_cells):
    generator = coverage_cells[(coverage_cells["shape"] == "generator") & (coverage_cells["domain"] == "overall")]
    for measure in ("mtd_rate_value", "revenue_gap_net_usd", "revenue_collected_rate"):
        assert generator.loc[generator["measure"] == measure, "published"].all(), measure


def test_share_intervals_stay_inside_0_and_1(coverage_cells):
    shares = coverage_cells[
        coverage_cells["measure"].isin(["mtd_rate_lines", "mtd_rate_value", "revenue_collected_rate"])
    ]
    bounds = shares[["ci_low", "ci_high", "estimate"]].to_numpy(dtype=float)
    assert np.isfinite(bounds[shares["published"].to_numpy()]).all()
    assert np.nanmin(bounds) >= 0 and np.nanmax(bounds) <= 1
    # The collected share's interval is published exactly with the net gap's.
    keys = ["shape", "replicate", "domain_value"]
    net = coverage_cells[coverage_cells["measure"] == "revenue_gap_net_usd"].set_index(keys)["published"]
    share = coverage_cells[coverage_cells["measure"] == "revenue_collected_rate"].set_index(keys)["published"]
    assert (share.loc[net.index] == net).all()


def test_the_tables_judge_a_group_by_its_monte_carlo_error():
    """The coverage tables bold a group only when it is outside 93-97% beyond its Monte Carlo error, mark one
    outside by less (a dagger), and show a group of fewer than 50 published intervals as a count: 8 of 9 covered
    says nothing about a 4-point band."""
    assert judge(8, 9) == judge(11, 11) == "few"
    assert judge(1900, 2000) == "in"
    assert judge(1948, 2000) == "near"  # 97.4% +-0.36: above 97% by about one Monte Carlo SE
    assert judge(1960, 2000) == "over"  # 98.0%, the generator's gap: conservative beyond its error
    assert judge(1850, 2000) == "near" and judge(1800, 2000) == "short"
