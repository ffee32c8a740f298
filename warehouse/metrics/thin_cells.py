"""Intervals withheld where the sample cannot support one.

The MTD rate by value and the revenue gap are weighted sums of amounts that are zero on most lines and heavy-tailed
on the rest. Their intervals (Hall's skewness-corrected interval, `skewness.py`) hold only while the estimator's
skewness is moderate and enough discrepant lines carry the sum. A cell's interval is withheld, its estimate and
standard error kept (both unbiased) and the note saying why, when

- its sampled lines would hold fewer than `MIN_DISCREPANT_LINES` lines with a discrepancy at the whole sample's
  rate (`expected_discrepant_lines`): the working model behind the skewness needs the domain's discrepancy rate,
  and a handful of lines does not give it. The count is the one the domain's size leads to, not the one the sample
  happened to find: a rule on the found count publishes a small breakout exactly in the samples that found more
  discrepancies than it has, whose estimates are high (the generator's HS section 14 by value: published in 12% of
  samples, covering 89.8%, every miss high; withheld under this rule, which changes no whole-sample cell, where
  the two counts are equal); or
- the estimator's design skewness (`skewness.design_skewness`) exceeds `MAX_SKEWNESS` or cannot be computed: the
  estimate then depends on whether the sample caught a few large lines, and intervals covered below 93% (pooled
  over the shapes: 92% from 0.8 to 1, 88-90% above; 95-98% up to 0.7). A breakout is judged by the larger of its
  own and the whole sample's scaled to its discrepant lines (`skewness.judged_skewness`): its own alone, from its
  own few values, published the 1-2% of samples that missed the tail, and those covered 84-91%; or
- the entered values spread too widely within the sampling strata: the weighted standard deviation of log(value)
  (`skewness.value_spread`, the larger of the domain's own and the whole sample's) exceeds `MAX_VALUE_SPREAD`. On
  such tails the design skewness, a third moment of the sampled values, is low in the very samples that missed the
  largest lines, so the skewness rule alone let through intervals that missed (sigma 1.8: 33 of 2,000 samples,
  covering 88-91%); the spread rests on the body of the values and every sample shows it.

The limits are measured, not assumed: over 400 replicate samples (2,000 for the breakout rule and the spread) of
each of eight population shapes (the generator's, lognormal values with sigma 0.8 to 1.8, a take-all stratum of
very large lines, rare discrepancies, amounts independent of value, detection below 100%; for the spread also
lognormal sigma 1.1 and 1.5-2.1), benchmarks/interval_coverage.py, docs/metrics.md. The count
alone (the rule before this one, 10 and 15 lines) published intervals that covered 82% on a heavier tail than the
generator's; the sample's own skewness is lowest in the samples that missed the large lines, so a rule on it
publishes exactly the intervals that miss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics.survey import Membership

MIN_DISCREPANT_LINES = {
    "mtd_rate_value": 10,
    "revenue_gap_net_usd": 10,
    "revenue_underpaid_usd": 10,
    "revenue_overpaid_usd": 10,
}
MAX_SKEWNESS = 0.7
# Read off 26,000 replicate samples pooled over thirteen shapes (the harness's eight and lognormal sigma 1.1, 1.5,
# 1.6, 1.7, 2.1): the intervals the skewness rule published covered 94-97% in every band of spread up to 1.4 and
# 91.4% (the gap) / 93.2% (the rate by value) pooled above it (the gap 84% at 1.7-1.8); the spread of any sample of
# the sigma 1.3 shapes reached 1.38, sigma 1.5's started at 1.42, so the limit costs the harness's lighter shapes no
# publication (docs/metrics.md, "Value spread").
MAX_VALUE_SPREAD = 1.4
COLUMN = "expected_discrepant_lines"  # set by the estimators for the measures above, dropped here
SKEWNESS_COLUMN = "design_skewness"  # likewise
SPREAD_COLUMN = "value_spread"  # likewise
NOTE = (
    "interval withheld: at the sample's overall rate its {} sampled lines would hold about {} with a discrepancy, "
    "fewer than the {} an interval needs"
)
NONE_NOTE = "interval withheld: no sampled line of the period has a discrepancy of this kind"
SKEWED_NOTE = (
    "interval withheld: a few large lines carry the estimate, so a 95% interval would miss too often "
    "(design skewness {}, above {})"
)
SPREAD_NOTE = (
    "interval withheld: entered values vary so widely (log-value spread {}, above {}: the largest line in a "
    "thousand is worth over 75 times the typical one) that the sample cannot show how much a few large lines carry"
)


def expected_discrepant_lines(members: Membership, amounts) -> np.ndarray:
    """Per domain, the sampled lines with a non-zero amount it would hold at the whole sample's rate: its sampled
    lines x the share of all sampled lines with one. For the whole sample that is the count found."""
    nonzero = np.asarray(amounts, dtype=float) != 0
    rate = nonzero.mean() if nonzero.size else 0.0
    return np.bincount(members.domain, minlength=members.n_domains) * rate


def _note(sampled: int, lines: float, minimum: int) -> str:
    if lines == 0:  # the period's sample found none at all (e.g. no overpayment): no rate to scale
        return NONE_NOTE
    shown = f"{lines:.1f}" if lines < 1 else f"{lines:,.0f}"
    return NOTE.format(f"{sampled:,}", shown, minimum)


def _skewed_note(skewness: float) -> str:
    shown = "unknown" if not np.isfinite(skewness) else f"{abs(skewness):.2f}"
    return SKEWED_NOTE.format(shown, f"{MAX_SKEWNESS:.1f}")


def publishable(lines, skewness, minimum, spread=np.nan) -> np.ndarray:
    """Whether a cell's interval may be published: enough discrepant lines, a moderate, known skewness and values
    not spread beyond MAX_VALUE_SPREAD. A NaN spread does not withhold: it means no line of the domain is in a
    stratum sampled below 100%, so the values add no sampling error (the skewness rule still applies)."""
    lines = np.asarray(lines, dtype=float)
    skewness = np.asarray(skewness, dtype=float)
    spread = np.asarray(spread, dtype=float)
    moderate = np.isfinite(skewness) & (np.abs(skewness) <= MAX_SKEWNESS)
    return (lines >= minimum) & moderate & ~(spread > MAX_VALUE_SPREAD)


def withhold_thin_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Null the interval of every row of a measure in MIN_DISCREPANT_LINES that fails `publishable`, and say why in
    its note (rows without an estimate are left alone). Drops `discrepant_lines`, `design_skewness` and
    `value_spread`."""
    out = frame.copy()
    minimum = out["measure"].map(MIN_DISCREPANT_LINES).to_numpy(dtype=float)
    lines = out[COLUMN].to_numpy(dtype=float)
    skew = out[SKEWNESS_COLUMN].to_numpy(dtype=float) if SKEWNESS_COLUMN in out else np.full(len(out), np.nan)
    covered = ~np.isnan(minimum) & out["estimate"].notna().to_numpy()  # NaN minimum: a measure the rule leaves alone
    few = covered & (lines < minimum)
    spread = out[SPREAD_COLUMN].to_numpy(dtype=float) if SPREAD_COLUMN in out else np.full(len(out), np.nan)
    skewed = covered & ~few & ~publishable(lines, skew, minimum)
    spread_out = covered & ~few & ~skewed & ~publishable(lines, skew, minimum, spread)
    out.loc[few | skewed | spread_out, ["ci_low", "ci_high"]] = np.nan
    sampled = out["n_sampled"].to_numpy()
    out.loc[few, "note"] = [
        _note(int(s), n, int(m)) for s, n, m in zip(sampled[few], lines[few], minimum[few], strict=True)
    ]
    out.loc[skewed, "note"] = [_skewed_note(g) for g in skew[skewed]]
    limit = f"{MAX_VALUE_SPREAD:.1f}"
    out.loc[spread_out, "note"] = [SPREAD_NOTE.format(f"{s:.2f}", limit) for s in spread[spread_out]]
    return out.drop(columns=[c for c in (COLUMN, SKEWNESS_COLUMN, SPREAD_COLUMN) if c in out])
