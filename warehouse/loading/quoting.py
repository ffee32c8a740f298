"""Quoting for the few SQL fragments that cannot be bound parameters.

Values travel as bound parameters wherever DuckDB allows. Identifiers (contract column names, and the column names a
delivered file brings with it) and the keys of JSON objects built in SQL must be spelled into the statement text;
these helpers quote them so that no name, however hostile, can change the statement.
"""

from __future__ import annotations


def ident(name: str) -> str:
    """A quoted SQL identifier: `na"me` -> `"na""me"`."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal: `it's` -> `'it''s'`."""
    return "'" + text.replace("'", "''") + "'"


def json_object_sql(pairs: list[tuple[str, str]]) -> str:
    """`json_object('k1', expr1, ...)` for (key, SQL expression) pairs; `NULL` when there are none."""
    if not pairs:
        return "cast(null as JSON)"
    return "json_object(" + ", ".join(f"{literal(key)}, {expr}" for key, expr in pairs) + ")"
