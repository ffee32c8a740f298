"""Planted non-compliance: which lines break the rules, how, and the port-shopping and successor events.

Each scheme changes the *declaration* of a line and leaves its truth (`*_true` arrays) as it was, so the truth
files can say exactly what was owed. Non-compliance concentrates on risky importers, commodities and origins,
as real violations do, which is what lets targeting beat random selection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from warehouse.generator import calibration as cal
from warehouse.generator.entries import ENTRY_TYPES, MODES, Day, country_index, filled, manufacturer, spi_vocabulary
from warehouse.generator.population import Population
from warehouse.generator.randomness import stream, weighted_choice
from warehouse.generator.tariff import Tariff, pick_in_chapter

SCHEMES = tuple(cal.SCHEME_WEIGHTS)
UNDERVALUATION = SCHEMES.index("undervaluation")
RISKY_ORIGINS = {"CN": 2.0, "HK": 2.0, "VN": 1.6, "MY": 1.4, "TH": 1.3, "ID": 1.3, "IN": 1.3}
RISKY_CHAPTERS = {**dict.fromkeys(cal.IPR_CHAPTERS, 2.0), **dict.fromkeys(range(50, 64), 2.5), 72: 2.0, 73: 2.0}


@dataclass
class PortShopping:
    """Events started on one day: an adverse action at the first port, then the same goods at a second port."""

    day: int  # day index of the adverse action
    importer: np.ndarray
    mid: np.ndarray
    hs: np.ndarray
    first_port: np.ndarray
    second_port: np.ndarray
    window: np.ndarray


def port_shopping_on(pop: Population, tariff: Tariff, index: int, day_n: int) -> PortShopping:
    rng = stream(pop.seed, "port_shopping", day_n)
    k = max(1, int(rng.poisson(cal.PORT_SHOPPING_PER_DAY * pop.scale)))
    imp = pop.importers
    lo, hi = cal.PORT_SHOPPING_WINDOW_DAYS
    window = rng.integers(lo, hi + 1, k)
    eligible = np.flatnonzero((imp.risk >= 2.5) & (imp.start_day <= index) & (imp.end_day >= index + hi) & ~imp.top)
    importer = eligible[rng.integers(0, eligible.size, k)]
    export = weighted_choice(rng, np.where(np.isin(pop.country_codes, list(RISKY_ORIGINS)), pop.country_weights, 0), k)
    mid = manufacturer(pop, importer, export, rng)
    dutiable = tariff.dutiable_by_chapter[0]
    hs = dutiable[rng.integers(0, dutiable.size, k)]
    sea = np.flatnonzero(pop.port_kind == "sea")
    first = sea[weighted_choice(rng, pop.port_weights[sea], k)]
    second = sea[(np.searchsorted(sea, first) + rng.integers(1, sea.size, k)) % sea.size]
    return PortShopping(index, importer, mid, hs, first, second, window)


def force_port_shopping(
    pop: Population, tariff: Tariff, day: Day, start_day_n: int
) -> list[tuple[PortShopping, int, int]]:
    """Overwrite the first entries of the day with the planted shipments; returns today's events and entries."""
    hi = cal.PORT_SHOPPING_WINDOW_DAYS[1]
    slot = 0
    today = []
    for back in range(min(day.index, hi), -1, -1):
        events = port_shopping_on(pop, tariff, day.index - back, start_day_n + day.index - back)
        for k in range(events.importer.size):
            if back > events.window[k] or slot >= day.n_entries:
                continue
            port = events.first_port[k] if back == 0 else events.second_port[k]
            _force_entry(pop, day, slot, events.importer[k], events.mid[k], events.hs[k], port)
            if back == 0:
                today.append((events, k, slot))
            slot += 1
    # The adverse action: the first shipment is examined and the undervaluation found.
    day.forced_exam = np.array([s for _, _, s in today], dtype=np.int64)
    return today


def _force_entry(pop: Population, day: Day, slot: int, importer: int, mid: int, hs: int, port: int) -> None:
    day.importer[slot] = importer
    day.mid[slot] = mid
    day.export[slot] = country_index(pop, [pop.mid_country[mid]])[0]
    day.port[slot] = port
    day.mode[slot] = MODES.index("11")
    day.etype[slot] = ENTRY_TYPES.index("01")
    first = int(np.searchsorted(day.entry, slot))  # lines are in entry order
    lines = np.arange(first, int(np.searchsorted(day.entry, slot, side="right")))
    day.hs_true[first] = day.hs[first] = hs
    day.origin_true[lines] = day.origin[lines] = day.export[slot]
    day.order[lines] = day.order_true[lines] = -1
    day.spi[lines] = day.spi_true[lines] = -1
    day.scheme[first] = UNDERVALUATION
    day.value[first] = np.round(day.value_true[first] * 0.45)


def plant(pop: Population, tariff: Tariff, day: Day) -> None:
    """Choose the non-compliant lines and change their declarations according to their scheme."""
    rng = stream(pop.seed, "schemes", day.day)
    m = day.n_lines
    chapters = tariff.chapter[day.hs_true]
    origin_codes = pop.country_codes[day.origin_true]
    factor = day.risk.copy()
    for code, f in RISKY_ORIGINS.items():
        factor[origin_codes == code] *= f
    chapter_factor = np.ones(100)
    for c, f in RISKY_CHAPTERS.items():
        chapter_factor[c] = f
    factor *= chapter_factor[chapters]
    free_to_plant = (day.scheme < 0) & (day.order_true < 0)
    factor[~free_to_plant] = 0
    probability = np.minimum(cal.NONCOMPLIANCE_SHARE * factor / factor.mean(), 0.9)
    chosen = np.flatnonzero(rng.random(m) < probability)
    scheme = weighted_choice(rng, list(cal.SCHEME_WEIGHTS.values()), chosen.size)
    day.scheme[chosen] = scheme
    day.risk = np.maximum(probability, day.risk * 0)  # the true propensity, for targeting
    by = {name: chosen[scheme == i] for i, name in enumerate(SCHEMES)}

    rows = by["undervaluation"]
    day.value[rows] = np.maximum(np.round(day.value_true[rows] * rng.uniform(0.3, 0.75, rows.size)), 100)

    for name in ("misclassification", "false_preference"):
        rows = by[name]
        # The true goods must be dutiable for the scheme to save duty.
        free = tariff.rate_micro[day.hs_true[rows]] == 0
        fix = rows[free]
        day.hs_true[fix] = day.hs[fix] = pick_in_chapter(
            rng, tariff.dutiable_by_chapter, tariff.chapter[day.hs_true[fix]]
        )
        day.spi_true[rows] = -1
        day.spi[rows] = -1
    rows = by["misclassification"]
    day.hs[rows] = pick_in_chapter(rng, tariff.free_by_chapter, tariff.chapter[day.hs_true[rows]])

    rows = by["false_preference"]
    spi_vocab = spi_vocabulary()
    eligible_codes = [*cal.SPI_BY_COUNTRY, *pop.ref.countries[pop.ref.least_developed]]
    china = country_index(pop, ["CN"])[0]
    was_eligible = np.isin(pop.country_codes[day.origin_true[rows]], eligible_codes)
    day.origin_true[rows[was_eligible]] = day.origin[rows[was_eligible]] = china
    day.spi[rows] = np.asarray([spi_vocab.index("S"), spi_vocab.index("A")])[rng.integers(0, 2, rows.size)]

    rows = by["adcvd_evasion"]
    chinese = np.flatnonzero((pop.orders["country"] == "CN") & pop.orders["active"])
    order = chinese[rng.integers(0, chinese.size, rows.size)]
    day.order_true[rows] = order
    day.hs_true[rows] = day.hs[rows] = pop.orders["anchor"][order]
    day.suffix[rows] = 0
    day.origin_true[rows] = china
    day.origin[rows] = country_index(pop, cal.TRANSSHIPMENT_COUNTRIES)[
        rng.integers(0, len(cal.TRANSSHIPMENT_COUNTRIES), rows.size)
    ]
    day.spi[rows] = day.spi_true[rows] = -1

    rows = by["counterfeit"]
    ipr = np.flatnonzero(
        np.isin(tariff.chapter, cal.IPR_CHAPTERS) & (np.arange(tariff.chapter.size) < pop.ref.hs6.size)
    )
    day.hs_true[rows] = day.hs[rows] = ipr[rng.integers(0, ipr.size, rows.size)]
    day.origin_true[rows] = day.origin[rows] = country_index(pop, ["CN", "HK"])[rng.integers(0, 2, rows.size)]
    day.spi[rows] = day.spi_true[rows] = -1

    rows = by["other"]
    day.qty[rows] = np.maximum(np.round(day.qty_true[rows] * rng.uniform(0.4, 0.8, rows.size)), 1)


def successor_pairs(pop: Population) -> np.ndarray:
    """(old importer, new importer, penalty day index) of the planted successors."""
    return pop.importers.successors


def shopping_truth(pop: Population, day: Day, forced: list[tuple[PortShopping, int, int]]) -> pa.Table:
    """Port-shopping events whose adverse action happened today."""
    imp = pop.importers
    rows = {
        "event_id": [f"PS{day.day}-{k}" for _, k, _ in forced],
        "importer_number": [imp.number[e.importer[k]] for e, k, _ in forced],
        "entity_id": [imp.entity[e.importer[k]] for e, k, _ in forced],
        "hs6": [str(pop.ref.hs6[e.hs[k]]) for e, k, _ in forced],
        "manufacturer_id": [pop.mid[e.mid[k]] for e, k, _ in forced],
        "first_port": [pop.port_codes[e.first_port[k]] for e, k, _ in forced],
        "adverse_action": ["exam_discrepancy"] * len(forced),
        "adverse_entry_number": [filled(day.numbers)[int(slot)].as_py() for _, _, slot in forced],
        "second_port": [pop.port_codes[e.second_port[k]] for e, k, _ in forced],
        "window_days": [int(e.window[k]) for e, k, _ in forced],
    }
    table = pa.table({k: pa.array(v, pa.string() if k != "window_days" else pa.int64()) for k, v in rows.items()})
    adverse = pa.array(np.full(len(forced), day.day, dtype=np.int32)).cast(pa.date32())
    moved = pa.array(np.full(len(forced), day.day + 1, dtype=np.int32)).cast(pa.date32())
    return table.append_column("adverse_on", adverse).append_column("moved_on", moved)
