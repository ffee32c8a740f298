"""The compliance-measurement (CM) sampling design: the strata and sampling rates of the `cm_random` exams.

The generator draws its CM sample with this design; `stratum_sql` gives the same strata for any filed line in SQL
(the coverage test rebuilds its population's strata with it and checks them against the generator's exams).

Strata are group x value band, drawn anew each day; the label `cm_stratum` carries them (`XI-mid`, `ADCVD-top`).
- Group: `ADCVD` when the line's HTS code falls under an antidumping or countervailing duty order in force on the
  filing day, whatever the declared origin (evasion declares another origin, so origin cannot select it); else the
  line's HS section (chapters 98 and 99: section XXII).
- Value band of the entered value (USD): low < 2,500 <= mid < 25,000 <= high < 100,000 <= vhigh < 500,000 <= top.

Rate = base x group factor x band factor, at most 1 (a take-all stratum). Why so steep in value: the revenue gap
and the MTD rate by value are sums of amounts proportional to value, and a few large lines hold much of them (in
a generated quarter the top 10 of 194,000 lines held a quarter of the gap). A flat design leaves those estimators
so skewed that their 95% intervals covered 68-82%; sampling nearly in proportion to value, and AD/CVD goods (6% of
lines, 40% of the gap) heavily, brings coverage to the nominal rate (tests/test_metrics_coverage.py, measurements
in docs/metrics.md). The estimators read the design only through `cm_stratum` and `cm_weight`.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

BASE_RATE = 0.006
ADCVD_GROUP = "ADCVD"
# Priority-trade-issue sections (textiles, footwear, base metals, agriculture) and AD/CVD goods are sampled more.
GROUP_FACTORS = {"XI": 2.0, "XII": 2.0, "XV": 1.5, "I": 1.5, "II": 1.5, ADCVD_GROUP: 20.0}
# (band, lower bound in USD, rate factor)
VALUE_BANDS = (
    ("low", 0.0, 1.0),
    ("mid", 2_500.0, 1.5),
    ("high", 25_000.0, 6.0),
    ("vhigh", 100_000.0, 20.0),
    ("top", 500_000.0, 60.0),
)
BANDS = tuple(name for name, _, _ in VALUE_BANDS)


def band_of(value_usd) -> np.ndarray:
    """Value band index (into BANDS) of each entered value in USD."""
    bounds = np.asarray([low for _, low, _ in VALUE_BANDS[1:]])
    return np.searchsorted(bounds, np.asarray(value_usd, dtype=float), side="right")


def stratum_labels(groups) -> np.ndarray:
    """Every stratum label of the given groups, group-major: label index = group index x len(BANDS) + band."""
    return np.array([f"{group}-{band}" for group in groups for band in BANDS], dtype=object)


def rates(labels) -> np.ndarray:
    """Sampling rate of each stratum label."""
    out = np.empty(len(labels))
    band_factor = {name: factor for name, _, factor in VALUE_BANDS}
    for i, label in enumerate(labels):
        group, band = str(label).rsplit("-", 1)
        out[i] = BASE_RATE * GROUP_FACTORS.get(group, 1.0) * band_factor[band]
    return np.minimum(out, 1.0)


def covered_by_orders(hs6, prefixes) -> np.ndarray:
    """Whether each HS subheading (6-digit text) falls under one of the order prefixes (4-6 digits)."""
    hs6 = np.asarray(hs6, dtype=str)
    covered = np.zeros(hs6.size, dtype=bool)
    for prefix in {str(p) for p in prefixes}:
        if len(prefix) > 6:
            raise ValueError(f"an order prefix longer than a subheading cannot be matched on HS6: {prefix!r}")
        covered |= np.char.startswith(hs6, prefix)
    return covered


def stratum_sql(value: str, section: str, covered: str) -> str:
    """SQL expression of the stratum label from a line's entered value (USD), HS section and AD/CVD coverage
    (boolean) expressions."""
    band = " ".join(f"when {value} < {high} then '{name}'" for (name, _, _), (_, high, _) in pairwise(VALUE_BANDS))
    return f"case when {covered} then '{ADCVD_GROUP}' else {section} end || '-' || case {band} else '{BANDS[-1]}' end"
