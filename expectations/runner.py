"""Run a suite inside the warehouse: an ephemeral GX context, a SQL data source on the DuckDB file, one query asset.

Validation is SQL pushed down to DuckDB (row counts, null counts, set and range checks, `UnexpectedRowsExpectation`
queries); only the counts and a small sample of bad values come back to Python. Every run also stores its result
as JSON beside the warehouse; `build_docs_index` renders the new Data Docs pages and the index there, once per
platform run (`data_docs.py` makes the pages work offline).

GX and DuckDB need one fix, made here and nowhere else: GX's `SqlAlchemyExecutionEngine.execute_query` returns
the result *after* the pooled connection is closed, which rolls the connection back; duckdb_engine shares one
DuckDB connection between all cursors, so the rollback discards the pending result and every metric fails with
`IndexError`/`TypeError` (GX issue #11579). `BufferedExecutionEngine` buffers the rows while the connection is
still open. `tests/test_quality_runner.py` proves the stock engine fails and this one works.
"""

from __future__ import annotations

import builtins
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

# Before GX is imported: no usage statistics, no network (also switched off in the context config below).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx
import sqlalchemy as sa
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

DOCS_SITE = "warehouse_docs"
SQL_CHECK = "unexpected_rows_expectation"
SAMPLE_SIZE = 10
# Validations listed on the Data Docs index (about ten runs' suites); every result stays in ops.quality_results and
# every page stays on disk.
INDEX_LIMIT = 300


class BufferedExecutionEngine(SqlAlchemyExecutionEngine):
    """The stock engine, with each query's rows fetched before its connection goes back to the pool."""

    def execute_query(self, query):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            # `freeze()` reads every row now; calling the frozen result gives a Result with the usual API.
            return result.freeze()() if result.returns_rows else result


class WarehouseDatasource(SQLDatasource):
    """GX's generic SQL data source on the DuckDB warehouse (or the PostgreSQL engine that built the marts),
    executed by `BufferedExecutionEngine`, which PostgreSQL does not need but takes no harm from."""

    # GX tells data source kinds apart by this pydantic field: a subclass narrows the Literal by design, which mypy
    # reads as an incompatible override.
    type: Literal["trade_warehouse_duckdb"] = "trade_warehouse_duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> builtins.type[SqlAlchemyExecutionEngine]:  # `type` is the field above
        return BufferedExecutionEngine


@dataclass
class ExpectationOutcome:
    """One expectation's result, as plain values for Dagster metadata and the history table."""

    expectation: str  # the rule or column check name (meta "check")
    type: str  # the GX expectation type
    column: str | None
    severity: str  # error | warning
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    sample: list = field(default_factory=list)
    exception: str | None = None

    def as_dict(self) -> dict:
        return {
            "expectation": self.expectation,
            "type": self.type,
            "column": self.column,
            "severity": self.severity,
            "success": self.success,
            "observed_value": _plain(self.observed_value),
            "unexpected_count": self.unexpected_count,
            "sample": [_plain(v) for v in self.sample],
            "exception": self.exception,
        }


@dataclass
class SuiteOutcome:
    suite: str
    relation: str
    rows: int | None
    run_time: datetime
    expectations: list[ExpectationOutcome]

    def failed(self, severity: str | None = None) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success and (severity is None or e.severity == severity)]

    @property
    def success(self) -> bool:
        return not self.failed()


def docs_dir(warehouse_file: Path) -> Path:
    """Where the Data Docs site is published: `data_docs/` beside the warehouse file."""
    return Path(warehouse_file).resolve().parent / "data_docs"


def results_dir(warehouse_file: Path) -> Path:
    """Where GX keeps the validation results the Data Docs pages are rendered from."""
    return Path(warehouse_file).resolve().parent / "gx_validations"


def _context(warehouse_file: Path):
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        # One progress bar per metric batch floods Dagster's and the CLI's logs; results are in the check metadata.
        progress_bars=ProgressBarsConfig(globally=False),
    )
    # Results persist beside the warehouse so the Data Docs index lists every run, not only this process's.
    config.stores[config.validation_results_store_name]["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": str(results_dir(warehouse_file)),
    }
    config.data_docs_sites = {
        DOCS_SITE: {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir(warehouse_file)),
            },
            # The index reads every result it lists: the newest INDEX_LIMIT only, or its cost grows with every run.
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "validation_results_limit": INDEX_LIMIT},
        }
    }
    return gx.get_context(project_config=config, mode="ephemeral")


def batch_query(relation: str, date_column: str | None = None, first: date | None = None, last: date | None = None):
    """The rows a suite validates: a whole relation, or the rows delivered between two dates (inclusive).

    The dates are `date` objects rendered as ISO literals (GX query assets take no bind parameters)."""
    query = f"select * from {relation}"
    if date_column and first and last:
        if not (isinstance(first, date) and isinstance(last, date)):
            raise TypeError("first and last must be dates")
        query += f" where {date_column} between date '{first.isoformat()}' and date '{last.isoformat()}'"
    return query


def validate(
    warehouse_file: Path,
    suite: gx.ExpectationSuite,
    query: str,
    relation: str,
    run_name: str | None = None,
    build_docs: bool = True,
    connection_string: str | None = None,
) -> SuiteOutcome:
    """Validate `suite` on the rows of `query` in the warehouse (or the database at `connection_string`, an
    SQLAlchemy URL: the engine that built the marts); store the result and refresh the Data Docs."""
    return validate_many(
        warehouse_file,
        [(suite, query, relation)],
        run_name=run_name,
        build_docs=build_docs,
        connection_string=connection_string,
    )[0]


def validate_many(
    warehouse_file: Path,
    validations: list[tuple[gx.ExpectationSuite, str, str]],
    run_name: str | None = None,
    build_docs: bool = True,
    connection_string: str | None = None,
) -> list[SuiteOutcome]:
    """Validate several `(suite, query, relation)` in one GX context and one checkpoint run (suite names must be
    unique); one outcome per item, in order. Creating a context and a data source costs more than validating a
    small suite, so many small validations (the tests' corrupted copies) share them."""
    warehouse_file = Path(warehouse_file)
    names = [suite.name for suite, _, _ in validations]
    if len(set(names)) != len(names):
        raise ValueError(f"suite names must be unique in one validate_many call: {names}")
    context = _context(warehouse_file)
    # The results and Data Docs stay beside the warehouse file whichever database is validated.
    datasource = context.data_sources.add_trade_warehouse_duckdb(
        name="warehouse", connection_string=connection_string or f"duckdb:///{warehouse_file.resolve()}"
    )
    try:
        definitions, relations = [], {r for _, _, r in validations}
        for index, (suite, query, relation) in enumerate(validations):
            # Asset names are unique per data source: the relation, numbered when it is validated more than once.
            name = relation if len(relations) == len(validations) else f"{relation}#{index}"
            batch_definition = datasource.add_query_asset(name=name, query=query).add_batch_definition_whole_table(
                "rows"
            )
            stored = context.suites.add(suite)
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(name=stored.name, data=batch_definition, suite=stored)
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more",
                validation_definitions=definitions,
                actions=[],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
            )
        )
        run_time = datetime.now(UTC)
        run_id = gx.RunIdentifier(run_name=run_name or names[0], run_time=run_time)
        result = checkpoint.run(run_id=run_id)
        by_suite = {v.suite_name: v for v in result.run_results.values()}
        engine = datasource.get_execution_engine()
        outcomes = []
        for suite, query, relation in validations:
            validation = by_suite[suite.name]
            found = [_outcome(r) for r in validation.results]
            for outcome, r in zip(found, validation.results, strict=True):
                if not outcome.success and outcome.exception is None and r.expectation_config.type == SQL_CHECK:
                    outcome.sample = _sample_rows(engine, r.expectation_config.kwargs["unexpected_rows_query"], query)
            outcomes.append(SuiteOutcome(suite.name, relation, _row_count(validation), run_time, found))
    finally:
        _close(datasource)
    if build_docs:
        build_docs_index(warehouse_file)
    return outcomes


def build_docs_index(warehouse_file: Path) -> Path | None:
    """Render the Data Docs pages of the stored validation results that have none yet, and the index (the newest
    INDEX_LIMIT results), offline; the index page's path, or None when nothing was ever validated.

    The platform's suites store their results and leave the pages to this, once per run (the report asset and the
    end of `tradewh run` call it): GX compiles its page templates afresh in every context (0.4 s) and its index
    reads every result it lists, so rendering after each suite cost most of a small suite's time."""
    from expectations.data_docs import make_offline

    warehouse_file = Path(warehouse_file)
    if not results_dir(warehouse_file).is_dir():
        return None
    context = _context(warehouse_file)
    store = context.validation_results_store
    keys = store.list_keys()
    if not keys:
        return None
    # A result's page mirrors its path in the results store (TupleFilesystemStoreBackend's key-to-path rule, a private
    # method: tests/test_quality_dagster.py fails if a GX upgrade moves the pages).
    pages = docs_dir(warehouse_file) / "validations"
    missing = [
        key
        for key in keys
        if not (pages / store.store_backend._convert_key_to_filepath(key.to_tuple())).with_suffix(".html").exists()
    ]
    # With no identifiers GX renders every page: name the newest result when none is missing (one page re-rendered).
    chosen = missing or [max(keys, key=lambda key: key.run_id.run_time)]
    started = datetime.now().timestamp() - 1.0  # file times come from a coarser clock
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=chosen, build_index=True)
    make_offline(docs_dir(warehouse_file), changed_since=started)
    return docs_dir(warehouse_file) / "index.html"


def _close(datasource) -> None:
    """Release the DuckDB file: another connection with other settings may open it next."""
    engine = datasource.get_execution_engine()
    engine.close()
    datasource.get_engine().dispose()


def _row_count(validation) -> int | None:
    """Rows in the batch, as counted by the column expectations (`element_count`)."""
    counts = [r.result.get("element_count") for r in validation.results if r.result]
    return max((c for c in counts if c is not None), default=None)


def _sample_rows(engine, unexpected_rows_query: str, batch: str) -> list[dict]:
    """The first bad rows of a failed SQL check (GX's SUMMARY results give only their count)."""
    sql = unexpected_rows_query.format(batch=f"({batch}) as batch") + f" limit {SAMPLE_SIZE}"
    rows = engine.execute_query(sa.text(sql)).mappings().all()
    return [_row_sample(row) for row in rows]


def _outcome(r) -> ExpectationOutcome:
    config = r.expectation_config
    meta = config.meta or {}
    result = r.result or {}
    exception = None
    if r.exception_info and r.exception_info.get("raised_exception"):
        exception = r.exception_info.get("exception_message")
    elif r.exception_info:
        # Metric errors are reported per metric: {metric id: {"raised_exception": ..., "exception_message": ...}}.
        messages = [v.get("exception_message") for v in r.exception_info.values() if isinstance(v, dict)]
        exception = "; ".join(m for m in messages if m) or None
    observed = result.get("observed_value")
    sample = result.get("partial_unexpected_list") or []
    unexpected = result.get("unexpected_count")
    if unexpected is None and config.type == SQL_CHECK and isinstance(observed, int):
        unexpected = observed
    return ExpectationOutcome(
        expectation=meta.get("check", config.type),
        type=config.type,
        column=config.kwargs.get("column") or meta.get("column"),
        severity=meta.get("severity", "error"),
        success=bool(r.success) and exception is None,
        observed_value=observed,
        unexpected_count=unexpected,
        sample=sample[:SAMPLE_SIZE],
        exception=exception,
    )


def _row_sample(row) -> dict:
    """An unexpected row, cut down to the columns that say which row it is and what was wrong with it."""
    values = dict(row) if not isinstance(row, dict) else row
    return {k: _plain(v) for k, v in values.items() if not k.startswith("_") or k in ("_delivery_date", "_row_number")}


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
