"""Intervals withheld where too few discrepant lines carry the estimate.

The MTD rate by value and the revenue gap are weighted sums of amounts that are zero on most lines and
heavy-tailed on the rest. Their normal-type intervals hold only when enough sampled lines with a discrepancy
carry the sum: with a handful, whether the sample caught the few large ones drives the estimate and its standard
error together, and the interval misses far more often than 5%.

The thresholds are measured, not assumed (docs/metrics.md; asserted in tests/test_metrics_coverage.py): over 250
replicate samples of a generated quarter, HS-section cells of the rate by value covered 71% with 1-2 discrepant
lines, 92% with 3-5, 94% with 6-10 and 95% from 10 up; of the gap (amounts up to 3.5x the line's value under AD/CVD
evasion) 41%, 76%, 84%, 88% with 11-15 and 95% from 15 up. Measures of evenness (Kish's effective number of lines)
were tried and not used: a sample that misses the few large lines looks even, so they published exactly the cells
that missed. Cells below the threshold keep their estimate and standard error (both unbiased) but no interval, and
the note says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics.survey import Membership

MIN_DISCREPANT_LINES = {
    "mtd_rate_value": 10,
    "revenue_gap_net_usd": 15,
    "revenue_underpaid_usd": 15,
    "revenue_overpaid_usd": 15,
}
COLUMN = "discrepant_lines"  # set by the estimators for the measures above, dropped here
NOTE = "interval withheld: {} with a discrepancy {} the estimate (fewer than {})"


def discrepant_lines(members: Membership, amounts) -> np.ndarray:
    """Sampled lines with a non-zero amount, per domain."""
    nonzero = (np.asarray(amounts, dtype=float)[members.unit] != 0).astype(float)
    return np.bincount(members.domain, weights=nonzero, minlength=members.n_domains).astype(np.int64)


def _note(lines: int, minimum: int) -> str:
    if lines == 1:
        return NOTE.format("1 sampled line", "carries", minimum)
    return NOTE.format(f"{lines} sampled lines", "carry", minimum)


def withhold_thin_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Null the interval of every row of a measure in MIN_DISCREPANT_LINES resting on fewer discrepant lines than
    its threshold, and say why in its note (rows without an estimate are left alone). Drops `discrepant_lines`."""
    out = frame.copy()
    minimum = out["measure"].map(MIN_DISCREPANT_LINES).to_numpy(dtype=float)
    lines = out[COLUMN].to_numpy(dtype=float)
    thin = (lines < minimum) & out["estimate"].notna().to_numpy()  # NaN minimum: a measure the rule leaves alone
    out.loc[thin, ["ci_low", "ci_high"]] = np.nan
    out.loc[thin, "note"] = [_note(int(n), int(m)) for n, m in zip(lines[thin], minimum[thin], strict=True)]
    return out.drop(columns=COLUMN)
