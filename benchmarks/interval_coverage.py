"""Do the published 95% intervals cover 95% of the time, on populations the generator did not make?

For every shape of benchmarks/coverage_shapes.py: draw replicate CM samples (stratified simple random samples, the
generator's sampler; the exam finds a sampled violation with the shape's detection probability), estimate each by
the code that fills metrics.compliance_rate and metrics.revenue_gap (estimators, intervals, the withhold rule,
small-cell suppression, the collected share), and compare every published interval with the population value of
its cell. Estimands (docs/metrics.md): detection x the violating share of lines / of value, detection x the net
duty gap, and the collected share D / (D + max(gap, 0)).

Reported per measure, shape and level (overall; breakout cells whose population value is not 0): intervals
published and withheld, coverage of the published ones and its Monte Carlo standard error sqrt(c (1 - c) / n)
(breakout cells of one replicate share a sample, so for them it is a lower bound). A group is judged against the
93-97% band by its Monte Carlo error (`judge`): outside only when a one-sided binomial test against the nearer edge
says so at 5%; a group of fewer than MIN_JUDGED published intervals is shown as a count, too few to judge.

    .venv/bin/python -m benchmarks.interval_coverage --replicates 2000   # ~500 CPU-s, 12 min on the shared machine
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks.coverage_shapes import Shape, all_shapes
from warehouse.generator.exams import cm_sample
from warehouse.metrics import thin_cells
from warehouse.metrics.compliance import period_estimates
from warehouse.metrics.estimates import suppress_small_cells
from warehouse.metrics.revenue_gap import collected_rate, period_gap

DOMAINS = ("overall", "breakout")
MEASURES = ("mtd_rate_lines", "mtd_rate_value", "revenue_gap_net_usd", "revenue_collected_rate")
BAND = (0.93, 0.97)
# Fewer published intervals than this and a group's Monte Carlo SE (above 3 points at 95%) is half again the band's
# half-width (2 points): its coverage can be neither in nor out of the band, so the tables show the count instead.
MIN_JUDGED = 50
SIGNIFICANCE = 0.05
LEGEND = (
    "**Bold**: outside 93-97% beyond its Monte Carlo error (one-sided binomial test against the nearer edge, 5%). "
    "†: outside the band by less than its Monte Carlo error. Fewer than 50 published: the count, too few to judge."
)


def truths(shape: Shape) -> pd.DataFrame:
    """Population value of every measure per domain value ('all' and each breakout label)."""
    p, v, y = shape.detection, shape.value, shape.violation
    labels = np.unique(shape.breakout)
    rows = []
    for label, inside in (("all", np.ones(shape.lines, bool)), *((str(b), shape.breakout == b) for b in labels)):
        gap = p * shape.gap[inside].sum()
        declared = shape.declared[inside].sum()
        rows += [
            ("mtd_rate_lines", label, p * y[inside].mean()),
            ("mtd_rate_value", label, p * (y * v)[inside].sum() / v[inside].sum()),
            ("revenue_gap_net_usd", label, gap),
            ("revenue_collected_rate", label, declared / (declared + max(gap, 0.0))),
        ]
    return pd.DataFrame(rows, columns=["measure", "domain_value", "truth"])


def declared_totals(shape: Shape) -> pd.DataFrame:
    """The known declared total per domain value, as revenue_gap.declared_totals gives it."""
    labels = np.unique(shape.breakout)
    sums = np.bincount(shape.breakout, weights=shape.declared, minlength=labels.max() + 1)
    frame = pd.DataFrame(
        {
            "domain": ["overall", *["breakout"] * labels.size],
            "domain_value": ["all", *(str(b) for b in labels)],
            "declared": [shape.declared.sum(), *sums[labels]],
        }
    )
    return frame.assign(period_kind="fiscal_quarter", period="Q")


def one_replicate(shape: Shape, rng: np.random.Generator, declared: pd.DataFrame) -> pd.DataFrame:
    sampled, population, n = cm_sample(rng, shape.design_stratum, shape.rates)
    found = shape.violation[sampled] & (rng.random(sampled.size) < shape.detection)
    declared_duty = shape.declared[sampled]
    design_stratum = shape.design_stratum[sampled]
    sample = pd.DataFrame(
        {
            "cm_stratum": shape.variance_stratum[sampled],
            "cm_weight": population[design_stratum] / n[design_stratum],
            "is_material": found,
            "value_usd": shape.value[sampled],
            "declared_duty_usd": declared_duty,
            "correct_duty_usd": declared_duty + np.where(found, shape.gap[sampled], 0.0),
            "overall": "all",
            "breakout": shape.breakout[sampled].astype(str),
        }
    )
    # As compliance_rate() and revenue_gap() publish them, for one period.
    rates = period_estimates(sample, domains=DOMAINS)
    gap = period_gap(sample, domains=DOMAINS)
    gap = gap[gap["measure"] == "revenue_gap_net_usd"].assign(period_kind="fiscal_quarter", period="Q")
    frame = pd.concat([rates, gap], ignore_index=True).assign(note="")
    frame = thin_cells.withhold_thin_intervals(frame)
    frame = pd.concat([frame, collected_rate(frame, declared)], ignore_index=True)
    frame["suppressed"] = False
    frame = suppress_small_cells(frame)
    columns = ["measure", "domain", "domain_value", "estimate", "std_error", "ci_low", "ci_high", "n_sampled"]
    return frame[[*columns, "suppressed", "note"]]


def replicates(shape: Shape, count: int, seed: int = 20260214) -> pd.DataFrame:
    """`count` replicate tables of one shape, with the population value of each cell and whether it is covered."""
    rng = np.random.default_rng(seed)
    declared = declared_totals(shape)
    frames = [one_replicate(shape, rng, declared).assign(replicate=r) for r in range(count)]
    out = pd.concat(frames, ignore_index=True).merge(truths(shape), on=["measure", "domain_value"], how="left")
    out["published"] = out["ci_low"].notna() & out["ci_high"].notna()
    out["covered"] = out["published"] & (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    out["shape"] = shape.name
    return out


def coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Per shape, measure and level: cells, published share, coverage of the published and its MC error."""
    cells = frame[(frame["truth"] != 0) & frame["estimate"].notna()].assign(
        level=lambda f: np.where(f["domain"] == "overall", "overall", "breakouts")
    )
    grouped = cells.groupby(["shape", "measure", "level"], sort=False)
    out = grouped.agg(cells=("published", "size"), published=("published", "sum"))
    out["covered"] = cells[cells["published"]].groupby(["shape", "measure", "level"], sort=False)["covered"].sum()
    out["covered"] = out["covered"].fillna(0)
    out["withheld_share"] = 1 - out["published"] / out["cells"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = out["covered"] / out["published"]
        out["mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["published"])
    return out.reset_index()


def judge(covered: int, published: int) -> str:
    """'few' (fewer than MIN_JUDGED published), 'short' or 'over' (outside the band beyond the Monte Carlo error:
    one-sided binomial test against the nearer edge at SIGNIFICANCE), 'near' (outside by less than it) or 'in'."""
    if published < MIN_JUDGED:
        return "few"
    rate = covered / published
    if rate < BAND[0]:
        short = stats.binomtest(covered, published, BAND[0], alternative="less").pvalue < SIGNIFICANCE
        return "short" if short else "near"
    if rate > BAND[1]:
        over = stats.binomtest(covered, published, BAND[1], alternative="greater").pvalue < SIGNIFICANCE
        return "over" if over else "near"
    return "in"


def shown(r) -> str:
    """One group's coverage as the tables show it, marked by `judge`."""
    if not r.published:
        return "—"
    verdict = judge(int(r.covered), int(r.published))
    if verdict == "few":
        return f"{int(r.covered)} of {int(r.published)} covered, too few to judge"
    text = f"{r.coverage:.1%} ±{r.mc_se:.1%}"
    return {"short": f"**{text}**", "over": f"**{text}**", "near": f"{text} †"}.get(verdict, text)


def markdown(table: pd.DataFrame) -> str:
    lines = [
        "| shape | measure | level | cells | withheld | coverage of published (MC SE) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in table.itertuples(index=False):
        lines.append(f"| {r.shape} | {r.measure} | {r.level} | {r.cells:,} | {r.withheld_share:.0%} | {shown(r)} |")
    return "\n".join([*lines, "", LEGEND])


def compact(table: pd.DataFrame) -> str:
    """One row per shape: coverage (MC SE) and withheld share per measure and level; the collected share is left
    out, as its interval is the gap's mapped (same cells, same coverage)."""
    columns = [(m, level) for m in MEASURES[:3] for level in ("overall", "breakouts")]
    names = {"mtd_rate_lines": "by line", "mtd_rate_value": "by value", "revenue_gap_net_usd": "net gap"}
    lines = [
        "| shape | " + " | ".join(f"{names[m]}, {level}" for m, level in columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    indexed = table.set_index(["shape", "measure", "level"])
    for shape in table["shape"].unique():
        cells = []
        for measure, level in columns:
            r = indexed.loc[(shape, measure, level)]
            cells.append(shown(r) + (f", {r.withheld_share:.0%} withheld" if r.withheld_share else ""))
        lines.append(f"| {shape} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", LEGEND])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=400)
    parser.add_argument("--shapes", nargs="*", help="names of the shapes to run (default: all)")
    args = parser.parse_args()
    started, cpu = time.time(), time.process_time()
    frames = []
    for shape in all_shapes():
        if args.shapes and shape.name not in args.shapes:
            continue
        t = time.time()
        frames.append(replicates(shape, args.replicates))
        print(f"{shape.name}: {shape.lines:,} lines, {args.replicates} replicates, {time.time() - t:.0f} s", flush=True)
    table = coverage(pd.concat(frames, ignore_index=True))
    print(markdown(table))
    print()
    print(compact(table))
    load = os.getloadavg()
    print(
        f"\n{args.replicates} replicates per shape; {time.time() - started:.0f} s wall, "
        f"{time.process_time() - cpu:.0f} s CPU; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )


if __name__ == "__main__":
    main()
