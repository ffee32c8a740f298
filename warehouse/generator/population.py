"""The standing world a run draws from: importers (with real-world entities and planted successors), filers,
manufacturers, the tariff, ports, targeting rules and AD/CVD orders.

It depends only on (seed, scale, start) and is small (one row per importer, not per entry), so every day can be
generated from it on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
import pyarrow as pa

from warehouse.generator import calibration as cal
from warehouse.generator import names, text
from warehouse.generator.randomness import stream, weighted_choice
from warehouse.generator.refdata import Reference, reference

ALNUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
LETTERS = ALNUM[:26]
# Commerce Department country codes used in AD/CVD case numbers.
COMMERCE_CODES = {
    "CN": 570, "VN": 552, "IN": 533, "KR": 580, "TW": 583, "MX": 201, "ID": 560, "TH": 549, "TR": 489,
    "BR": 351, "MY": 557,
}  # fmt: skip
ORDER_COUNTRY_WEIGHTS = (0.5, 0.1, 0.08, 0.06, 0.05, 0.04, 0.04, 0.04, 0.04, 0.03, 0.02)
ORDER_CHAPTERS = (72, 73, 76, 40, 44, 94, 84, 85, 29, 28, 39, 48, 3, 16, 20, 70, 69)


def random_strings(rng: np.random.Generator, n: int, width: int, alphabet: np.ndarray) -> np.ndarray:
    """n random strings of a fixed width over an alphabet, without a Python loop per string."""
    codes = alphabet[rng.integers(0, alphabet.size, size=(n, width))]
    return np.ascontiguousarray(codes).view(f"S{width}").ravel().astype(str).astype(object)


def affine_unique(rng: np.random.Generator, n: int, modulus: int) -> np.ndarray:
    """n distinct integers in [0, modulus): an affine permutation of 0..n-1 (multiplier coprime to modulus)."""
    while True:
        a = int(rng.integers(1, modulus))
        if np.gcd(a, modulus) == 1:
            break
    b = int(rng.integers(0, modulus))
    return (np.arange(n, dtype=np.int64) * a + b) % modulus


TEXT_FIELDS = (
    "legal_name",
    "dba_name",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "officer",
    "bond",
)


@dataclass
class Importers:
    number: np.ndarray  # importer_number strings
    entity: np.ndarray  # real-world entity id strings
    entry_weight: np.ndarray  # share of entries
    value_factor: np.ndarray  # multiplier on line values (the top group imports bigger lines)
    risk: np.ndarray  # propensity to be non-compliant (mean about 1)
    start_day: np.ndarray  # first day index of activity (new importers and successors start later)
    end_day: np.ndarray  # last day index of activity (retired after a penalty)
    filer: np.ndarray  # index of the usual filer
    top: np.ndarray  # in the top group of the calibration
    prior_declared: np.ndarray  # prior importer number as declared (None if not declared)
    # Successor pairs: (old index, new index, penalty day index)
    successors: np.ndarray
    draws: dict[str, np.ndarray]  # the random choices behind the registry text
    _text: dict[str, np.ndarray] = field(default_factory=dict)  # fields built for every importer

    def text_of(self, rows: np.ndarray, fields: tuple[str, ...] = TEXT_FIELDS) -> dict[str, np.ndarray]:
        """Registry text (object arrays) of some importers, built from their draws when asked for.

        Drawing days needs none of it: the first day does not wait for 250,000 addresses, the writer process builds
        day 1's registry while day 1 is drawn, and later days build only the few rows they deliver.
        """
        if all(name in self._text for name in fields):
            return {name: self._text[name][rows] for name in fields}
        return _importer_text(self.draws, self.successors, np.asarray(rows, dtype=np.int64), fields)

    def text(self, name: str) -> np.ndarray:
        """One text field of every importer (kept once built)."""
        if name not in self._text:
            every = np.arange(self.number.size)
            self._text[name] = _importer_text(self.draws, self.successors, every, (name,))[name]
        return self._text[name]

    legal_name = property(lambda self: self.text("legal_name"))


@dataclass
class Population:
    seed: int
    scale: float
    start: date
    ref: Reference
    importers: Importers
    filer_codes: np.ndarray
    filer_offset: np.ndarray
    mid: np.ndarray
    mid_country: np.ndarray
    mid_start: dict[str, int]
    mid_count: dict[str, int]
    country_codes: np.ndarray  # countries drawn from, with weights
    country_weights: np.ndarray
    port_codes: np.ndarray
    port_kind: np.ndarray
    port_weights: np.ndarray
    hs_rate_micro: np.ndarray  # general duty rate of each reference subheading, in millionths
    hs_weights: np.ndarray
    pti_of_chapter: np.ndarray  # PTI name per chapter 0..99
    rules: dict[str, np.ndarray]
    orders: dict[str, np.ndarray]

    @property
    def vocab(self) -> dict[str, pa.Array]:
        """Arrow vocabularies of the big code lists, built once, for `take` by index."""
        if not hasattr(self, "_vocab"):
            self._vocab = {
                "importer": pa.array(self.importers.number.astype(str)),
                "filer": pa.array(self.filer_codes.astype(str)),
                "mid": pa.array(self.mid.astype(str)),
                "port": pa.array(self.port_codes.astype(str)),
                "country": pa.array(self.country_codes.astype(str)),
                "case": pa.array(self.orders["case_number"].astype(str)),
                "entity": pa.array(self.importers.entity.astype(str)),
                "pti": pa.array(self.pti_of_chapter.astype(str)),
            }
        return self._vocab

    @cached_property
    def country_position(self) -> dict[str, int]:
        """Index of each country code in `country_codes`."""
        return {c: i for i, c in enumerate(self.country_codes)}

    @property
    def mid_start_array(self) -> np.ndarray:
        return np.array([self.mid_start[c] for c in self.country_codes])

    @property
    def mid_count_array(self) -> np.ndarray:
        return np.array([self.mid_count[c] for c in self.country_codes])

    @property
    def top_count(self) -> int:
        return int(self.importers.top.sum())


def top_importer_count(scale: float) -> int:
    """The published "top 500 importers" scaled with the population: 500 x scale, at least 5."""
    return max(5, round(cal.TOP_IMPORTERS * scale))


def _zipf(n: int, exponent: float) -> np.ndarray:
    w = np.arange(1, n + 1, dtype=float) ** -exponent
    return w / w.sum()


def _importer_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique numbers: mostly IRS numbers with a 2-character suffix, some CBP-assigned YYDDPP-NNNNN."""
    v = affine_unique(rng, n, 10**9)
    suffix = np.where(rng.random(n) < 0.9, "00", "01")
    irs = text.join(text.integer(v // 10**7, 2), "-", text.integer(v % 10**7, 7), suffix)
    cbp = text.join(text.integer(v // 100000 % 1000000, 6), "-", text.integer(v % 100000, 5))
    return np.where(rng.random(n) < 0.12, cbp, irs)


def _importers(rng: np.random.Generator, scale: float, n_filers: int, n_active: int) -> Importers:
    top_n = top_importer_count(scale)
    n_succ = max(3, round(cal.SUCCESSORS * scale))
    n = n_active + n_succ
    weight = np.zeros(n)
    weight[:top_n] = cal.TOP_IMPORTER_ENTRY_SHARE * _zipf(top_n, 0.6)
    weight[top_n:n_active] = (1 - cal.TOP_IMPORTER_ENTRY_SHARE) * _zipf(n_active - top_n, 0.8)
    share = cal.TOP_IMPORTER_ENTRY_SHARE
    target = cal.TOP_IMPORTER_VALUE_SHARE
    top_factor = target * (1 - share) / ((1 - target) * share)
    value_factor = np.ones(n)
    value_factor[:top_n] = top_factor
    risk = np.choose(weighted_choice(rng, (0.88, 0.10, 0.02), n), (0.4, 2.5, 12.0)).astype(float)
    risk[:top_n] = 0.3
    start = np.zeros(n, dtype=np.int64)
    new = (rng.random(n) < 0.03) & (np.arange(n) >= top_n)
    start[new] = rng.integers(1, 180, new.sum())
    end = np.full(n, 10**6, dtype=np.int64)
    # Successors: risky mid-size importers penalised on a planned day re-appear under a new number next day.
    candidates = np.flatnonzero((np.arange(n) >= top_n) & (np.arange(n) < n_active) & ~new)
    old = np.sort(rng.choice(candidates[: max(n_succ * 20, 1)], n_succ, replace=False))
    new_idx = np.arange(n_active, n)
    penalty_day = np.arange(n_succ, dtype=np.int64) * cal.SUCCESSOR_SPACING_DAYS
    end[old] = penalty_day
    start[new_idx] = penalty_day + 1 + rng.integers(0, 2, n_succ)
    weight[new_idx] = weight[old]
    risk[old] = 12.0
    risk[new_idx] = 12.0
    entity = text.join("E", text.integer(np.arange(n), 7))
    entity[new_idx] = entity[old]

    number = _importer_numbers(rng, n)
    # Only the choices are drawn here (cheap), in the order the text is built from them; see `_importer_text`.
    words = len(names.NAME_WORDS), len(names.NAME_TRADES)
    draws = {
        "legal": np.stack([rng.integers(0, k, n) for k in (*words, len(names.NAME_SUFFIXES))]),
        "has_dba": rng.random(n) < 0.25,
        "dba": np.stack([rng.integers(0, k, n) for k in words]),
        "city": rng.integers(0, len(names.CITIES), n),
        "zip": rng.integers(0, 100, n),
        "street": np.stack(
            [
                rng.integers(1, 9999, n),
                rng.integers(0, len(names.STREETS), n),
                rng.integers(0, len(names.STREET_TYPES), n),
            ]
        ),
        "in_us": rng.random(n) < 0.93,
        "abroad": rng.integers(0, len(ABROAD), n),
        "phone": np.stack([rng.integers(201, 990, n), rng.integers(200, 999, n), rng.integers(0, 10000, n)]),
        "officer": np.stack([rng.integers(0, len(names.FIRST_NAMES), n), rng.integers(0, len(names.LAST_NAMES), n)]),
        "bond": rng.integers(0, 10**8, n),
    }
    prior = np.full(n, None, dtype=object)
    for o, m in zip(old, new_idx, strict=True):
        if rng.random() < 0.4:
            prior[m] = number[o]
    filer = (np.arange(n) * 7919 + rng.integers(0, n_filers)) % n_filers
    filer[new_idx] = filer[old]
    successors = np.stack([old, new_idx, penalty_day], axis=1)
    return Importers(
        number, entity, weight / weight.sum(), value_factor, risk, start, end, filer, np.arange(n) < top_n,
        prior, successors, draws,
    )  # fmt: skip


ABROAD = ("CA", "MX", "CN", "HK", "DE", "GB")


def _importer_text(draws: dict, successors: np.ndarray, rows: np.ndarray, fields: tuple[str, ...]) -> dict:
    """The registry text of `rows` from the draws. A successor keeps its predecessor's address, phone, officer and
    trade name and takes a near-identical legal name: that text is built from the predecessor's draws."""
    if rows.size == 0:
        return {name: np.empty(0, dtype=object) for name in fields}
    source = rows.copy()
    new_of = dict(zip(successors[:, 1].tolist(), successors[:, 0].tolist(), strict=True))
    heirs = [(position, row) for position, row in enumerate(rows.tolist()) if row in new_of]
    for position, row in heirs:
        source[position] = new_of[row]
    out = {}
    for name in fields:
        taken = rows if name in OWN_TEXT else source
        out[name] = _TEXT_BUILDERS[name]({key: value[..., taken] for key, value in draws.items()})
    if "legal_name" in out:
        for position, row in heirs:
            out["legal_name"][position] = _near_identical(out["legal_name"][position], row)
    return out


OWN_TEXT = ("bond",)  # a successor has a bond of its own


def _cities(column: int):
    return lambda d: np.array([c[column] for c in names.CITIES], dtype=object)[d["city"]]


_TEXT_BUILDERS = {
    "legal_name": lambda d: text.join(
        text.take(names.NAME_WORDS, d["legal"][0]),
        " ",
        text.take(names.NAME_TRADES, d["legal"][1]),
        " ",
        text.take(names.NAME_SUFFIXES, d["legal"][2]),
    ),
    # numpy's stubs reject None, which np.where takes as an object scalar
    "dba_name": lambda d: np.where(  # type: ignore[call-overload]
        d["has_dba"],
        text.join(text.take(names.NAME_WORDS, d["dba"][0]), " ", text.take(names.NAME_TRADES, d["dba"][1])),
        None,
    ),
    "street": lambda d: text.join(
        text.integer(d["street"][0]),
        " ",
        text.take(names.STREETS, d["street"][1]),
        " ",
        text.take(names.STREET_TYPES, d["street"][2]),
    ),
    "city": _cities(0),
    "state": _cities(1),
    "postal_code": lambda d: text.join(_cities(2)(d), text.integer(d["zip"], 2)),
    "country": lambda d: np.where(d["in_us"], "US", np.asarray(ABROAD, dtype=object)[d["abroad"]]).astype(object),
    "phone": lambda d: text.join(
        "+1-",
        text.integer(d["phone"][0]),
        "-",
        text.integer(d["phone"][1]),
        "-",
        text.integer(d["phone"][2], 4),
    ),
    "officer": lambda d: text.join(
        text.take(names.FIRST_NAMES, d["officer"][0]), " ", text.take(names.LAST_NAMES, d["officer"][1])
    ),
    "bond": lambda d: text.join("9", text.integer(d["bond"], 8)),
}


def _near_identical(name: str, salt: int) -> str:
    words = name.split()
    variant = salt % 3
    if variant == 0:
        return " ".join([*words[:-1], "INTL", words[-1]])
    if variant == 1:
        return " ".join([*words[:-1], "LLC" if words[-1] != "LLC" else "INC"])
    first = words[0]
    return " ".join([first[:-1] if len(first) > 3 else first + first[-1], *words[1:]])


def _countries(ref: Reference) -> tuple[np.ndarray, np.ndarray]:
    named = cal.COUNTRY_WEIGHTS
    rest = [c for c in ref.countries if c not in named and c != "US"]
    codes = np.array([*named, *rest], dtype=object)
    weights = np.array([*named.values(), *([cal.REST_COUNTRY_WEIGHT / len(rest)] * len(rest))])
    return codes, weights / weights.sum()


def _ports(ref: Reference) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    listed = {code for code, _, _ in cal.PORTS}
    others = [p for p in ref.ports if p not in listed and p >= "0100"]
    codes = [code for code, _, _ in cal.PORTS] + others
    kinds = [kind for _, kind, _ in cal.PORTS] + [("sea", "air")[i % 2] for i in range(len(others))]
    weights = [w for _, _, w in cal.PORTS] + [cal.OTHER_PORTS_WEIGHT / len(others)] * len(others)
    return np.array(codes, dtype=object), np.array(kinds, dtype=object), np.array(weights) / sum(weights)


def _tariff(rng: np.random.Generator, ref: Reference) -> tuple[np.ndarray, np.ndarray]:
    chapters = ref.hs6_chapter
    free = rng.random(chapters.size) < cal.FREE_SUBHEADING_SHARE
    rates = np.asarray(cal.DUTY_RATES)[weighted_choice(rng, cal.DUTY_RATE_WEIGHTS, chapters.size)]
    high = np.isin(chapters, cal.HIGH_RATE_CHAPTERS)
    rates = np.where(high, np.maximum(rates, 0.08), rates)
    free &= ~high | (rng.random(chapters.size) < 0.1)
    # Energy, pharmaceuticals and much machinery are free or nearly so under HTSUS.
    free |= np.isin(chapters, (27, 30, 49, 97)) | (np.isin(chapters, (84, 85, 88)) & (rng.random(chapters.size) < 0.3))
    rate_micro = np.where(free, 0, np.round(rates * 1e6)).astype(np.int64)
    chapter_weight = np.array([cal.CHAPTER_WEIGHTS.get(c, 0.0) for c in range(100)])
    unlisted = np.setdiff1d(np.unique(chapters), list(cal.CHAPTER_WEIGHTS))
    chapter_weight[unlisted] = cal.REST_CHAPTER_WEIGHT / unlisted.size
    per_chapter = np.bincount(chapters, minlength=100)
    weights = chapter_weight[chapters] / per_chapter[chapters]
    return rate_micro, weights / weights.sum()


def _pti_of_chapter() -> np.ndarray:
    pti = np.full(100, "revenue", dtype=object)
    for name, chapters in reversed(cal.PTI_BY_CHAPTER):
        pti[list(chapters)] = name
    return pti


def _manufacturers(rng, scale, countries, weights):
    total = max(2_000, round(cal.MANUFACTURERS * scale))
    counts = np.maximum(3, np.round(weights * total)).astype(np.int64)
    country = np.repeat(countries, counts)
    n = country.size
    mid = text.join(
        country,
        random_strings(rng, n, 6, LETTERS),
        text.integer(rng.integers(0, 9999, n), 4),
        random_strings(rng, n, 3, LETTERS),
    )
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return (
        mid,
        country,
        {c: int(s) for c, s in zip(countries, starts, strict=True)},
        {c: int(k) for c, k in zip(countries, counts, strict=True)},
    )


def _rules(rng: np.random.Generator, start: date, pti_of_chapter: np.ndarray, countries) -> dict[str, np.ndarray]:
    n = cal.TARGETING_RULES
    pti_chapters = {p: [c for c in range(1, 98) if pti_of_chapter[c] == p] for p in set(pti_of_chapter)}
    pti_names = sorted(pti_chapters)
    pti = np.array([pti_names[i] for i in rng.integers(0, len(pti_names), n)], dtype=object)
    chapter_sets = [np.sort(rng.choice(pti_chapters[p], min(3, len(pti_chapters[p])), replace=False)) for p in pti]
    # numpy's stubs reject None, which np.where takes as an object scalar
    origin = np.where(rng.random(n) < 0.6, np.asarray(countries, dtype=object)[rng.integers(0, 12, n)], None)  # type: ignore[call-overload]
    env = np.array(["pre_entry", "entry", "post_release"], dtype=object)[weighted_choice(rng, (0.4, 0.5, 0.1), n)]
    start_ord = start.toordinal() - date(1970, 1, 1).toordinal()
    created = start_ord - rng.integers(30, 2000, n)
    retired = np.where(rng.random(n) < 0.1, start_ord - rng.integers(1, 29, n), -1)
    active = retired < 0
    decaying = active & (rng.random(n) < cal.DECAYING_RULE_SHARE)
    decaying[np.flatnonzero(active)[:2]] = True  # at least two, so every run plants the scheme
    half_life = rng.integers(*cal.DECAY_HALF_LIFE_DAYS, n)
    descriptions = np.array(
        [
            # A rule selects lines in its chapters or from its origin (exams._rule_weights), and says so.
            f"{p} lines in chapters {', '.join(f'{c:02d}' for c in chs)}" + (f" or from {o}" if o else "")
            for p, chs, o in zip(pti, chapter_sets, origin, strict=True)
        ],
        dtype=object,
    )
    # The last 10% of positions let an 'ipr' rule point at the scheme's chapters in any seed.
    pti_code = pti.copy()
    return {
        "rule_id": np.array([f"TR{1000 + i}" for i in range(n)], dtype=object),
        "environment": env,
        "pti": pti_code,
        "chapters": np.array(chapter_sets, dtype=object),
        "origin": origin,
        "description": descriptions,
        "created_on": created,
        "retired_on": retired,
        "active": active,
        "decaying": decaying,
        "half_life": half_life,
        "lift": rng.uniform(6.0, 30.0, n),
    }


def _orders(rng: np.random.Generator, start: date, ref: Reference, rate_micro: np.ndarray) -> dict[str, np.ndarray]:
    n = 60
    codes = list(COMMERCE_CODES)
    country = np.array(codes, dtype=object)[weighted_choice(rng, ORDER_COUNTRY_WEIGHTS, n)]
    country[:3] = "CN"  # transshipment evasion needs Chinese orders
    chapters = ref.hs6_chapter
    eligible = np.flatnonzero(np.isin(chapters, ORDER_CHAPTERS))
    anchor = rng.choice(eligible, n, replace=False)
    heading_only = rng.random(n) < 0.4
    hs6 = ref.hs6[anchor]
    prefix = np.where(heading_only, np.array([h[:4] for h in hs6], dtype=object), hs6)
    kind = np.where(rng.random(n) < 0.7, "A", "C")
    serial = affine_unique(rng, n, 1000)
    case = np.array(
        [f"{k}-{COMMERCE_CODES[c]:03d}-{s:03d}-000" for k, c, s in zip(kind, country, serial, strict=True)],
        dtype=object,
    )
    start_ord = start.toordinal() - date(1970, 1, 1).toordinal()
    deposit = np.clip(rng.lognormal(np.log(0.45), 0.9, n), 0.02, 3.5)
    revoked = np.where(rng.random(n) < 0.08, start_ord - rng.integers(1, 300, n), -1)
    revoked[:3] = -1
    return {
        "case_number": case,
        "country": country,
        "hts_prefix": prefix,
        "anchor": anchor,
        "product": np.array([d[:120] for d in ref.hs6_description[anchor]], dtype=object),
        "deposit_micro": np.round(deposit * 1e6).astype(np.int64),
        "effective_on": start_ord - rng.integers(300, 8000, n),
        "revoked_on": revoked,
        "active": revoked < 0,
    }


def build_population(seed: int, scale: float, start: date) -> Population:
    ref = reference()
    rng = stream(seed, "population")
    n_filers = max(20, round(cal.FILERS * scale))
    n_active = max(300, round(cal.IMPORTERS * scale))
    importers = _importers(stream(seed, "importers"), scale, n_filers, n_active)
    filer_codes = np.unique(random_strings(rng, n_filers * 2, 3, ALNUM))[:n_filers]
    filer_codes = rng.permutation(filer_codes)
    filer_offset = rng.integers(0, 9_000_000, filer_codes.size)
    country_codes, country_weights = _countries(ref)
    mid, mid_country, mid_start, mid_count = _manufacturers(stream(seed, "mids"), scale, country_codes, country_weights)
    port_codes, port_kind, port_weights = _ports(ref)
    rate_micro, hs_weights = _tariff(stream(seed, "tariff"), ref)
    pti_of_chapter = _pti_of_chapter()
    return Population(
        seed=seed,
        scale=scale,
        start=start,
        ref=ref,
        importers=importers,
        filer_codes=filer_codes,
        filer_offset=filer_offset,
        mid=mid,
        mid_country=mid_country,
        mid_start=mid_start,
        mid_count=mid_count,
        country_codes=country_codes,
        country_weights=country_weights,
        port_codes=port_codes,
        port_kind=port_kind,
        port_weights=port_weights,
        hs_rate_micro=rate_micro,
        hs_weights=hs_weights,
        pti_of_chapter=pti_of_chapter,
        rules=_rules(stream(seed, "rules"), start, pti_of_chapter, country_codes),
        orders=_orders(stream(seed, "orders"), start, ref, rate_micro),
    )
