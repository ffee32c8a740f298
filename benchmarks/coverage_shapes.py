"""Populations of different shapes for the interval-coverage harness (benchmarks/interval_coverage.py and
tests/test_metrics_interval_coverage.py), so the intervals are judged on more than the generator's population.

A shape is a fixed population of lines with, per line: its design stratum (where the CM sample draws) and that
stratum's rate, a variance stratum (what `cm_stratum` says), entered value, declared duty, whether it violates and
by how much duty (true - declared, negative for an overpayment), and a breakout label; plus the exam's detection
probability. The CM exam of a sampled violating line finds it with that probability.

- `generator`: one fiscal quarter (FY2026Q1) drawn by the generator itself, in memory (its days, schemes and
  prices; no files, no dbt), with the CM design of warehouse/cm_design.py: filing day x group-band strata.
- the synthetic shapes: ~65,000 lines, entered values lognormal (median $8,000), a discrepancy on 4% of lines
  whose amount is the value times a lognormal share (10% of them overpayments), four strata sampled at 2, 5, 10
  and 25% that are groups of lines *unrelated to value* (the test population of issue 14: ~3,400 sampled lines,
  ~140 with a discrepancy), eight breakout values of unequal size; each shape changes one thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from warehouse import cm_design
from warehouse.generator import calibration as cal
from warehouse.generator import entries, exams, schemes
from warehouse.generator.population import build_population
from warehouse.generator.tariff import tariff as build_tariff


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    design_stratum: np.ndarray  # int codes 0..S-1: where the sample is drawn
    rates: np.ndarray  # per design stratum
    variance_stratum: np.ndarray  # int codes: the estimators' cm_stratum
    value: np.ndarray
    declared: np.ndarray  # declared duty, USD
    violation: np.ndarray  # bool
    gap: np.ndarray  # true - declared duty, USD (0 where compliant)
    breakout: np.ndarray  # int codes
    detection: float

    @property
    def lines(self) -> int:
        return int(self.value.size)


# The generator's quarter: FY2026Q1 of the test warehouse's run (tests/generated_warehouse.py starts 2025-07-01).
GENERATOR_SEED, GENERATOR_START, GENERATOR_SCALE = 20250701, date(2025, 7, 1), 0.01
QUARTER_DAYS = range(92, 184)  # 2025-10-01 .. 2025-12-31


def generator_shape(days=QUARTER_DAYS) -> Shape:
    pop = build_population(GENERATOR_SEED, GENERATOR_SCALE, GENERATOR_START)
    tariff = build_tariff(pop)
    start_n = entries.day_number(GENERATOR_START)
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("stratum", "value", "declared", "violation", "gap", "section")
    }
    labels = None
    for index in days:
        day = entries.draw_day(pop, tariff, index, GENERATOR_START + timedelta(days=index))
        schemes.force_port_shopping(pop, tariff, day, start_n)
        schemes.plant(pop, tariff, day)
        entries.number_entries(pop, day)
        entries.price(pop, tariff, day)
        stratum, labels = exams.strata_of(tariff, day)
        parts["stratum"].append(index * labels.size + stratum)  # strata are drawn anew each day
        parts["value"].append(day.value / 100)
        parts["declared"].append(day.declared_total / 100)
        parts["violation"].append(day.scheme >= 0)
        parts["gap"].append(((day.duty_true + day.deposit_true) - (day.duty + day.deposit)) / 100)
        parts["section"].append(tariff.section[day.hs])
    col = {k: np.concatenate(v) for k, v in parts.items()}
    codes, design_stratum = np.unique(col["stratum"], return_inverse=True)
    return Shape(
        "generator",
        "the generator's FY2026Q1 (scale 0.01), its CM design (day x group-band, 0.6-100%), detection 85%",
        design_stratum.reshape(-1),
        cm_design.rates(labels[codes % labels.size]),
        codes[design_stratum.reshape(-1)] % labels.size,
        col["value"],
        col["declared"],
        col["violation"],
        np.where(col["violation"], col["gap"], 0.0),
        col["section"],
        cal.DETECTION_PROBABILITY["cm_review"],
    )


def synthetic_shape(
    name: str,
    description: str,
    seed: int,
    lines: int = 65_000,
    sigma: float = 1.3,
    discrepancy_rate: float = 0.04,
    amounts_follow_value: bool = True,
    detection: float = 1.0,
    take_all_lines: int = 0,
) -> Shape:
    rng = np.random.default_rng(seed)
    value = np.exp(rng.normal(np.log(8_000), sigma, lines))
    # Four strata unrelated to value (a group of goods each), sampled at 2-25%.
    stratum = np.searchsorted(np.array([0.5, 0.8, 0.95]), rng.random(lines))
    rates = np.array([0.02, 0.05, 0.10, 0.25])
    if take_all_lines:
        # A few very large lines, each 2-10x the largest of the rest, all examined (a take-all stratum).
        big = value.max() * np.exp(rng.uniform(np.log(2), np.log(10), take_all_lines))
        value = np.concatenate([value, big])
        stratum = np.concatenate([stratum, np.full(take_all_lines, rates.size)])
        rates = np.append(rates, 1.0)
    n = value.size
    violation = rng.random(n) < discrepancy_rate
    share = np.exp(rng.normal(np.log(0.06), 0.7, n))  # duty owed beyond the declared, as a share of value
    amount = value * share if amounts_follow_value else np.exp(rng.normal(np.log(8_000 * 0.12), sigma, n))
    sign = np.where(rng.random(n) < 0.1, -1.0, 1.0)  # one discrepancy in ten is an overpayment
    weights = 1 / np.arange(1, 9)
    return Shape(
        name,
        description,
        stratum,
        rates,
        stratum,
        value,
        value * 0.04,
        violation,
        np.where(violation, sign * amount, 0.0),
        rng.choice(8, size=n, p=weights / weights.sum()),
        detection,
    )


def synthetic_shapes() -> list[Shape]:
    """The shapes not drawn by the generator, each a change of one thing from the issue's test population."""
    return [
        synthetic_shape("lognormal_1.3", "values lognormal sigma 1.3 (the issue's test population)", 11),
        synthetic_shape("lognormal_0.8", "values lognormal sigma 0.8", 12, sigma=0.8),
        synthetic_shape("lognormal_1.8", "values lognormal sigma 1.8", 13, sigma=1.8),
        synthetic_shape("take_all", "sigma 1.3 plus 10 very large lines in a take-all stratum", 14, take_all_lines=10),
        synthetic_shape(
            "rare_0.2%",
            "sigma 1.3, discrepancies on 0.2% of lines (200,000 lines)",
            15,
            200_000,
            discrepancy_rate=0.002,
        ),
        synthetic_shape("amounts_not_value", "sigma 1.3, amounts independent of value", 16, amounts_follow_value=False),
        synthetic_shape("detection_60%", "sigma 1.3, the exam finds 60% of violations", 17, detection=0.6),
    ]


def all_shapes() -> list[Shape]:
    return [generator_shape(), *synthetic_shapes()]
