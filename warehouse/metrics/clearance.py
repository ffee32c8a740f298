"""Clearance speed of compliant imports: hours from arrival and from filing to release, median and 90th
percentile by mode of transport and type of goods, and a weighted index against a base period.

Unit: a released entry on which no exam found a material discrepancy (compliant as far as the agency knows;
unexamined entries count). Its period is that of its filing date. Mode is the entry's mode of transport code;
type of goods is the HS section of its line of highest entered value. Arrival is midnight UTC of the arrival date
(as in mart_entry_lifecycle), and goods released before filing give negative filing-to-release hours, kept as
they are (pre-filing release is part of the process being measured).

These are census figures (every entry counted), not sample estimates. The interval given is the distribution-
free order-statistic interval of the quantile, reading the period's entries as draws from the clearance process:
ranks n q -/+ 1.96 sqrt(n q (1-q)) (normal approximation to the binomial); std_error = its width / 3.92.
Domains: mode, goods type and port (the entry's port of entry, for the port report cards).

Index (Laspeyres, fixed base weights): index_t = 100 * sum_g v_g M_g,t / sum_g v_g M_g,0, where M_g,t is the
median arrival-to-release hours of goods type g in period t, v_g the number of entries of g in the base period
(the first period of that kind with data), over the goods types with at least MIN_SAMPLED entries in both periods.
Below 100 = faster than the base period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics.estimates import MIN_SAMPLED, Z95, empty_estimates, suppress_small_cells
from warehouse.metrics.periods import period_sql
from warehouse.sql_files import query

SPEED_TABLE = "clearance_speed"
INDEX_TABLE = "clearance_index"
SPEED_NOTE = "census of released entries with no material discrepancy found; order-statistic 95% interval"
# The index table's own columns (typed, so a table of zero rows has them too).
INDEX_EXTRA_COLUMNS = {"goods_types": "bigint", "base_period": "varchar"}
INDEX_NOTE = "Laspeyres: 100 * sum(base entries x median arrival-to-release) / same in base period {base}; census"


def load_units(con) -> pd.DataFrame:
    """One row per compliant released entry: its periods, mode, goods type and hours."""
    return con.execute(query(__package__, "clearance_units", period_columns=period_sql("d"))).df()


def quantile_estimates(con, units: pd.DataFrame) -> pd.DataFrame:
    """Median and p90 with order-statistic intervals per period, domain (mode, goods_type, port) and hours measure."""
    con.register("clearance_units", units)
    try:
        return con.execute(query(__package__, "clearance_quantiles"), {"z": Z95}).df()
    finally:
        con.unregister("clearance_units")


def clearance_speed(con, units: pd.DataFrame) -> pd.DataFrame:
    """The metrics.clearance_speed table."""
    q = quantile_estimates(con, units)
    name = {0.5: "median", 0.9: "p90"}  # the two quantiles clearance_quantiles.sql computes
    frame = pd.DataFrame(
        {
            "measure": q["metric"] + "_" + q["q"].round(1).map(name),
            "unit": "hours",
            "period_kind": q["period_kind"],
            "period": q["period"],
            "domain": q["domain"],
            "domain_value": q["domain_value"],
            "estimate": q["estimate"],
            "std_error": (q["ci_high"] - q["ci_low"]) / (2 * Z95),
            "ci_low": q["ci_low"],
            "ci_high": q["ci_high"],
            "n_sampled": q["n"].astype("int64"),
            "suppressed": False,
            "note": SPEED_NOTE,
        }
    )
    frame = frame.sort_values(["measure", "period_kind", "period", "domain", "domain_value"], ignore_index=True)
    return suppress_small_cells(frame)


def speed_index(cells: pd.DataFrame, base_period: str) -> pd.DataFrame:
    """Index per period from `cells` (columns period, goods_type, median_hours, entries) of one period kind and one
    domain: 100 * sum_g v_g M_g,t / sum_g v_g M_g,base with v_g the base period's entries, over goods types with at
    least MIN_SAMPLED entries in both periods. Returns period, estimate, n_sampled (entries of the compared goods
    types in the period), goods_types (how many were compared). Every period of `cells` gets a row: one with no
    goods type comparable (a first day of data, a small mode) has a NaN estimate, which the table suppresses."""
    usable = cells[cells["entries"] >= MIN_SAMPLED]
    base = usable[usable["period"] == base_period].set_index("goods_type")
    rows = []
    for period in sorted(cells["period"].unique()):
        current = usable[usable["period"] == period].set_index("goods_type")
        common = base.index.intersection(current.index)
        weights = base.loc[common, "entries"].astype(float)
        denominator = float((weights * base.loc[common, "median_hours"]).sum())
        numerator = float((weights * current.loc[common, "median_hours"]).sum())
        value = 100.0 * numerator / denominator if common.size and denominator != 0 else np.nan
        rows.append((period, value, int(current.loc[common, "entries"].sum()), int(common.size)))
    return pd.DataFrame(rows, columns=["period", "estimate", "n_sampled", "goods_types"])


def clearance_index(units: pd.DataFrame) -> pd.DataFrame:
    """The metrics.clearance_index table: overall and within each mode, per fiscal year and quarter."""
    frames = []
    for kind in ("fiscal_year", "fiscal_quarter"):
        period_column = f"{kind}_label"
        for domain, groups in (("overall", [("all", units)]), ("mode", units.groupby("mode", sort=True))):
            for value, part in groups:
                cells = (
                    part.dropna(subset=["arrival_to_release_hours"])
                    .groupby([period_column, "goods_type"])["arrival_to_release_hours"]
                    .agg(median_hours="median", entries="size")
                    .reset_index()
                    .rename(columns={period_column: "period"})
                )
                if cells.empty:
                    continue
                base = str(cells["period"].min())
                index = speed_index(cells, base)
                index["period_kind"], index["domain"], index["domain_value"] = kind, domain, str(value)
                index["base_period"] = base
                frames.append(index)
    if not frames:  # no released compliant entries yet: the full schema, no rows
        return empty_estimates(INDEX_EXTRA_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)
    frame["measure"], frame["unit"] = "clearance_speed_index", "index"
    frame["std_error"] = frame["ci_low"] = frame["ci_high"] = np.nan
    frame["suppressed"] = frame["estimate"].isna()
    frame["note"] = [
        INDEX_NOTE.format(base=b)
        if not s
        else f"suppressed: no goods type with {MIN_SAMPLED}+ entries in both this period and the base period"
        for b, s in zip(frame["base_period"], frame["suppressed"], strict=True)
    ]
    return frame
