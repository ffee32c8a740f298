"""The smallest warehouse the access tests need: a DuckDB file with schema `marts` and a few hand-written tables,
no dbt run (they test publishing, masking and the SQL shell, not the models)."""

from __future__ import annotations

from pathlib import Path

from warehouse.db import connect


def marts_warehouse(path: Path, *statements: str) -> Path:
    """The warehouse file `path`, with schema marts and what `statements` create in it, run in order."""
    with connect(path) as con:
        con.execute("create schema marts")
        for statement in statements:
            con.execute(statement)
    return path
