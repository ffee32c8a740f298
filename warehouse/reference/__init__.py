"""Static reference data shipped with the platform (ports, countries, HS nomenclature, MPF limits) and its loader.

The CSV files in `data/` are real public copies; `data/SOURCES.md` gives their sources and licences. They are read
with every column as text so that `NA` (Namibia) stays a country and `0101` keeps its leading zero. The merchandise
processing fee limits come from the contract's fee table (`warehouse/contract/fees.py`, sources in its rows).
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

from warehouse.contract.fees import mpf_limits_rows

DATA_DIR = Path(str(files("warehouse.reference") / "data"))

# table -> (file, select list over the all-text CSV)
CSV_TABLES: dict[str, tuple[str, str]] = {
    "ports": (
        "us_ports.csv",
        "port_code, port_name, substr(port_code, 1, 2) as district_code",
    ),
    "countries": (
        "countries.csv",
        "iso2, iso3, iso_numeric, name, region, sub_region, is_least_developed = 'true' as is_least_developed",
    ),
    "hs_codes": (
        "hs_nomenclature.csv",
        "hscode, cast(level as integer) as level, section, description, parent",
    ),
    "hs_sections": ("hs_sections.csv", "section, name"),
}
# Every table of the `reference` schema: the CSV copies, then the MPF limits by effective date.
TABLES: tuple[str, ...] = (*CSV_TABLES, "mpf_limits")


def _header(path: Path) -> list[str]:
    # utf-8-sig drops the byte-order mark that hs_sections.csv starts with.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def read_csv_sql(path: Path) -> str:
    """A `read_csv` call that keeps every value as text and treats only an empty field as null."""
    escaped = str(path).replace("'", "''")
    columns = ", ".join(f"'{name}': 'VARCHAR'" for name in _header(path))
    return (
        f"read_csv('{escaped}', header = true, delim = ',', quote = '\"', escape = '\"', "
        f"nullstr = '', auto_detect = false, columns = {{{columns}}})"
    )


def load_reference(con) -> dict[str, int]:
    """(Re)create the `reference` schema from the packaged files; returns rows per table."""
    con.execute("create schema if not exists reference")
    counts = {}
    for table, (filename, select) in CSV_TABLES.items():
        src = read_csv_sql(DATA_DIR / filename)
        con.execute(f"create or replace table reference.{table} as select {select} from {src}")
        counts[table] = con.execute(f"select count(*) from reference.{table}").fetchone()[0]
    counts["mpf_limits"] = _load_mpf_limits(con)
    return counts


def _load_mpf_limits(con) -> int:
    con.execute(
        "create or replace table reference.mpf_limits (effective_on DATE not null, effective_until DATE not null, "
        "minimum_usd DECIMAL(18,2) not null, maximum_usd DECIMAL(18,2) not null, source VARCHAR not null)"
    )
    rows = mpf_limits_rows()
    con.executemany("insert into reference.mpf_limits values (?, ?, ?, ?, ?)", rows)
    return len(rows)
