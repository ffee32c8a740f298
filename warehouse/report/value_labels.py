"""Names for the codes a breakout is keyed by (port 1001 -> "1001 NEW YORK"), read from the warehouse's reference
tables and dimensions when they are there; without them the report prints the codes."""

from __future__ import annotations

from warehouse.contract.codes import MODES_OF_TRANSPORT
from warehouse.report.source import has_table

# domain -> (schema, table, code column, name column)
SOURCES = {
    "port": ("reference", "ports", "port_code", "port_name"),
    "country_of_origin": ("reference", "countries", "iso2", "name"),
    "hs_section": ("reference", "hs_sections", "section", "name"),
    "program": ("marts", "dim_programs", "program", "program_name"),
}


def value_labels(con) -> dict[str, dict[str, str]]:
    """domain -> {code: "code name"} for every domain whose source table exists (and the contract's code lists)."""
    labels = {"mode": {code: f"{code} {name}" for code, name in MODES_OF_TRANSPORT.items()}}
    for domain, (schema, table, code, name) in SOURCES.items():
        if has_table(con, schema, table):
            rows = con.execute(
                f'select distinct cast("{code}" as varchar), "{name}" from "{schema}"."{table}" '
                f'where "{code}" is not null order by 1'
            ).fetchall()
            labels[domain] = {c: f"{c} {n}" if n else c for c, n in rows}
    if has_table(con, "reference", "hs_codes"):
        rows = con.execute("select hscode, description from reference.hs_codes where level = 2 order by 1").fetchall()
        labels["hs_chapter"] = {c: f"{c} {n}" if n else c for c, n in rows}
    if "hs_section" in labels:
        labels["goods_type"] = labels["hs_section"]  # clearance speed's type of goods is the HS section
    return labels
