"""The sealed, read-only connection to a published copy: what `tradewh sql`, `tradewh report`, `tradewh risk
evaluate` and Python users (`warehouse.db.open_analyst_copy`) get.

Two layers. DuckDB itself is told to refuse the file system and extensions (`enable_external_access = false`, no
extension autoload or autoinstall) and then to lock its configuration, so `copy ... to`, `export`, `read_csv`,
`read_text`, `glob`, `from 'file.csv'`, `install`, `load` of anything not built in and every `set`/`pragma` that
changes a setting fail inside DuckDB. The statement check below adds what DuckDB would still allow on a read-only
file: `attach` (DuckDB lets a sealed session attach a file it already holds), `detach`, `set`/`use`, `load` of a
built-in extension, `vacuum` and `checkpoint`. Temporary tables and views stay allowed: they live in memory.

This protects analysts' sessions from accidents and the live warehouse from its readers; it is not a sandbox
against the user's own Python process. What keeps personal data from an analyst is the masking of the default copy
and the file permissions of the entitled one.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import duckdb
from duckdb import StatementType

ALLOWED = {
    StatementType.SELECT,
    StatementType.EXPLAIN,
    StatementType.PRAGMA,
    StatementType.CALL,
    StatementType.CREATE,
    StatementType.INSERT,
    StatementType.UPDATE,
    StatementType.DELETE,
    StatementType.DROP,
    StatementType.ALTER,
    StatementType.TRANSACTION,
    StatementType.PREPARE,
    StatementType.EXECUTE,
    StatementType.MULTI,
}
WHY = {
    StatementType.ATTACH: "the session reads its copy and nothing else (the live warehouse belongs to the loader)",
    StatementType.DETACH: "the session reads its copy and nothing else",
    StatementType.COPY: "results leave through `tradewh sql --format csv|json`, not through files the session writes",
    StatementType.COPY_DATABASE: "results leave through `tradewh sql --format csv|json`",
    StatementType.EXPORT: "results leave through `tradewh sql --format csv|json`",
    StatementType.LOAD: "the session has every extension it needs built in, and no network",
    StatementType.SET: "the session's settings are locked; write schema-qualified names such as marts.fct_entries",
    StatementType.VACUUM: "the copy is read-only",
}
VERBS = {StatementType.LOAD: "INSTALL and LOAD", StatementType.SET: "SET, RESET, USE and setting PRAGMA"}
CHECKPOINT = re.compile(r"^\s*(force\s+)?checkpoint\b|\bcheckpoint\s*\(", re.IGNORECASE)
EXPLAIN = re.compile(r"^\s*explain\s+(analy[sz]e\s+)?", re.IGNORECASE)


class Refused(duckdb.PermissionException):
    """A statement the sealed session does not run; a duckdb.Error, so callers handle it like any SQL error."""


def check_statements(query: str) -> None:
    """Raise Refused, naming the statement and why, unless every statement in `query` may run."""
    for statement in duckdb.extract_statements(query):
        kind = statement.type
        verb = VERBS.get(kind, kind.name.replace("_", " "))
        if CHECKPOINT.search(statement.query):  # `checkpoint`, `call checkpoint()`, `from checkpoint()`
            raise Refused("Refused: CHECKPOINT is not allowed on the analyst copy: the copy is read-only")
        if kind not in ALLOWED:
            reason = WHY.get(kind, "it is not a query")
            raise Refused(f"Refused: {verb} statements are not allowed on the analyst copy: {reason}")
        if kind is StatementType.EXPLAIN:  # `explain analyze` runs the statement it explains
            inner = EXPLAIN.sub("", statement.query, count=1)
            # Not a statement on its own (explain options): DuckDB parses and checks it.
            with contextlib.suppress(duckdb.ParserException):
                check_statements(inner)


class AnalystConnection:
    """A read-only DuckDB connection to a published copy whose statements are checked before they run. It offers
    the parts of DuckDB's connection API that reading needs; `execute` returns DuckDB's own cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, entitled: bool):
        self._con, self.path, self.entitled = con, path, entitled

    def execute(self, query: str, parameters=None) -> duckdb.DuckDBPyConnection:
        check_statements(query)
        return self._con.execute(query, parameters)

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        check_statements(query)
        return self._con.sql(query)

    query = sql

    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        return self._con.table(name)

    def register(self, name: str, frame) -> None:
        """Make a pandas frame queryable as `name` (in memory, this session only)."""
        self._con.register(name, frame)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    @property
    def description(self):
        return self._con.description

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> AnalystConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


SEALED_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


def open_sealed(path: Path, entitled: bool = False) -> AnalystConnection:
    """Open a published copy read-only, sealed; the configuration is locked after the session settings are made."""
    con = duckdb.connect(str(path), read_only=True, config=SEALED_CONFIG)
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return AnalystConnection(con, Path(path), entitled)
