"""Static reference data shipped with the platform (ports, countries, HS nomenclature) and its loader.

The CSV files in `data/` are real public copies; `data/SOURCES.md` gives their sources and licences. They are read
with every column as text so that `NA` (Namibia) stays a country and `0101` keeps its leading zero.
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

DATA_DIR = Path(str(files("warehouse.reference") / "data"))

# table -> (file, select list over the all-text CSV)
TABLES: dict[str, tuple[str, str]] = {
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
    for table, (filename, select) in TABLES.items():
        src = read_csv_sql(DATA_DIR / filename)
        con.execute(f"create or replace table reference.{table} as select {select} from {src}")
        counts[table] = con.execute(f"select count(*) from reference.{table}").fetchone()[0]
    return counts
