"""Compliance measurement: the material transactional discrepancy (MTD) rate from the `cm_random` sample, by line
and by value, overall and by breakout, per fiscal year and quarter, with the change from the prior period.

Estimand: the share of the period's filed lines (or of their entered value) on which a CM exam finds a material
discrepancy. Exams miss some violations, so this is below the true non-compliance rate by the exam's detection
rate; it is what the compliance-measurement programme measures, consistently from period to period.

- by line:  R = sum(w * material) / sum(w)
- by value: R = sum(w * value * material) / sum(w * value)   (ratio estimator)

Variance: Taylor linearisation, with replacement, variance strata = `cm_stratum` within the period (the daily
design strata collapsed over the days of the period; single-unit strata pooled), see `survey.py`. Interval:
by line Korn-Graubard (Clopper-Pearson at the effective sample size, at most the sampled lines; degrees of freedom
= the domain's sampled lines - the strata holding them); by value Hall's skewness-corrected interval with the
design skewness of `skewness.py` (for a breakout the larger of its own and the whole sample's scaled to its
discrepant lines, `skewness.judged_skewness`), kept inside [0, 1], and only where its sampled lines would hold at
least 10 with a discrepancy at the whole sample's rate, that skewness is at most 0.7 and the values' log spread
within strata is at most 1.4
(`thin_cells.py`), else withheld with a note. Breakouts are domains (zeroed outside), never re-weighted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics import skewness, survey, thin_cells
from warehouse.metrics.cm_sample import DOMAINS, membership, with_unsampled_periods
from warehouse.metrics.estimates import domain_estimates, empty_estimates, suppress_small_cells
from warehouse.metrics.periods import PERIOD_KINDS, prior_period

TABLE = "compliance_rate"
MEASURES = ("mtd_rate_lines", "mtd_rate_value")
METHOD_NOTE = (
    "cm_random sample, cm_weight; ratio estimator, Taylor variance with replacement, strata cm_stratum within "
    "period; domain by zeroing; Korn-Graubard 95% interval"
)
VALUE_METHOD_NOTE = (
    "cm_random sample, cm_weight; ratio estimator, Taylor variance with replacement, strata cm_stratum within "
    "period; domain by zeroing; Hall's skewness-corrected 95% interval (design skewness), within [0, 1]"
)
# The change columns `with_prior_change` adds, typed so a table of zero rows has them too.
EXTRA_COLUMNS = {
    "prior_period": "varchar",
    "change": "double",
    "change_std_error": "double",
    "change_p_value": "double",
}


def period_estimates(sample: pd.DataFrame, domains=DOMAINS) -> pd.DataFrame:
    """Both MTD rates for every domain value of `domains`, from the sample lines of one period."""
    sample = sample.reset_index(drop=True)
    design = survey.design(sample["cm_stratum"].to_numpy(), sample["cm_weight"].to_numpy())
    material = sample["is_material"].to_numpy(dtype=float)
    value = sample["value_usd"].to_numpy(dtype=float)
    # The whole sample's design skewness and discrepant lines, against which each breakout's is judged.
    whole = skewness.design_skewness(design, survey.everyone(len(sample)), value, material > 0)[0]
    whole_lines = int((material > 0).sum())
    whole_spread = skewness.value_spread(design, survey.everyone(len(sample)), value)[0]
    frames = []
    for domain in domains:
        members, labels = membership(sample, domain)
        for measure, y, x in (
            ("mtd_rate_lines", material, np.ones(len(sample))),
            ("mtd_rate_value", material * value, value),
        ):
            est = survey.ratios(design, members, y, x)
            if measure == "mtd_rate_lines":
                # 0/1 outcomes: Korn-Graubard's Clopper-Pearson interval allows for a rate resting on few lines.
                df = survey.domain_degrees_of_freedom(design, members)
                low, high = survey.korn_graubard(est.estimate, est.std_error, est.n_sampled, df)
                discrepant, skew, spread = (np.full(len(labels), v) for v in (0.0, np.nan, np.nan))
            else:
                # The numerator's skewness drives the ratio's (the denominator, all value, is far less variable).
                # The linearised ratio variable y - R x gives a 1-6% smaller skewness and wider intervals still.
                own = skewness.design_skewness(design, members, value, material > 0)
                discrepant = thin_cells.expected_discrepant_lines(members, y)
                skew = skewness.judged_skewness(own, discrepant, whole, whole_lines)
                # The interval allows for the skewness the withhold rule judges, in its direction, not the breakout's
                # own alone: that is lowest in the samples that missed the tail, whose intervals missed high (the
                # generator's HS sections by value: 94.3% covered with their own, 96.0% with this; a section
                # whose own leaned the wrong way 92.7% -> 98.4%; the whole sample is unchanged).
                low, high = skewness.hall_interval(est.estimate, est.std_error, skew)
                # A rate lies in [0, 1], so cutting the interval there loses no coverage.
                low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
                # The larger of the domain's own spread and the whole sample's: like the skewness, only withholds more.
                spread = np.fmax(skewness.value_spread(design, members, value), whole_spread)
            thin = {thin_cells.COLUMN: discrepant, thin_cells.SKEWNESS_COLUMN: skew, thin_cells.SPREAD_COLUMN: spread}
            frames.append(domain_estimates(measure, "rate", domain, labels, est, low, high, thin))
    return pd.concat(frames, ignore_index=True)


def by_period(sample: pd.DataFrame, estimate_one_period, period_kinds=PERIOD_KINDS) -> pd.DataFrame:
    """`estimate_one_period(lines)` for every fiscal year and quarter present in the sample, labelled."""
    frames = []
    for kind in period_kinds:
        column = f"{kind}_label"
        for period, lines in sample.groupby(column, sort=True):
            frame = estimate_one_period(lines)
            frame.insert(2, "period_kind", kind)
            frame.insert(3, "period", period)
            frames.append(frame)
    if not frames:  # no sample lines (no exams loaded yet, or none drawn by cm_random): the standard columns, no rows
        return empty_estimates()
    return pd.concat(frames, ignore_index=True)


def with_prior_change(frame: pd.DataFrame) -> pd.DataFrame:
    """Add prior_period, change, change_std_error and change_p_value: the difference from the same measure and
    domain value in the period before (independent samples), NULL when either is missing or suppressed."""
    out = frame.copy()
    out["prior_period"] = out["period"].map(prior_period)
    keys = ["measure", "period_kind", "domain", "domain_value"]
    prior = out[[*keys, "period", "estimate", "std_error"]].rename(
        columns={"period": "prior_period", "estimate": "_prior", "std_error": "_prior_se"}
    )
    prior["_has_prior"] = True
    out = out.merge(prior, on=[*keys, "prior_period"], how="left")
    change, se, p_value = survey.change_test(out["estimate"], out["std_error"], out["_prior"], out["_prior_se"])
    out["change"], out["change_std_error"], out["change_p_value"] = change, se, p_value
    # The prior period is named whenever that cell exists, even suppressed (then the change is NULL).
    out.loc[out["_has_prior"].isna(), "prior_period"] = None
    return out.drop(columns=["_prior", "_prior_se", "_has_prior"])


def compliance_rate(sample: pd.DataFrame, periods: pd.DataFrame | None = None) -> pd.DataFrame:
    """The metrics.compliance_rate table from the CM sample (`cm_sample.load_sample`); with `periods`
    (`cm_sample.filed_periods`), a period with filed lines but no sample line gets suppressed overall rows."""
    frame = by_period(sample, period_estimates)
    frame["suppressed"] = False
    frame["note"] = METHOD_NOTE
    if len(frame):
        frame.loc[frame["measure"] == "mtd_rate_value", "note"] = VALUE_METHOD_NOTE
        frame = thin_cells.withhold_thin_intervals(frame)
    frame = suppress_small_cells(frame)
    frame = with_unsampled_periods(frame, periods, dict.fromkeys(MEASURES, "rate"))
    return with_prior_change(frame)
