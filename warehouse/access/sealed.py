"""The sealed, read-only connection to a published copy: what `tradewh sql`, `tradewh report`, `tradewh risk
evaluate` and Python users (`warehouse.db.open_analyst_copy`) get.

Two layers. DuckDB itself is told to refuse the file system and extensions (`enable_external_access = false`, no
extension autoload or autoinstall) and then to lock its configuration, so `copy ... to`, `export`, `read_csv`,
`read_text`, `glob`, `from 'file.csv'`, `install`, `load` of anything not built in and every `set`/`pragma` that
changes a setting fail inside DuckDB. The statement check below adds what DuckDB would still allow on a read-only
file: `attach` (DuckDB lets a sealed session attach a file it already holds), `detach`, `set`/`use`, `load` of a
built-in extension, `vacuum` and `checkpoint`, and it looks inside `prepare` (only queries may be prepared) and
`explain` (which runs its statement with `analyze`); a statement it cannot read is refused, not let through.
Temporary tables and views stay allowed: they live in memory, which is capped, and never spill to disk (no temp
directory), so an analyst's session cannot fill the disk the loader writes to.

This protects analysts' sessions from accidents and the live warehouse from its readers; it is not a sandbox
against the user's own Python process. What keeps personal data from an analyst is the masking of the default copy
and the file permissions of the entitled one.
"""

from __future__ import annotations

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
    StatementType.VACUUM: "the copy is read-only (VACUUM and ANALYZE write statistics)",
}
VERBS = {StatementType.LOAD: "INSTALL and LOAD", StatementType.SET: "SET, RESET, USE and setting PRAGMA"}
CHECKPOINT = re.compile(r"^\s*(force\s+)?checkpoint\b|\bcheckpoint\s*\(", re.IGNORECASE)
# `explain`, `explain analyze`, `explain (analyze, format json)`; comments before the statement are part of it.
EXPLAIN = re.compile(r"^(\s|--[^\n]*\n|/\*.*?\*/)*explain\s*(\([^)]*\)|analy[sz]e\b)?", re.IGNORECASE | re.DOTALL)
PREPARE = re.compile(r"^(\s|--[^\n]*\n|/\*.*?\*/)*prepare\s+\S+\s+as\b", re.IGNORECASE | re.DOTALL)


class Refused(duckdb.PermissionException):
    """A statement the sealed session does not run; a duckdb.Error, so callers handle it like any SQL error."""


def _statements(query: str) -> list[tuple[StatementType, str]]:
    """(type, text) of each statement; a type this client does not know (`update extensions`) is refused."""
    try:
        return [(statement.type, statement.query) for statement in duckdb.extract_statements(query)]
    except ValueError:
        raise Refused("Refused: this statement is not allowed on the analyst copy: it is not a query") from None


def check_statements(query: str) -> None:
    """Raise Refused, naming the statement and why, unless every statement in `query` may run."""
    for kind, text in _statements(query):
        verb = VERBS.get(kind, kind.name.replace("_", " "))
        if CHECKPOINT.search(text):  # `checkpoint`, `call checkpoint()`, `from checkpoint()`
            raise Refused("Refused: CHECKPOINT is not allowed on the analyst copy: the copy is read-only")
        if kind not in ALLOWED:
            reason = WHY.get(kind, "it is not a query")
            raise Refused(f"Refused: {verb} statements are not allowed on the analyst copy: {reason}")
        if kind is StatementType.PREPARE:
            _check_inner(PREPARE.sub("", text, count=1), "PREPARE", only_queries=True)
        elif kind is StatementType.EXPLAIN:  # `explain analyze` and `explain (analyze)` run what they explain
            _check_inner(EXPLAIN.sub("", text, count=1), "EXPLAIN", only_queries=False)


def _check_inner(inner: str, outer: str, only_queries: bool) -> None:
    try:
        statements = _statements(inner)
    except duckdb.ParserException:
        raise Refused(f"Refused: the statement inside {outer} could not be checked, so it does not run") from None
    check_statements(inner)
    if only_queries and any(kind is not StatementType.SELECT for kind, _ in statements):
        raise Refused(f"Refused: only queries may be prepared on the analyst copy ({outer})")


class Result:
    """A statement's result: the fetching half of DuckDB's cursor, without `execute` (which would run SQL past the
    check)."""

    FETCH = ("fetchall", "fetchone", "fetchmany", "df", "fetchdf", "fetch_df", "fetchnumpy", "to_arrow_table", "pl")

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self._cursor = cursor

    @property
    def description(self):
        return self._cursor.description

    def __getattr__(self, name: str):
        if name in self.FETCH:
            return getattr(self._cursor, name)
        raise AttributeError(f"a sealed result has no {name!r}: run statements through the connection")


class AnalystConnection:
    """A read-only DuckDB connection to a published copy whose statements are checked before they run. It offers
    the parts of DuckDB's connection API that reading needs. Relations (`sql`, `table`) are DuckDB's own: what runs
    through them is held by DuckDB's settings (no files, no extensions, locked configuration), not by the check."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, entitled: bool):
        self._con, self.path, self.entitled = con, path, entitled

    def execute(self, query: str, parameters=None) -> Result | None:
        """Run `query` (None for one with no statement, such as a comment)."""
        check_statements(query)
        cursor = self._con.execute(query, parameters)
        return None if cursor is None else Result(cursor)

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

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> AnalystConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sealed_config() -> dict:
    """Set when the copy is opened, before anything runs: no files, no extensions, memory capped and no spilling."""
    from warehouse.config import analyst_memory_limit

    return {
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "temp_directory": "",
        "memory_limit": analyst_memory_limit(),
    }


def open_sealed(path: Path, entitled: bool = False) -> AnalystConnection:
    """Open a published copy read-only, sealed; the configuration is locked after the session settings are made.
    DuckDB hands a second connection in the same process the same database, already locked: its settings stand."""
    con = duckdb.connect(str(path), read_only=True, config=sealed_config())
    try:
        ((locked,),) = con.execute("select current_setting('lock_configuration')").fetchall()
        if not locked:
            con.execute("set enable_progress_bar = false")
            con.execute("set TimeZone = 'UTC'")
            con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return AnalystConnection(con, Path(path), entitled)
