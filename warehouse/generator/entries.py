"""One day of entry summary lines, drawn as whole columns (no loop over rows).

The day is built truth-first: what was really imported (goods, origin, value), then what the importer declared
(schemes in `schemes.py` change the declaration), then fees and duties computed from the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import FEEDS
from warehouse.contract.codes import ADCVD_ENTRY_TYPES, MODES_OF_TRANSPORT, VESSEL_MODES
from warehouse.contract.fees import mpf_limits_clamped
from warehouse.generator import calibration as cal
from warehouse.generator import text
from warehouse.generator.population import Population
from warehouse.generator.randomness import stream, weighted_choice
from warehouse.generator.tariff import SUFFIXES, Tariff

ENTRY_TYPES = tuple(cal.ENTRY_TYPE_WEIGHTS)
MODES = tuple(MODES_OF_TRANSPORT)
DAY_SECONDS = 86_400
SERIAL_SPACE = 9_000_000  # serials at or above this are kept for planted malformed entries
SERIALS_PER_FILER_DAY = 10_000
CARRIERS = ("MAEU", "MSCU", "CMDU", "COSU", "EGLV", "HLCU", "ONEY", "YMLU", "ZIMU", "OOLU")


T = TypeVar("T")


def filled(value: T | None) -> T:
    """A `Day` column that `number_entries` or `price` fills after the day is drawn (None before)."""
    if value is None:
        raise ValueError("the day's entry numbers or money are read before number_entries and price filled them")
    return value


def day_number(day: date) -> int:
    return day.toordinal() - date(1970, 1, 1).toordinal()


@dataclass
class Day:
    """Everything about one day's entries the other feeds need, as numpy arrays (entry- and line-level)."""

    index: int
    day: int  # days since epoch
    # entry level
    importer: np.ndarray
    filer: np.ndarray
    serial: np.ndarray
    port: np.ndarray
    mode: np.ndarray
    export: np.ndarray  # country index
    mid: np.ndarray
    etype: np.ndarray
    arrival: np.ndarray
    filed: np.ndarray
    released: np.ndarray  # -1 = not released
    related: np.ndarray  # 0 false, 1 true, -1 null
    bol_kind: np.ndarray
    bol_number: np.ndarray
    # line level
    entry: np.ndarray
    line: np.ndarray
    hs_true: np.ndarray
    hs: np.ndarray  # declared
    suffix: np.ndarray
    origin_true: np.ndarray
    origin: np.ndarray
    value_true: np.ndarray  # cents
    value: np.ndarray  # cents, declared
    qty_true: np.ndarray  # thousandths
    qty: np.ndarray
    weight: np.ndarray  # thousandths of kg, -1 = null
    order: np.ndarray  # AD/CVD order index of the declaration, -1 = none
    order_true: np.ndarray
    spi_true: np.ndarray  # index into spi vocabulary, -1 = none
    spi: np.ndarray
    scheme: np.ndarray  # index into SCHEMES, -1 = compliant
    risk: np.ndarray  # propensity behind the draw (what a perfect targeting system would know)
    forced_exam: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # entry indices
    # money, filled by `price`
    duty: np.ndarray | None = None
    deposit: np.ndarray | None = None
    mpf: np.ndarray | None = None
    hmf: np.ndarray | None = None
    duty_true: np.ndarray | None = None
    deposit_true: np.ndarray | None = None
    numbers: pa.Array | None = None  # entry numbers

    @property
    def n_entries(self) -> int:
        return self.importer.size

    @property
    def n_lines(self) -> int:
        return self.entry.size

    @property
    def declared_total(self) -> np.ndarray:
        return filled(self.duty) + filled(self.deposit) + filled(self.mpf) + filled(self.hmf)

    @property
    def true_total(self) -> np.ndarray:
        return filled(self.duty_true) + filled(self.deposit_true) + filled(self.mpf) + filled(self.hmf)


def spi_vocabulary() -> tuple[str, ...]:
    return tuple(sorted({*cal.SPI_BY_COUNTRY.values(), cal.GSP_SPI}))


def _ports_for(pop: Population, export_code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kinds = pop.port_kind
    overseas = np.where(np.isin(kinds, ("sea", "air")), pop.port_weights, 0.0)
    port = weighted_choice(rng, overseas, export_code.size)
    for country, kind in (("MX", "land_mx"), ("CA", "land_ca")):
        border = np.where(kinds == kind, pop.port_weights, 0.0)
        chosen = np.flatnonzero((export_code == country) & (rng.random(export_code.size) < cal.LAND_BORDER_SHARE))
        port[chosen] = weighted_choice(rng, border, chosen.size)
    return port


def _modes(pop: Population, port: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    mode = np.zeros(port.size, dtype=np.int64)
    kind = pop.port_kind[port]
    for name, options in cal.MODES_BY_KIND.items():
        rows = np.flatnonzero(kind == name)
        codes = [MODES.index(code) for code, _ in options]
        mode[rows] = np.asarray(codes)[weighted_choice(rng, [w for _, w in options], rows.size)]
    return mode


def country_index(pop: Population, codes) -> np.ndarray:
    return np.array([pop.country_position[c] for c in codes], dtype=np.int64)


def manufacturer(pop: Population, importer: np.ndarray, country: np.ndarray, rng) -> np.ndarray:
    """A manufacturer in the country; each importer keeps to a few of them, as real supply chains do."""
    start = pop.mid_start_array[country]
    count = pop.mid_count_array[country]
    return start + (importer * 2_654_435_761 + rng.integers(0, 3, importer.size)) % count


def draw_day(pop: Population, tariff: Tariff, index: int, day: date) -> Day:
    rng = stream(pop.seed, "entries", day_number(day))
    imp = pop.importers
    n = int(rng.poisson(cal.ENTRIES_PER_DAY * pop.scale))
    active = (imp.start_day <= index) & (imp.end_day >= index)
    importer = weighted_choice(rng, np.where(active, imp.entry_weight, 0.0), n)
    filer = np.where(rng.random(n) < 0.9, imp.filer[importer], rng.integers(0, pop.filer_codes.size, n))
    export = weighted_choice(rng, pop.country_weights, n)
    etype = weighted_choice(rng, list(cal.ENTRY_TYPE_WEIGHTS.values()), n)
    adcvd_entry = np.isin(np.asarray(ENTRY_TYPES)[etype], ADCVD_ENTRY_TYPES)
    orders = pop.orders
    active_orders = np.flatnonzero(orders["active"])
    entry_order = np.full(n, -1)
    entry_order[adcvd_entry] = active_orders[rng.integers(0, active_orders.size, adcvd_entry.sum())]
    order_country = country_index(pop, orders["country"])
    export[adcvd_entry] = order_country[entry_order[adcvd_entry]]
    port = _ports_for(pop, pop.country_codes[export], rng)
    mode = _modes(pop, port, rng)
    mid = manufacturer(pop, importer, export, rng)

    n_lines = np.minimum(rng.geometric(1 / cal.LINES_PER_ENTRY, n), 60)
    entry = np.repeat(np.arange(n), n_lines)
    first = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    line = np.arange(entry.size) - first[entry] + 1
    m = entry.size
    hs = weighted_choice(rng, pop.hs_weights, m)
    special = rng.random(m) < cal.CHAPTER_98_99_SHARE
    hs[special] = tariff.special[rng.integers(0, tariff.special.size, special.sum())]
    suffix = np.where(special, 0, (hs * 31 + rng.integers(0, 3, m)) % len(SUFFIXES))
    suffix = np.where(tariff.special_suffix[hs] > 0, tariff.special_suffix[hs], suffix)
    origin = np.where(
        rng.random(m) < cal.ORIGIN_DIFFERS_SHARE, weighted_choice(rng, pop.country_weights, m), export[entry]
    )
    order = entry_order[entry]
    on_order = order >= 0
    hs[on_order] = orders["anchor"][order[on_order]]
    suffix[on_order] = 0
    origin[on_order] = order_country[order[on_order]]

    # Line values: lognormal, scaled so that the expected daily total is the calibrated value.
    factor = imp.value_factor[importer][entry]
    mean_factor = float(
        np.sum(np.where(active, imp.entry_weight, 0) * imp.value_factor) / np.sum(np.where(active, imp.entry_weight, 0))
    )
    mean_line = cal.VALUE_PER_DAY_USD / (cal.ENTRIES_PER_DAY * cal.LINES_PER_ENTRY)
    sigma = cal.LINE_VALUE_SIGMA
    mu = np.log(mean_line / mean_factor) - sigma**2 / 2
    value_usd = np.exp(mu + sigma * rng.standard_normal(m)) * factor
    informal = np.asarray(ENTRY_TYPES)[etype][entry] == "11"
    value_usd = np.where(informal, np.minimum(value_usd, rng.uniform(50, 2_500, m)), value_usd)
    value = np.maximum(np.round(value_usd * 100), 100).astype(np.int64)
    unit_price = np.exp(rng.normal(3.0, 1.5, m))
    qty = np.maximum(np.round(value_usd / unit_price * 1000), 1).astype(np.int64)
    kg_price = np.exp(rng.normal(2.0, 1.2, m))
    weight = np.where(rng.random(m) < 0.9, np.round(value_usd / kg_price * 1000), -1).astype(np.int64)

    spi_vocab = spi_vocabulary()
    eligible = np.full(pop.country_codes.size, -1)
    for country, country_spi in cal.SPI_BY_COUNTRY.items():
        eligible[np.flatnonzero(pop.country_codes == country)] = spi_vocab.index(country_spi)
    ldc = np.isin(pop.country_codes, pop.ref.countries[pop.ref.least_developed])
    eligible[ldc & (eligible < 0)] = spi_vocab.index(cal.GSP_SPI)
    claims = (eligible[origin] >= 0) & (tariff.rate_micro[hs] > 0) & (rng.random(m) < cal.SPI_CLAIM_SHARE) & ~on_order
    spi = np.where(claims, eligible[origin], -1)

    day_n = day_number(day)
    filed = day_n * DAY_SECONDS + rng.integers(6 * 3600, 23 * 3600, n)
    arrival = day_n - np.minimum(rng.geometric(0.35, n) - 1, 12)
    prefiled = rng.random(n) < 0.1
    arrival[prefiled] = day_n + rng.integers(0, 3, prefiled.sum())
    hours = np.exp(rng.normal(np.log(5), 1.3, n)) * 3600
    released = filed + hours.astype(np.int64)
    before = rng.random(n) < 0.1
    released[before] = filed[before] - rng.integers(0, int(4.5 * DAY_SECONDS), before.sum())
    released[rng.random(n) < 0.04] = -1
    related = np.where(rng.random(n) < 0.05, -1, (rng.random(n) < 0.35).astype(np.int64))
    risk = imp.risk[importer][entry]
    return Day(
        index=index, day=day_n, importer=importer, filer=filer, serial=np.zeros(n, dtype=np.int64), port=port,
        mode=mode, export=export, mid=mid, etype=etype, arrival=arrival, filed=filed, released=released,
        related=related, bol_kind=rng.integers(0, len(CARRIERS), n), bol_number=rng.integers(0, 10**10, n),
        entry=entry, line=line, hs_true=hs, hs=hs.copy(), suffix=suffix, origin_true=origin, origin=origin.copy(),
        value_true=value, value=value.copy(), qty_true=qty, qty=qty.copy(), weight=weight, order=order,
        order_true=order.copy(), spi_true=spi, spi=spi.copy(), scheme=np.full(m, -1), risk=risk,
    )  # fmt: skip


def number_entries(pop: Population, day: Day) -> None:
    """Per-filer sequential serials (a fresh block each day) and check-digited entry numbers."""
    order = np.argsort(day.filer, kind="stable")
    counts = np.bincount(day.filer, minlength=pop.filer_codes.size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(day.n_entries, dtype=np.int64)
    rank[order] = np.arange(day.n_entries) - starts[day.filer[order]]
    day.serial = (pop.filer_offset[day.filer] + day.day * SERIALS_PER_FILER_DAY + rank) % SERIAL_SPACE
    day.numbers = entry_numbers(pop.filer_codes[day.filer], day.serial)


_DIGIT_OF = np.zeros(128, dtype=np.int64)
_DIGIT_OF[ord("0") : ord("9") + 1] = np.arange(10)
_DIGIT_OF[ord("A") : ord("Z") + 1] = np.arange(1, 27) % 10


def luhn_digits(filers: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """Vectorised `identifiers.luhn_check_digit` over filer code + 7-digit serial (a test proves they agree)."""
    chars = np.frombuffer("".join(filers).encode(), dtype=np.uint8).reshape(-1, 3)
    digits = np.concatenate([_DIGIT_OF[chars], (serials[:, None] // 10 ** np.arange(6, -1, -1)) % 10], axis=1)
    # From the right, positions 0, 2, 4 ... of the payload are doubled (the check digit follows the payload).
    doubled = digits[:, ::-1][:, 0::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + digits[:, ::-1][:, 1::2].sum(axis=1)
    return (10 - total % 10) % 10


def entry_numbers(filers: np.ndarray, serials: np.ndarray) -> pa.Array:
    parts = [
        pa.array(filers.astype(str)),
        text.integer(serials, 7),
        text.integer(luhn_digits(filers, serials)),
    ]
    return pc.binary_join_element_wise(*parts, "-")


def price(pop: Population, tariff: Tariff, day: Day) -> None:
    """Duties, AD/CVD deposits and fees from the declaration (and what was truly owed from the truth)."""
    rate = tariff.rate_micro[day.hs] / 1e6
    rate_true = tariff.rate_micro[day.hs_true] / 1e6
    day.duty = np.where(day.spi >= 0, 0, np.round(day.value * rate)).astype(np.int64)
    day.duty_true = np.where(day.spi_true >= 0, 0, np.round(day.value_true * rate_true)).astype(np.int64)
    deposit_rate = np.where(day.order >= 0, pop.orders["deposit_micro"][np.maximum(day.order, 0)], 0) / 1e6
    deposit_rate_true = (
        np.where(day.order_true >= 0, pop.orders["deposit_micro"][np.maximum(day.order_true, 0)], 0) / 1e6
    )
    day.deposit = np.round(day.value * deposit_rate).astype(np.int64)
    day.deposit_true = np.round(day.value_true * deposit_rate_true).astype(np.int64)
    entry_value = np.bincount(day.entry, weights=day.value, minlength=day.n_entries)
    # The minimum and maximum in force on the day the entry is filed (warehouse/contract/fees.py).
    filed_days, which = np.unique(day.filed.astype("datetime64[s]").astype("datetime64[D]"), return_inverse=True)
    limits = [mpf_limits_clamped(d) for d in filed_days.astype(object).tolist()]
    bounds = np.array([(lim.minimum_usd, lim.maximum_usd) for lim in limits], dtype=float)
    mpf_min, mpf_max = bounds[which, 0] * 100, bounds[which, 1] * 100
    entry_mpf = np.clip(entry_value * cal.MPF_RATE, mpf_min, mpf_max)
    day.mpf = np.round(entry_mpf[day.entry] * day.value / entry_value[day.entry]).astype(np.int64)
    vessel = np.isin(np.asarray(MODES)[day.mode], VESSEL_MODES)[day.entry]
    day.hmf = np.where(vessel, np.round(day.value * cal.HMF_RATE), 0).astype(np.int64)


def entries_table(pop: Population, tariff: Tariff, day: Day, version: int = 1) -> pa.Table:
    """The contract `entries` rows of the day as text; header fields are formatted per entry, then repeated."""
    feed = FEEDS["entries"]
    v = pop.vocab
    modes = np.asarray(MODES)[day.mode]
    bol = pc.binary_join_element_wise(text.take(CARRIERS, day.bol_kind), text.integer(day.bol_number, 10), "")
    bol = text.with_nulls(bol, ~np.isin(modes, VESSEL_MODES) & (day.bol_number % 7 == 0))
    released = day.released
    header = {
        "entry_number": day.numbers,
        "entry_version": text.constant(str(version), day.n_entries),
        "entry_type": text.take(ENTRY_TYPES, day.etype),
        "filer_code": text.take(v["filer"], day.filer),
        "importer_number": text.take(v["importer"], day.importer),
        "port_code": text.take(v["port"], day.port),
        "mode_of_transport": text.take(MODES, day.mode),
        "country_of_export": text.take(v["country"], day.export),
        "manufacturer_id": text.take(v["mid"], day.mid),
        "bill_of_lading": bol,
        "arrival_date": text.date(day.arrival),
        "filed_at": text.timestamp(day.filed),
        "released_at": text.with_nulls(text.timestamp(np.maximum(released, 0)), released < 0),
    }
    repeat = pa.array(day.entry)
    columns = {name: values.take(repeat) for name, values in header.items()}
    weight = day.weight
    hs = pa.array(day.hs)
    columns |= {
        "line_number": text.integer(day.line),
        "hts_code": pc.binary_join_element_wise(
            tariff.hs6.take(hs), tariff.suffix_vocab.take(pa.array(day.suffix)), ""
        ),
        "description": tariff.description.take(hs),
        "country_of_origin": text.take(v["country"], day.origin),
        "quantity": text.scaled(day.qty, 3),
        "unit": text.take(tariff.units, tariff.unit[day.hs]),
        "gross_weight_kg": text.with_nulls(text.scaled(np.maximum(weight, 0), 3), weight < 0),
        "entered_value_usd": text.scaled(day.value, 2),
        "duty_rate": tariff.rate_text.take(hs),
        "duty_usd": text.scaled(filled(day.duty), 2),
        "spi_code": text.with_nulls(text.take(spi_vocabulary(), np.maximum(day.spi, 0)), day.spi < 0),
        "adcvd_case": text.with_nulls(text.take(v["case"], np.maximum(day.order, 0)), day.order < 0),
        "adcvd_deposit_usd": text.with_nulls(text.scaled(filled(day.deposit), 2), day.order < 0),
        "mpf_usd": text.scaled(filled(day.mpf), 2),
        "hmf_usd": text.scaled(filled(day.hmf), 2),
        "related_party": text.with_nulls(text.boolean(day.related[day.entry] > 0), day.related[day.entry] < 0),
    }
    return text.table(feed, columns)
