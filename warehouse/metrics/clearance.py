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

SPEED_TABLE = "clearance_speed"
INDEX_TABLE = "clearance_index"
SPEED_NOTE = "census of released entries with no material discrepancy found; order-statistic 95% interval"
# The index table's own columns (typed, so a table of zero rows has them too).
INDEX_EXTRA_COLUMNS = {"goods_types": "bigint", "base_period": "varchar"}
INDEX_NOTE = "Laspeyres: 100 * sum(base entries x median arrival-to-release) / same in base period {base}; census"

UNITS_SQL = f"""
with principal_line as (
    select entry_number, hts_code,
        row_number() over (partition by entry_number order by entered_value_usd desc, line_number) as rank
    from marts.fct_entry_lines
)
select
    {period_sql("d")},
    e.mode_of_transport as mode,
    e.port_code as port,
    coalesce(c.hs_section, 'unknown') as goods_type,
    cast(lc.arrival_to_release_hours as double) as arrival_to_release_hours,
    cast(lc.filing_to_release_hours as double) as filing_to_release_hours
from marts.mart_entry_lifecycle as lc
join marts.fct_entries as e on e.entry_number = lc.entry_number
join marts.dim_dates as d on d.date_day = e.filed_date
left join principal_line as p on p.entry_number = e.entry_number and p.rank = 1
left join marts.dim_commodities as c on c.hts_code = p.hts_code
where lc.is_released and not coalesce(lc.has_material_discrepancy, false)
"""

# Unpivot (domain, period kind, hours measure), then per group the quantiles and the sorted hours, whose 1-based
# elements at the interval's ranks are the bounds (quantile_cont wants a constant quantile, hence one per column).
QUANTILE_SQL = """
with by_domain as (
    select fiscal_year_label, fiscal_quarter_label, 'mode' as domain, mode as domain_value,
        arrival_to_release_hours, filing_to_release_hours
    from clearance_units
    union all
    select fiscal_year_label, fiscal_quarter_label, 'goods_type', goods_type,
        arrival_to_release_hours, filing_to_release_hours
    from clearance_units
    union all
    select fiscal_year_label, fiscal_quarter_label, 'port', port,
        arrival_to_release_hours, filing_to_release_hours
    from clearance_units
),
by_period as (
    select 'fiscal_year' as period_kind, fiscal_year_label as period,
        * exclude (fiscal_year_label, fiscal_quarter_label)
    from by_domain
    union all
    select 'fiscal_quarter', fiscal_quarter_label, * exclude (fiscal_year_label, fiscal_quarter_label) from by_domain
),
long as (
    select period_kind, period, domain, domain_value, 'arrival_to_release_hours' as metric,
        arrival_to_release_hours as hours
    from by_period
    union all
    select period_kind, period, domain, domain_value, 'filing_to_release_hours', filing_to_release_hours
    from by_period
),
grouped as (
    select period_kind, period, domain, domain_value, metric, count(*) as n,
        quantile_cont(hours, 0.5) as median, quantile_cont(hours, 0.9) as p90,
        list(hours order by hours) as sorted
    from long
    where hours is not null
    group by all
)
select period_kind, period, domain, domain_value, metric, q, n,
    case q when 0.5 then median else p90 end as estimate,
    sorted[cast(greatest(1, least(n, floor(n * q - $z * sqrt(n * q * (1 - q))))) as bigint)] as ci_low,
    sorted[cast(greatest(1, least(n, ceil(n * q + $z * sqrt(n * q * (1 - q))) + 1)) as bigint)] as ci_high
from grouped, (select unnest([0.5, 0.9]::double[]) as q)
"""


def load_units(con) -> pd.DataFrame:
    """One row per compliant released entry: its periods, mode, goods type and hours."""
    return con.execute(UNITS_SQL).df()


def quantile_estimates(con, units: pd.DataFrame) -> pd.DataFrame:
    """Median and p90 with order-statistic intervals per period, domain (mode, goods_type, port) and hours measure."""
    con.register("clearance_units", units)
    try:
        return con.execute(QUANTILE_SQL, {"z": Z95}).df()
    finally:
        con.unregister("clearance_units")


def clearance_speed(con, units: pd.DataFrame) -> pd.DataFrame:
    """The metrics.clearance_speed table."""
    q = quantile_estimates(con, units)
    name = {0.5: "median", 0.9: "p90"}  # the two quantiles QUANTILE_SQL computes
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
