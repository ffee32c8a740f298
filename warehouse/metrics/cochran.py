"""Cochran's rule for skewed populations: the normal (or Korn-Graubard) interval of a stratified total or ratio is
adequate only when n > 25 G1^2, G1 the skewness of the units' contributions; for a stratified design that is the
skewness of the estimator, sum_h N_h^3 mu3_h / n_h^2 / (sum_h N_h^2 sigma2_h / n_h)^1.5 (with replacement), below
0.2 (= G1 / sqrt(n) for a simple random sample). Cells failing it get no interval.

Why not the sample's own skewness: the contributions are heavy-tailed (a handful of lines hold a quarter of the
gap), and a sample that misses the tail has a low skewness, a low estimate and a low standard error all at once, so
the sample's G1 passes exactly the intervals that miss (measured: they covered ~60-80%). The skewness is therefore
predicted from the census of entered values (known for every filed line: power sums per CM stratum and domain,
`cm_sample.CENSUS_SQL`) under a working model: a line has a discrepancy with probability p independent of its
value within its stratum, and its amount is value x a ratio rho independent of value. A unit's contribution is
u = a(v): E[u^k] = a_k v^k, the factors a_k given per cell by the measure (MTD by value: u = v (m - p); gap:
u = m v rho). p and the moments of rho come from the sample, but rho is a bounded ratio, so its moments are stable
where those of the amounts are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics.cm_sample import VALUE_CLASSES, value_class

MAX_SKEWNESS = 0.2  # n > 25 G1^2  <=>  G1 / sqrt(n) < 0.2
KEYS = ["period_kind", "period", "domain", "domain_value"]
NOTE = "interval withheld: skewed, n < 25 G1^2 (Cochran's rule; predicted estimator skewness {:.2f} > 0.2)"


def sampled_per_stratum(sample: pd.DataFrame, period_kinds) -> pd.DataFrame:
    """Sampled lines per (period_kind, period, cm_stratum)."""
    frames = []
    for kind in period_kinds:
        counts = sample.groupby([f"{kind}_label", "cm_stratum"]).size().rename("sampled").reset_index()
        counts.columns = ["period", "cm_stratum", "sampled"]
        counts.insert(0, "period_kind", kind)
        frames.append(counts)
    return pd.concat(frames, ignore_index=True)


def class_rates(sample: pd.DataFrame, found, period_kinds) -> pd.DataFrame:
    """Weighted share of lines with a discrepancy per (period_kind, period, value_class), shrunk toward the period's
    share with a prior worth one expected discrepancy (1/p lines of mean weight): the top classes have few sampled
    lines and often no discrepancy, and a zero there would wrongly rule out their (dominant) contribution to the
    skewness. Columns p_class and p_period."""
    lowest = VALUE_CLASSES[0] - 1
    n_classes = VALUE_CLASSES[1] - lowest + 1
    offset = value_class(sample["value_usd"]) - lowest
    w = sample["cm_weight"].to_numpy(dtype=float)
    wf = w * np.asarray(found, dtype=float)
    frames = []
    for kind in period_kinds:
        codes, periods = pd.factorize(sample[f"{kind}_label"], sort=True)
        key, size = codes * n_classes + offset, len(periods) * n_classes
        w_c, f_c = np.bincount(key, w, size), np.bincount(key, wf, size)
        n_c = np.bincount(key, minlength=size)
        w_p, f_p = np.bincount(codes, w), np.bincount(codes, wf)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_period = f_p / w_p
            prior = np.where(p_period > 0, w_p / np.bincount(codes) / p_period, 0.0)
            period_of = np.repeat(np.arange(len(periods)), n_classes)
            p_class = (f_c + p_period[period_of] * prior[period_of]) / (w_c + prior[period_of])
        keep = n_c > 0
        frames.append(
            pd.DataFrame(
                {
                    "period_kind": kind,
                    "period": np.asarray(periods)[period_of[keep]],
                    "value_class": np.tile(np.arange(n_classes) + lowest, len(periods))[keep],
                    "p_class": p_class[keep],
                    "p_period": p_period[period_of[keep]],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def estimator_skewness(census: pd.DataFrame, sampled: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """Predicted skewness of each cell's estimator. `census`: KEYS + cm_stratum, value_class, lines, s1, s2, s3
    (power sums of value; domain `overall` gives each stratum's population N_h); `sampled`: period_kind, period,
    cm_stratum, sampled; `factors`: KEYS + measure, value_class, a1, a2, a3. Returns one row per cell (KEYS +
    measure) with `skewness` (NaN when the variance is 0)."""
    overall = census[census["domain"] == "overall"]
    strata = overall.groupby(["period_kind", "period", "cm_stratum"], as_index=False)["lines"].sum()
    strata = strata.rename(columns={"lines": "stratum_lines"})
    rows = census.merge(strata, on=["period_kind", "period", "cm_stratum"]).merge(
        sampled, on=["period_kind", "period", "cm_stratum"]
    )
    cell = [*KEYS, "measure"]
    rows = rows.merge(factors[[*cell, "value_class", "a1", "a2", "a3"]], on=[*KEYS, "value_class"])
    big_n = rows["stratum_lines"].to_numpy(dtype=float)
    n = rows["sampled"].to_numpy(dtype=float)
    # Raw moments of u over the stratum's population (lines outside the domain contribute u = 0), summed over the
    # value classes of the stratum before centring.
    group = rows.groupby([*cell, "cm_stratum"], sort=False).ngroup().to_numpy()
    e1, e2, e3 = (
        np.bincount(group, rows[f"a{k}"].to_numpy(dtype=float) * rows[f"s{k}"].to_numpy(dtype=float) / big_n)
        for k in (1, 2, 3)
    )
    first = np.unique(group, return_index=True)[1]
    big_n, n = big_n[first], n[first]
    variance = big_n**2 / n * (e2 - e1 * e1)
    third = big_n**3 / n**2 * (e3 - 3 * e1 * e2 + 2 * e1**3)
    cells = rows.iloc[first][cell].reset_index(drop=True)
    cells["_var"], cells["_third"] = variance, third
    sums = cells.groupby(cell, as_index=False, sort=False)[["_var", "_third"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["skewness"] = np.where(sums["_var"] > 0, sums["_third"] / sums["_var"] ** 1.5, np.nan)
    return sums[[*cell, "skewness"]]


def withhold_skewed_intervals(frame: pd.DataFrame, skewness: pd.DataFrame, measures) -> pd.DataFrame:
    """Null the interval of the rows of `measures` whose predicted skewness exceeds MAX_SKEWNESS and say why in
    the note; the estimate (unbiased) and its standard error stay."""
    out = frame.merge(skewness[[*KEYS, "measure", "skewness"]], on=[*KEYS, "measure"], how="left")
    skewed = out["measure"].isin(measures) & (out["skewness"].abs() > MAX_SKEWNESS)
    out.loc[skewed, ["ci_low", "ci_high"]] = np.nan
    out.loc[skewed, "note"] = [NOTE.format(g) for g in out.loc[skewed, "skewness"]]
    return out.drop(columns="skewness")
