"""Account and reference feeds: importers (registry), programs, rules (targeting catalogue), adcvd_orders.

Day 1 delivers a full snapshot; later days deliver changes only: new importers and successors on the day they
start, name and address changes, new programme enrolments, new and retired rules.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from warehouse.contract import FEEDS
from warehouse.generator import names, text
from warehouse.generator.population import Population
from warehouse.generator.randomness import stream


def _registry_rows(pop: Population, idx: np.ndarray, day_n: int, changed_street=None) -> pa.Table:
    imp = pop.importers
    text_of = imp.text_of(idx)
    data = {
        "importer_number": imp.number[idx],
        "effective_date": np.full(idx.size, day_n),
        "legal_name": text_of["legal_name"],
        "dba_name": text_of["dba_name"],
        "street": text_of["street"] if changed_street is None else changed_street,
        "city": text_of["city"],
        "state": text_of["state"],
        "postal_code": text_of["postal_code"],
        "country": text_of["country"],
        "phone": text_of["phone"],
        "officer_name": text_of["officer"],
        "bond_number": text_of["bond"],
        "prior_importer_number": imp.prior_declared[idx],
    }
    return text.rows_table(FEEDS["importers"], data, idx.size)


def importers(pop: Population, index: int, day_n: int) -> pa.Table:
    imp = pop.importers
    if index == 0:
        return _registry_rows(pop, np.flatnonzero(imp.start_day == 0), day_n)
    rng = stream(pop.seed, "registry", day_n)
    starting = np.flatnonzero(imp.start_day == index)
    active = np.flatnonzero((imp.start_day < index) & (imp.end_day >= index))
    moved = np.sort(rng.choice(active, min(active.size, max(1, int(rng.poisson(active.size * 2e-4)))), replace=False))
    street = text.join(
        text.integer(rng.integers(1, 9999, moved.size)),
        " ",
        np.asarray(names.STREETS, dtype=object)[rng.integers(0, len(names.STREETS), moved.size)],
        " AVE",
    )
    # The change row carries the new address. No later row reads it: only importers starting that day (never one
    # that moved before) and successors (whose address is their predecessor's at the start) are delivered whole.
    tables = [_registry_rows(pop, starting, day_n), _registry_rows(pop, moved, day_n, street)]
    return pa.concat_tables(tables)


def programs(pop: Population, index: int, day_n: int) -> pa.Table:
    imp = pop.importers
    rng = stream(pop.seed, "programs", day_n)
    feed = FEEDS["programs"]
    if index == 0:
        eligible = np.flatnonzero(imp.start_day == 0)
        p_ctpat = np.where(imp.top[eligible], 0.6, 0.02)
        ctpat = eligible[rng.random(eligible.size) < p_ctpat]
        isa = ctpat[rng.random(ctpat.size) < 0.3]
        nam = eligible[imp.top[eligible] & (rng.random(eligible.size) < 0.15)]
        who = np.concatenate([ctpat, isa, nam])
        program = np.repeat(np.array(["ctpat", "isa", "nam"], dtype=object), [ctpat.size, isa.size, nam.size])
        enrolled = day_n - rng.integers(30, 4000, who.size)
        # numpy's stubs reject None, which np.where takes as an object scalar
        tier = np.where(  # type: ignore[call-overload]
            program == "ctpat",
            np.array(["tier_1", "tier_2", "tier_3"], dtype=object)[rng.integers(0, 3, who.size)],
            None,
        )
        # numpy's stubs reject None, which np.where takes as an object scalar
        left = np.where(rng.random(who.size) < 0.05, enrolled + rng.integers(1, 25, who.size), None)  # type: ignore[call-overload]
    else:
        active = np.flatnonzero((imp.start_day <= index) & (imp.end_day >= index))
        who = active[rng.random(active.size) < 1e-4]
        program = np.full(who.size, "ctpat", dtype=object)
        enrolled = np.full(who.size, day_n)
        tier = np.full(who.size, "tier_1", dtype=object)
        left = np.full(who.size, None)
    data = {
        "importer_number": imp.number[who],
        "program": program,
        "tier": tier,
        "enrolled_on": enrolled,
        "left_on": left,
    }
    return text.rows_table(feed, data, who.size)


def rules(pop: Population, index: int, day_n: int) -> pa.Table:
    r = pop.rules
    if index == 0:
        idx = np.arange(r["rule_id"].size)
        # numpy's stubs reject None, which np.where takes as an object scalar
        retired = np.where(r["retired_on"] >= 0, r["retired_on"], None)  # type: ignore[call-overload]
    else:
        # Decayed rules are finally retired by the agency a while after they stopped working.
        idx = np.flatnonzero(r["decaying"] & (index == 10 * r["half_life"]))
        retired = np.full(idx.size, day_n)
    data = {
        "rule_id": r["rule_id"][idx],
        "environment": r["environment"][idx],
        "pti": r["pti"][idx],
        "description": r["description"][idx],
        "created_on": r["created_on"][idx],
        "retired_on": retired,
    }
    return text.rows_table(FEEDS["rules"], data, idx.size)


def adcvd_orders(pop: Population, index: int, day_n: int) -> pa.Table:
    o = pop.orders
    idx = np.arange(o["case_number"].size) if index == 0 else np.empty(0, dtype=np.int64)
    data = {
        "case_number": o["case_number"][idx],
        "country": o["country"][idx],
        "hts_prefix": o["hts_prefix"][idx],
        "product": o["product"][idx],
        "deposit_rate": o["deposit_micro"][idx] / 1e6,
        "effective_on": o["effective_on"][idx],
        # numpy's stubs reject None, which np.where takes as an object scalar
        "revoked_on": np.where(o["revoked_on"][idx] >= 0, o["revoked_on"][idx], None),  # type: ignore[call-overload]
    }
    return text.rows_table(FEEDS["adcvd_orders"], data, idx.size)


ACCOUNT_FEEDS = ("importers", "programs", "rules", "adcvd_orders")


def accounts(pop: Population, index: int, day_n: int) -> dict[str, pa.Table]:
    return {
        "importers": importers(pop, index, day_n),
        "programs": programs(pop, index, day_n),
        "rules": rules(pop, index, day_n),
        "adcvd_orders": adcvd_orders(pop, index, day_n),
    }
