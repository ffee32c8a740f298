"""DuckDB column types as another engine spells them, for the raw and reference tables shipped to it.

The raw layer uses a handful of types (the contract's: text, integers, fixed decimals, dates, timestamps, booleans,
JSON for undeclared columns); a type outside this list stops the shipment rather than being guessed."""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")

POSTGRES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "UBIGINT": "numeric(20, 0)",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    # Undeclared columns, kept as delivered: text, since the marts never read into them.
    "JSON": "text",
}

SPARK = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "UBIGINT": "decimal(20, 0)",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp_ntz",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "JSON": "string",
}


class UnshippableType(ValueError):
    """A DuckDB type the engine mapping does not cover."""


def engine_type(duckdb_type: str, mapping: dict[str, str], table: str, column: str) -> str:
    """`duckdb_type` in the engine's spelling; decimals keep their precision and scale."""
    if m := _DECIMAL.match(duckdb_type):
        return f"decimal({m.group(1)}, {m.group(2)})" if mapping is SPARK else f"numeric({m.group(1)}, {m.group(2)})"
    try:
        return mapping[duckdb_type]
    except KeyError:
        raise UnshippableType(f"{table}.{column}: no engine type for DuckDB's {duckdb_type}") from None
