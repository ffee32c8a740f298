"""Exams of one day: the compliance-measurement (CM) stratified random sample and targeted exams.

CM: lines are stratified by HS section (or AD/CVD goods) x value band, warehouse/cm_design.py; each stratum is
sampled at its rate each day (at least one line when it has any), and `cm_weight` = stratum population / lines
sampled, so the weights of a stratum sum to its population exactly. Targeted exams select whole entries by risk
(rules, a risk model, officers, tips, partner agencies) and therefore find more than random. Outcomes come from
the truth: violations are found with high but imperfect probability, and a few compliant lines show immaterial
discrepancies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from warehouse import cm_design
from warehouse.contract import FEEDS
from warehouse.generator import calibration as cal
from warehouse.generator import text
from warehouse.generator.entries import DAY_SECONDS, Day, filled
from warehouse.generator.population import Population
from warehouse.generator.randomness import gumbel_top_k, stream, weighted_choice
from warehouse.generator.schemes import SCHEMES
from warehouse.generator.tariff import Tariff

EXAM_TYPE_BY_PTI = {
    "agriculture": "agriculture",
    "import_safety": "lab",
    "ipr": "physical",
    "textiles": "physical",
    "adcvd": "document_review",
    "revenue": "document_review",
    "penalties": "document_review",
}
HOURS_BY_TYPE = {"cm_review": 1.0, "document_review": 0.8, "nii": 1.5, "physical": 4.0, "agriculture": 2.0, "lab": 6.0}


@dataclass
class Exams:
    table: pa.Table
    strata: pa.Table  # per stratum: population lines and value, sampled lines, rate
    found_lines: np.ndarray  # line indices with a material discrepancy found (for penalties and seizures)
    found_reason: np.ndarray


def _lookup(mapping: dict, keys: np.ndarray, dtype) -> np.ndarray:
    """mapping[k] for every k, vectorised: a lookup per distinct key, then a take (no loop over rows)."""
    distinct, inverse = np.unique(np.asarray(keys).astype(str), return_inverse=True)
    return np.array([mapping[k] for k in distinct], dtype=dtype)[inverse.reshape(-1)]


def strata_of(tariff: Tariff, day: Day) -> tuple[np.ndarray, np.ndarray]:
    """Stratum index per line and the stratum labels (warehouse/cm_design.py): group (the line's HS section, or
    ADCVD for goods under an order) x value band."""
    groups = (*tariff.sections, cm_design.ADCVD_GROUP)
    group = np.where(tariff.adcvd_covered[day.hs], len(groups) - 1, tariff.section[day.hs])
    band = cm_design.band_of(day.value / 100)  # entered value in cents
    return group * len(cm_design.BANDS) + band, cm_design.stratum_labels(groups)


def cm_sample(rng: np.random.Generator, stratum: np.ndarray, rates: np.ndarray):
    """Simple random sample without replacement within each stratum; n = max(1, round(rate x N))."""
    population = np.bincount(stratum, minlength=rates.size)
    n = np.where(population > 0, np.maximum(1, np.round(rates * population)), 0).astype(np.int64)
    order = np.argsort(stratum + rng.random(stratum.size))  # by stratum, then at random (one sort, no lexsort)
    starts = np.concatenate([[0], np.cumsum(population)[:-1]])
    rank = np.empty(stratum.size, dtype=np.int64)
    rank[order] = np.arange(stratum.size) - starts[stratum[order]]
    sampled = np.flatnonzero(rank < n[stratum])
    return sampled, population, n


def _grouped(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(line indices sorted by key, start offset of each key 0..size): the lines of key k are a slice."""
    order = np.argsort(keys.astype(np.int16), kind="stable")  # small integers: a radix sort
    return order, np.searchsorted(keys[order], np.arange(size + 1))


def _rule_weights(pop: Population, day: Day, groups, rule: int, noncompliant: np.ndarray) -> np.ndarray:
    """Entry weights of one rule: lines matching its chapters or origin, lifted when non-compliant.

    `groups`: the day's lines grouped by chapter and by origin (`_grouped`), so a rule touches only its own lines.
    """
    rules = pop.rules
    (by_chapter, chapter_start), (by_origin, origin_start), chapter = groups
    in_rule = np.zeros(100, dtype=bool)
    in_rule[np.asarray(rules["chapters"][rule], dtype=np.int64)] = True
    parts = [by_chapter[chapter_start[c] : chapter_start[c + 1]] for c in np.flatnonzero(in_rule)]
    if rules["origin"][rule] is not None:
        origin = int(np.flatnonzero(pop.country_codes == rules["origin"][rule])[0])
        lines = by_origin[origin_start[origin] : origin_start[origin + 1]]
        parts.append(lines[~in_rule[chapter[lines]]])  # not already matched by chapter
    match = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    lift = rules["lift"][rule]
    if rules["decaying"][rule]:
        # Violators learn the rule: its extra yield halves every half_life days from the start of the run.
        lift *= 0.5 ** (day.index / rules["half_life"][rule])
    line_w = 1.0 + lift * noncompliant[match]
    return np.bincount(day.entry[match], weights=line_w, minlength=day.n_entries)


def select_targeted(rng, pop: Population, tariff: Tariff, day: Day) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries chosen for targeted exams: (entry indices, reason index, rule index or -1)."""
    noncompliant = (day.scheme >= 0).astype(float)
    total = int(rng.binomial(day.n_entries, cal.TARGETED_ENTRY_SHARE))
    reasons = tuple(cal.SELECTION_WEIGHTS)
    per_reason = rng.multinomial(total, list(cal.SELECTION_WEIGHTS.values()))
    taken = np.zeros(day.n_entries, dtype=bool)
    chosen, why, which = [], [], []

    def take(weights, k, reason, rule=-1):
        picked = gumbel_top_k(rng, np.where(taken, 0.0, weights), k)
        taken[picked] = True
        chosen.append(picked)
        why.append(np.full(picked.size, reasons.index(reason)))
        which.append(np.full(picked.size, rule))

    # The adverse actions of port-shopping events: an officer examines the first shipment.
    forced = day.forced_exam
    taken[forced] = True
    chosen.append(forced)
    why.append(np.full(forced.size, reasons.index("officer")))
    which.append(np.full(forced.size, -1))
    line_risk = np.bincount(day.entry, weights=day.risk, minlength=day.n_entries)
    entry_bad = np.bincount(day.entry, weights=noncompliant, minlength=day.n_entries) > 0
    noise = rng.lognormal(0, 0.8, day.n_entries)
    take(line_risk * noise, per_reason[reasons.index("risk_model")], "risk_model")
    take(1.0 + 4.0 * entry_bad, per_reason[reasons.index("officer")], "officer")
    take(1.0 + 60.0 * entry_bad, per_reason[reasons.index("tip")], "tip")
    pti = pop.pti_of_chapter[tariff.chapter[day.hs]]
    partner = np.bincount(day.entry, weights=np.isin(pti, ("agriculture", "import_safety")), minlength=day.n_entries)
    take(partner * (1.0 + 3.0 * entry_bad), per_reason[reasons.index("partner_agency")], "partner_agency")
    active = np.flatnonzero(pop.rules["active"])
    chapter = tariff.chapter[day.hs]
    groups = (_grouped(chapter, 100), _grouped(day.origin, pop.country_codes.size), chapter)
    per_rule = rng.multinomial(per_reason[reasons.index("targeting_rule")], np.full(active.size, 1 / active.size))
    for rule, k in zip(active, per_rule, strict=True):  # a loop over rules (~50), each step vectorised
        take(_rule_weights(pop, day, groups, int(rule), noncompliant), k, "targeting_rule", rule)
    return np.concatenate(chosen), np.concatenate(why), np.concatenate(which)


def draw_exams(pop: Population, tariff: Tariff, day: Day) -> Exams:
    rng = stream(pop.seed, "exams", day.day)
    stratum, labels = strata_of(tariff, day)
    rates = cm_design.rates(labels)
    sampled, population, n = cm_sample(rng, stratum, rates)
    entries, reason, rule = select_targeted(rng, pop, tariff, day)
    # Every line of a targeted entry is examined.
    line_mask = np.zeros(day.n_entries, dtype=np.int64) - 1
    line_mask[entries] = np.arange(entries.size)
    targeted_lines = np.flatnonzero(line_mask[day.entry] >= 0)
    exam_of_line = line_mask[day.entry[targeted_lines]]

    lines = np.concatenate([sampled, targeted_lines])
    is_cm = np.arange(lines.size) < sampled.size
    reasons = np.asarray(("cm_random", *cal.SELECTION_WEIGHTS))
    reason_idx = np.concatenate([np.zeros(sampled.size, dtype=np.int64), reason[exam_of_line] + 1])
    rule_idx = np.concatenate([np.full(sampled.size, -1), rule[exam_of_line]])
    pti = pop.pti_of_chapter[tariff.chapter[day.hs[lines]]]
    pti = np.where(day.order[lines] >= 0, "adcvd", pti)
    exam_type = np.where(is_cm, "cm_review", _lookup(EXAM_TYPE_BY_PTI, pti, object))
    nii = ~is_cm & (rng.random(lines.size) < 0.25)
    exam_type = np.where(nii, "nii", exam_type)
    env = np.where(
        is_cm,
        "entry",
        np.asarray(("pre_entry", "entry", "post_release"))[weighted_choice(rng, (0.35, 0.55, 0.10), lines.size)],
    )
    rule_env = pop.rules["environment"][np.maximum(rule_idx, 0)]
    env = np.where(rule_idx >= 0, rule_env, env)

    scheme = day.scheme[lines]
    detect = _lookup(cal.DETECTION_PROBABILITY, exam_type, float)
    forced = np.isin(day.entry[lines], day.forced_exam) & (scheme >= 0)
    found = (scheme >= 0) & ((rng.random(lines.size) < detect) | forced)
    spurious = (scheme < 0) & (rng.random(lines.size) < cal.FALSE_DISCREPANCY_SHARE)
    discrepancy_names = np.array([cal.DISCREPANCY_BY_SCHEME[s] for s in SCHEMES], dtype=object)
    # numpy's stubs reject None, which np.where takes as an object scalar
    dtype = np.where(found, discrepancy_names[np.maximum(scheme, 0)], np.where(spurious, "marking", None))  # type: ignore[call-overload]
    declared = day.declared_total[lines]
    correct = np.where(found, day.true_total[lines], declared)

    exam_seq = np.concatenate([np.arange(sampled.size), sampled.size + exam_of_line])
    prefix = np.where(is_cm, "CM", "EX")
    ymd = np.datetime_as_string(np.datetime64(int(day.day), "D")).replace("-", "")
    exam_id = text.join(prefix, ymd, "-", text.integer(exam_seq, 6))
    started = day.filed[day.entry[lines]] + rng.integers(600, 2 * DAY_SECONDS, lines.size)
    hours = _lookup(HOURS_BY_TYPE, exam_type, float) * rng.lognormal(0, 0.4, lines.size)
    completed = started + (hours * 3600 * rng.uniform(1.0, 3.0, lines.size)).astype(np.int64)
    open_exam = rng.random(lines.size) < 0.03
    feed = FEEDS["exams"]
    numbers = filled(day.numbers).take(pa.array(day.entry[lines]))
    cm_weight = np.where(is_cm, population[stratum[lines]] / np.maximum(n[stratum[lines]], 1), 0)
    columns = {
        "exam_id": pa.array(exam_id.astype(str)),
        "entry_number": numbers,
        "line_number": text.integer(day.line[lines]),
        "port_code": text.take(pop.vocab["port"], day.port[day.entry[lines]]),
        "environment": pa.array(env.astype(str)),
        "exam_type": pa.array(exam_type.astype(str)),
        "selection_reason": text.take(reasons, reason_idx),
        "rule_id": text.with_nulls(text.take(pop.rules["rule_id"], np.maximum(rule_idx, 0)), rule_idx < 0),
        "cm_stratum": text.with_nulls(text.take(labels, stratum[lines]), ~is_cm),
        "cm_weight": text.with_nulls(text.decimal(cm_weight, feed.column("cm_weight")), ~is_cm),
        "started_at": text.timestamp(started),
        "completed_at": text.with_nulls(text.timestamp(completed), open_exam),
        "officer_hours": text.decimal(hours, feed.column("officer_hours")),
        "result": text.take(("no_discrepancy", "discrepancy"), (found | spurious).astype(np.int64)),
        "discrepancy_type": pa.array(dtype, pa.string()),
        "material": text.boolean(found),
        "declared_duty_usd": text.scaled(declared, 2),
        "correct_duty_usd": text.scaled(correct, 2),
        "pti": pa.array(pti.astype(str)),
    }
    strata = pa.table(
        {
            "date": pa.array([int(day.day)] * labels.size, pa.int32()).cast(pa.date32()),
            "cm_stratum": pa.array(labels.astype(str)),
            "population_lines": pa.array(population),
            "population_value_usd": text.decimal_array(
                np.bincount(stratum, weights=day.value, minlength=labels.size).astype(np.int64), 2
            ),
            "sampled_lines": pa.array(n),
            "sampling_rate": pa.array(rates),
        }
    )
    found_rows = found & ~is_cm | found
    return Exams(text.table(feed, columns), strata, lines[found_rows], reason_idx[found_rows])
