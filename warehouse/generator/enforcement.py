"""Seizures, penalty cases and audits of one day, consistent with the day's entries, exams and importers.

Volumes are low, as in reality. Each case may be updated later (disposition, mitigation, closure): the update is
the same key with a higher `updated_at`, queued for delivery on its later day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from warehouse.contract import FEEDS
from warehouse.generator import calibration as cal
from warehouse.generator import names, text
from warehouse.generator.entries import DAY_SECONDS, Day, filled
from warehouse.generator.exams import Exams
from warehouse.generator.population import Population
from warehouse.generator.randomness import stream, weighted_choice
from warehouse.generator.schemes import SCHEMES
from warehouse.generator.tariff import Tariff


@dataclass
class Enforcement:
    today: dict[str, pa.Table]
    later: list[tuple[int, str, pa.Table]] = field(default_factory=list)  # (day index, feed, rows)


def _count(rng, per_day: float, scale: float) -> int:
    return int(rng.poisson(max(cal.MIN_EVENTS_PER_DAY, per_day * scale)))


def _ymd(day_n: int) -> str:
    return str(np.datetime64(int(day_n), "D")).replace("-", "")


def statutory_maximum(culpability: np.ndarray, domestic: np.ndarray, dutiable: np.ndarray, loss: np.ndarray):
    """19 USC 1592(c) maximum, as the contract states it."""
    gross = np.where(loss > 0, np.minimum(domestic, 4 * loss), 0.40 * dutiable)
    negligence = np.where(loss > 0, np.minimum(domestic, 2 * loss), 0.20 * dutiable)
    return np.select([culpability == "fraud", culpability == "gross_negligence"], [domestic, gross], negligence)


def _seizures(rng, pop: Population, tariff: Tariff, day: Day, exams: Exams) -> tuple[dict, int]:
    counterfeit = exams.found_lines[day.scheme[exams.found_lines] == SCHEMES.index("counterfeit")]
    counterfeit = np.unique(counterfeit)
    k_free = _count(rng, cal.SEIZURES_PER_DAY, pop.scale)
    n = counterfeit.size + k_free
    chapter = np.concatenate([tariff.chapter[day.hs[counterfeit]], rng.choice(cal.IPR_CHAPTERS, k_free)])
    category = np.array([names.PRODUCT_CATEGORY_BY_CHAPTER.get(int(c), "other") for c in chapter], dtype=object)
    value = np.concatenate([day.value_true[counterfeit] / 100, rng.lognormal(7.5, 1.5, k_free)])
    origin_free = np.where(rng.random(k_free) < 0.85, "CN", "HK")
    violation = np.concatenate(
        [
            np.full(counterfeit.size, "ipr_trademark"),
            np.asarray(("ipr_trademark", "ipr_copyright", "safety", "agriculture", "other"))[
                weighted_choice(rng, (0.7, 0.1, 0.1, 0.05, 0.05), k_free)
            ],
        ]
    ).astype(object)
    pti = np.select(
        [violation == "safety", violation == "agriculture", violation == "other"],
        ["import_safety", "agriculture", "revenue"],
        "ipr",
    )
    entry = day.entry[counterfeit]
    data = {
        "seizure_id": text.join("SZ", _ymd(day.day), "-", text.integer(np.arange(n), 5)),
        "seized_on": np.full(n, day.day),
        "port_code": np.concatenate(
            [pop.port_codes[day.port[entry]], pop.port_codes[weighted_choice(rng, pop.port_weights, k_free)]]
        ),
        "entry_number": np.concatenate(
            [np.asarray(filled(day.numbers).take(pa.array(entry)).to_pylist(), dtype=object), np.full(k_free, None)]
        ),
        "importer_number": np.concatenate([pop.importers.number[day.importer[entry]], np.full(k_free, None)]),
        "conveyance": np.concatenate(
            [
                np.full(counterfeit.size, "cargo"),
                np.asarray(("express", "mail", "passenger", "cargo"))[
                    weighted_choice(rng, (0.55, 0.3, 0.05, 0.1), k_free)
                ],
            ]
        ),
        "violation": violation,
        "pti": pti,
        "product_category": category,
        "country_of_origin": np.concatenate([pop.country_codes[day.origin_true[counterfeit]], origin_free]),
        "quantity": np.maximum(1, np.round(value / rng.lognormal(3, 1, n))).astype(np.int64),
        "domestic_value_usd": np.round(value, 2),
        "msrp_usd": np.round(value * rng.uniform(2, 8, n), 2),
        "disposition": "pending",
        "updated_at": day.day * DAY_SECONDS + rng.integers(8 * 3600, 20 * 3600, n),
    }
    return data, n


def _penalty_rows(rng, pop: Population, day: Day, importer, entry_numbers, lines, statute, culpability, n):
    true_value = day.value_true[lines] / 100 if lines is not None else rng.lognormal(11, 1.2, n)
    declared_value = day.value[lines] / 100 if lines is not None else true_value * rng.uniform(0.3, 0.7, n)
    loss = (
        np.maximum(day.true_total[lines] - day.declared_total[lines], 0) / 100
        if lines is not None
        else true_value * 0.1
    )
    domestic = np.round(true_value * 1.3, 2)
    maximum = statutory_maximum(culpability, domestic, declared_value, loss)
    assessed = np.where(
        statute == "19USC1592", np.floor(maximum * rng.uniform(0.5, 1.0, n) * 100) / 100, np.round(domestic * 0.5, 2)
    )
    return {
        "importer_number": importer,
        "entry_number": entry_numbers,
        "statute": statute,
        "culpability": culpability,
        "violation_date": np.full(n, day.day) if lines is None else day.filed[day.entry[lines]] // DAY_SECONDS,
        "opened_on": np.full(n, day.day),
        "assessed_on": np.full(n, day.day),
        "closed_on": None,
        "domestic_value_usd": domestic,
        "dutiable_value_usd": np.round(declared_value, 2),
        "loss_of_revenue_usd": np.round(loss, 2),
        "assessed_usd": assessed,
        "mitigated_usd": None,
        "collected_usd": 0.0,
        "status": "open",
        "updated_at": day.day * DAY_SECONDS + rng.integers(8 * 3600, 20 * 3600, n),
    }


def _penalties(rng, pop: Population, day: Day, exams: Exams) -> tuple[dict, int]:
    found = np.unique(exams.found_lines)
    lines = found[rng.random(found.size) < cal.PENALTY_SHARE_OF_FOUND]
    n = lines.size
    counterfeit = day.scheme[lines] == SCHEMES.index("counterfeit")
    statute = np.where(counterfeit, "19USC1526", "19USC1592").astype(object)
    culpability = np.where(
        counterfeit,
        None,
        np.asarray(("negligence", "gross_negligence", "fraud"))[weighted_choice(rng, (0.7, 0.22, 0.08), n)],
    )
    entries = np.asarray(filled(day.numbers).take(pa.array(day.entry[lines])).to_pylist(), dtype=object)
    data = _penalty_rows(
        rng, pop, day, pop.importers.number[day.importer[day.entry[lines]]], entries, lines, statute, culpability, n
    )
    # Planted successors: the old importer is penalised for fraud today and re-appears under a new number.
    successors = pop.importers.successors
    old = successors[successors[:, 2] == day.index, 0]
    if old.size:
        extra = _penalty_rows(
            rng,
            pop,
            day,
            pop.importers.number[old],
            np.full(old.size, None),
            None,
            np.full(old.size, "19USC1592"),
            np.full(old.size, "fraud"),
            old.size,
        )
        data = {k: _concat(data[k], extra[k], n, old.size) for k in data}
        n += old.size
    data["case_number"] = text.join("PN", _ymd(day.day), "-", text.integer(np.arange(n), 5))
    data["pti"] = np.where(np.asarray(data["statute"]) == "19USC1526", "ipr", "revenue")
    return data, n


def _concat(a, b, na, nb):
    a = np.full(na, a, dtype=object) if a is None or np.isscalar(a) else np.asarray(a, dtype=object)
    b = np.full(nb, b, dtype=object) if b is None or np.isscalar(b) else np.asarray(b, dtype=object)
    return np.concatenate([a, b])


def _audits(rng, pop: Population, day: Day) -> tuple[dict, int]:
    n = _count(rng, cal.AUDITS_PER_DAY, pop.scale)
    imp = pop.importers
    active = (imp.start_day <= day.index) & (imp.end_day >= day.index)
    importer = weighted_choice(rng, np.where(active, imp.entry_weight * imp.value_factor * imp.risk, 0), n)
    start = day.day - 365 - rng.integers(0, 700, n)
    data = {
        "audit_id": text.join("AU", _ymd(day.day), "-", text.integer(np.arange(n), 4)),
        "importer_number": imp.number[importer],
        "audit_type": np.asarray(
            ("focused_assessment", "quick_response", "isa_review", "adcvd_verification", "survey")
        )[weighted_choice(rng, (0.35, 0.3, 0.1, 0.15, 0.1), n)],
        "trigger": np.asarray(("risk_segment", "referral", "pti_plan", "allegation"))[
            weighted_choice(rng, (0.4, 0.25, 0.25, 0.1), n)
        ],
        "pti": np.asarray(("revenue", "adcvd", "textiles", "ipr"))[weighted_choice(rng, (0.6, 0.2, 0.1, 0.1), n)],
        "period_start": start,
        "period_end": start + 364,
        "opened_on": np.full(n, day.day),
        "closed_on": None,
        "status": "open",
        "hours": np.round(rng.uniform(8, 40, n), 1),
        "lines_reviewed": np.zeros(n, dtype=np.int64),
        "discrepancies_found": np.zeros(n, dtype=np.int64),
        "revenue_loss_usd": 0.0,
        "collected_usd": 0.0,
        "cip_required": False,
        "penalty_referral": False,
        "updated_at": day.day * DAY_SECONDS + rng.integers(8 * 3600, 20 * 3600, n),
    }
    return data, n


def _later(rng, feed: str, data: dict, n: int, day: Day, update) -> list[tuple[int, str, pa.Table]]:
    """Later versions of some of today's cases, each delivered on its own later day.

    The updates are drawn case by case (a handful a day), but the text table is built once for all of them and
    then sliced per delivery day.
    """
    if n == 0:
        return []
    lag = rng.integers(3, 45, n)
    chosen = np.flatnonzero(rng.random(n) < 0.7)
    if chosen.size == 0:
        return []
    # Each column is None, one value for every case, or one per case: Any, as np.isscalar does not narrow.
    rows: list[dict[str, Any]] = []
    arrays: dict[str, Any] = {
        k: (v if v is None or np.isscalar(v) else np.asarray(v, dtype=object)) for k, v in data.items()
    }
    for i in chosen:  # a handful of cases per day
        row: dict[str, Any] = {k: (v if v is None or np.isscalar(v) else v[i : i + 1]) for k, v in arrays.items()}
        update(row, int(lag[i]), rng)
        row["updated_at"] = [int((day.day + lag[i]) * DAY_SECONDS + rng.integers(8 * 3600, 20 * 3600))]
        rows.append(row)
    columns: dict[str, object] = {}
    for name in {k for row in rows for k in row}:
        values = [row.get(name) for row in rows]
        columns[name] = np.array([None if v is None else (v if np.isscalar(v) else v[0]) for v in values], dtype=object)
    table = text.rows_table(FEEDS[feed], columns, chosen.size)
    return [(day.index + int(lag[i]), feed, table.slice(j, 1)) for j, i in enumerate(chosen)]


def _update_seizure(row, lag, rng):
    row["disposition"] = ["forfeited", "destroyed", "remitted", "released"][int(rng.integers(0, 4))]


def _update_penalty(row, lag, rng):
    assessed = float(row["assessed_usd"][0])
    mitigated = round(assessed * float(rng.uniform(0.1, 0.6)), 2)
    row["mitigated_usd"] = [mitigated]
    row["collected_usd"] = [round(mitigated * float(rng.uniform(0.5, 1.0)), 2)]
    row["status"] = ["collected" if rng.random() < 0.6 else "mitigated"]
    row["closed_on"] = [int(row["opened_on"][0]) + lag] if row["status"][0] == "collected" else None


def _update_audit(row, lag, rng):
    reviewed = int(rng.integers(50, 2_000))
    found = int(rng.binomial(reviewed, 0.04))
    loss = round(found * float(rng.lognormal(7, 1.2)), 2)
    collected = round(loss * float(rng.uniform(0.5, 1.0)), 2)
    row.update(
        status=["closed"],
        closed_on=[int(row["opened_on"][0]) + lag],
        lines_reviewed=[reviewed],
        discrepancies_found=[found],
        revenue_loss_usd=[loss],
        collected_usd=[collected],
        cip_required=[found > 20],
        penalty_referral=[bool(found > 40)],
        hours=[round(float(rng.uniform(80, 600)), 1)],
    )


def draw_enforcement(pop: Population, tariff: Tariff, day: Day, exams: Exams) -> Enforcement:
    rng = stream(pop.seed, "enforcement", day.day)
    seizures, n_s = _seizures(rng, pop, tariff, day, exams)
    penalties, n_p = _penalties(rng, pop, day, exams)
    audits, n_a = _audits(rng, pop, day)
    result = Enforcement(
        today={
            "seizures": text.rows_table(FEEDS["seizures"], seizures, n_s),
            "penalties": text.rows_table(FEEDS["penalties"], penalties, n_p),
            "audits": text.rows_table(FEEDS["audits"], audits, n_a),
        }
    )
    result.later += _later(rng, "seizures", seizures, n_s, day, _update_seizure)
    result.later += _later(rng, "penalties", penalties, n_p, day, _update_penalty)
    result.later += _later(rng, "audits", audits, n_a, day, _update_audit)
    return result
