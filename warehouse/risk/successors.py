"""Successor flags: a new importer number that continues an importer penalised or with seizures.

A number N is flagged with a predecessor P when P was active first and either resolves to the same entity as N
(risk.importer_entities) or is declared by N as its prior number in the registry, and P had a penalty case opened
or goods seized before N's first activity (first registry version or first filing, whichever is earlier). The
reasons say how the two are tied and what their registry records share.
"""

from __future__ import annotations

import duckdb

from warehouse.sql_files import query

SCHEMA = "risk"


def build(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build risk.successor_flags from risk.importer_entities and the marts; returns the number of flags."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(query(__package__, "successors_flags"))
    return con.execute(f"select count(*) from {SCHEMA}.successor_flags").fetchall()[0][0]
