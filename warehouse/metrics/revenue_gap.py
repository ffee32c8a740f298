"""Revenue gap: duty (with AD/CVD deposits and fees) owed but not collected, estimated from the `cm_random` sample,
and the percent of revenue collected.

Estimand: what a CM exam of every line of the period would find, correct_duty_usd - declared_duty_usd summed over
the population. Exams miss some violations (a CM review finds about 85% in the generator), so this is a lower
bound of the true gap.

- revenue_gap_net_usd     = sum(w * (correct - declared))         Horvitz-Thompson total
- revenue_underpaid_usd   = sum(w * max(correct - declared, 0))
- revenue_overpaid_usd    = sum(w * max(declared - correct, 0))    (a positive amount; net = under - over)
- revenue_collected_rate  = D / (D + max(G, 0)): D the population's declared total, known exactly from
  fct_entry_lines (not estimated), G the estimated net gap; a net overpayment means all that was owed was
  collected (100%), so the share stays a share. Its error is G's alone (delta method: se = D se_G / (D + G)^2)
  and its interval maps G's interval through the same decreasing function, bounds below 0 read as 0: the share's
  interval lies in [0, 1] and covers exactly when the gap's does. Using the known D instead of a sample ratio
  sum(w declared) / sum(w correct) removes the sampling error of the declared total.

Totals: Taylor (here exact) variance with replacement, variance strata = cm_stratum within the period; Hall's
skewness-corrected 95% interval with the design skewness (`skewness.py`; for a breakout the larger of its own and
the whole sample's scaled to its discrepant lines, `skewness.judged_skewness`), published only where its sampled
lines would hold at least 10 with a discrepancy at the whole sample's rate, that skewness is at most 0.7 and the
values' log spread within strata at most 1.4 (`thin_cells.py`), else withheld with a note (the estimate and its
standard error stay). docs/metrics.md reports the coverage over eight population shapes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics import skewness, survey, thin_cells
from warehouse.metrics.cm_sample import membership, with_unsampled_periods
from warehouse.metrics.compliance import by_period
from warehouse.metrics.estimates import domain_estimates, suppress_small_cells
from warehouse.metrics.periods import period_sql
from warehouse.sql_files import query

TABLE = "revenue_gap"
DOMAINS = ("overall", "port", "pti")
METHOD_NOTE = (
    "cm_random sample, cm_weight; HT total, variance without replacement plus the exam's (detection >= 50%), "
    "strata cm_stratum within period; "
    "Hall's skewness-corrected 95% interval (design skewness)"
)
WITHHELD_NOTE = "interval withheld, as the net gap's is (its note says why)"
COLLECTED_NOTE = (
    "declared total known (fct_entry_lines) / (declared + estimated net gap); interval mapped from the gap's"
)

DECLARED_SQL = query(__package__, "revenue_gap_declared", period_columns=period_sql("d"))


def declared_totals(con, years: list[str] | None = None) -> pd.DataFrame:
    """Population declared duty + deposits + fees per (period_kind, period, domain, domain_value); with `years`
    ('FY2026', ...), of those fiscal years' lines only."""
    return con.execute(DECLARED_SQL, {"years": years}).df()


def period_gap(sample: pd.DataFrame, domains=DOMAINS) -> pd.DataFrame:
    """Net, under- and over-paid totals for every domain value, from the sample lines of one period."""
    sample = sample.reset_index(drop=True)
    design = survey.design(sample["cm_stratum"].to_numpy(), sample["cm_weight"].to_numpy())
    difference = (sample["correct_duty_usd"] - sample["declared_duty_usd"]).to_numpy(dtype=float)
    value = sample["value_usd"].to_numpy(dtype=float)
    pieces = {
        "revenue_gap_net_usd": difference,
        "revenue_underpaid_usd": np.maximum(difference, 0.0),
        "revenue_overpaid_usd": np.maximum(-difference, 0.0),
    }
    everyone = survey.everyone(len(sample))
    # The whole sample's design skewness (in the sample's direction, as a breakout's) and discrepant lines per
    # measure, against which each breakout's is judged.
    whole = {
        m: (
            skewness.design_skewness(design, everyone, value, y != 0)[0]
            * skewness.sample_third_moment_sign(design, everyone, y)[0],
            int((y != 0).sum()),
        )
        for m, y in pieces.items()
    }
    whole_spread = skewness.value_spread(design, everyone, value)[0]
    frames = []
    for domain in domains:
        members, labels = membership(sample, domain)
        # The larger of the domain's own value spread and the whole sample's: like the skewness, only withholds more.
        spread = np.fmax(skewness.value_spread(design, members, value), whole_spread)
        for measure, y in pieces.items():
            est = survey.totals(design, members, y)
            # Amounts follow the line's value (duty is a share of it): the skewness of the value-weighted sum, its
            # direction from the sample (a net gap of overpayments leans the other way).
            own = skewness.design_skewness(design, members, value, y != 0)
            own = own * skewness.sample_third_moment_sign(design, members, y)
            discrepant = thin_cells.expected_discrepant_lines(members, y)
            # The skewness the withhold rule judges, for the interval too: a breakout's own is lowest in the samples
            # that missed the tail (the generator's gap breakouts: 97.0% covered with their own, 98.6% with this,
            # conservative; the section whose own leaned the wrong way 91.5% -> 98.4%).
            judged = skewness.judged_skewness(own, discrepant, *whole[measure])
            low, high = skewness.hall_interval(est.estimate, est.std_error, judged)
            if measure != "revenue_gap_net_usd":  # a sum of non-negative amounts
                low = np.maximum(low, 0.0)
            thin = {thin_cells.COLUMN: discrepant, thin_cells.SKEWNESS_COLUMN: judged, thin_cells.SPREAD_COLUMN: spread}
            frames.append(domain_estimates(measure, "usd", domain, labels, est, low, high, thin))
    return pd.concat(frames, ignore_index=True)


def collected_rate(gap: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """revenue_collected_rate rows from the net-gap rows and the known declared totals."""
    keys = ["period_kind", "period", "domain", "domain_value"]
    net = gap[gap["measure"] == "revenue_gap_net_usd"].merge(declared, on=keys, how="inner")
    d = net["declared"].to_numpy(dtype=float)
    g = net["estimate"].to_numpy(dtype=float)

    def share(gap: np.ndarray) -> np.ndarray:
        # A net overpayment (gap below 0) collected everything owed: 100%, never more. NaN gap stays NaN.
        owed = d + np.where(np.isnan(gap), np.nan, np.maximum(gap, 0.0))
        return np.divide(d, owed, out=np.full(d.size, np.nan), where=owed > 0)

    with np.errstate(divide="ignore", invalid="ignore"):
        rate = share(g)
        se = d * net["std_error"].to_numpy(dtype=float) / (d + np.maximum(g, 0.0)) ** 2
        low = share(net["ci_high"].to_numpy(dtype=float))
        high = share(net["ci_low"].to_numpy(dtype=float))
    out = net[[*keys, "n_sampled"]].copy()
    out["measure"], out["unit"] = "revenue_collected_rate", "rate"
    out["estimate"], out["std_error"], out["ci_low"], out["ci_high"] = rate, se, low, high
    out["note"] = COLLECTED_NOTE
    out.loc[net["ci_low"].isna().to_numpy() & net["estimate"].notna().to_numpy(), "note"] = WITHHELD_NOTE
    return out


def revenue_gap(sample: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """The metrics.revenue_gap table from the CM sample (`cm_sample.load_sample`) and the declared population
    totals (`declared_totals`). A period with filed lines but no sample line gets suppressed overall rows."""
    gap = by_period(sample, period_gap)
    gap["note"] = METHOD_NOTE
    if len(gap):
        gap = thin_cells.withhold_thin_intervals(gap)
    frame = pd.concat([gap, collected_rate(gap, declared)], ignore_index=True)
    frame["suppressed"] = False
    frame = suppress_small_cells(frame)
    periods = declared.loc[declared["domain"] == "overall", ["period_kind", "period"]].drop_duplicates()
    units = dict.fromkeys(("revenue_gap_net_usd", "revenue_underpaid_usd", "revenue_overpaid_usd"), "usd")
    return with_unsampled_periods(frame, periods, {**units, "revenue_collected_rate": "rate"})
