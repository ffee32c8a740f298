"""Quality in Dagster: a blocking suite failure really stops downstream assets in a run, results land in
`ops.quality_results` and in offline Data Docs; and the GX-on-DuckDB buffering fix is needed and works."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import dagster as dg
import duckdb
import pytest

from orchestration.resources import WarehouseResource
from warehouse.contract import FEEDS
from warehouse.db import connect
from warehouse.generator import generate

TAGS = {"dagster/asset_partition_range_start": "2025-10-01", "dagster/asset_partition_range_end": "2025-10-02"}
ENTRIES = dg.AssetKey(["raw", "entries"])


@pytest.fixture(scope="module")
def clean_landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    generate(root, start=date(2025, 10, 1), days=2, scale=0.002, seed=7, fmt="csv", dirt_rate=0.0)
    return root


@dg.asset(deps=[ENTRIES], group_name="test")
def downstream_of_entries() -> dg.MaterializeResult:
    """Stands in for risk and metrics: must not run on bad entries."""
    return dg.MaterializeResult(metadata={"ran": True})


def _run(landing, warehouse_file, feeds=("entries",)):
    """Materialize the feed assets of `feeds` with their suite and monitor checks and the downstream asset, over the
    partition range of TAGS (as `ingest_job` runs a backfill range: one run, range tags)."""
    from orchestration.defs.feeds.assets import feed_assets, reference_tables
    from orchestration.defs.quality.checks import feed_suite_checks
    from orchestration.defs.quality.freshness import monitor_checks

    keys = {dg.AssetKey(["raw", feed]) for feed in feeds}
    assets = [a for a in feed_assets if keys & set(a.keys)]
    checks = [c for c in [*feed_suite_checks, *monitor_checks] if keys & {k.asset_key for k in c.check_keys}]
    return dg.materialize(
        [reference_tables, *assets, *checks, downstream_of_entries],
        resources={"warehouse": WarehouseResource(path=str(warehouse_file), landing=str(landing))},
        tags=TAGS,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _evaluations(result, asset_key=ENTRIES) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == asset_key}


def test_clean_feeds_pass_their_checks_over_a_partition_range_and_downstream_runs(clean_landing, tmp_path):
    """Every feed asset and its checks in one run over a two-day range: every check runs (the check context has
    the run's tags and id), the suites validate the range's rows, and metadata and history record the range."""
    result = _run(clean_landing, tmp_path / "w.duckdb", feeds=tuple(FEEDS))
    assert result.success
    for feed in FEEDS:
        found = _evaluations(result, dg.AssetKey(["raw", feed]))
        assert set(found) == {"errors", "warnings", "freshness", "volume", "reconciliation"}, feed
        assert found["reconciliation"].passed, feed
        assert found["errors"].passed, (feed, found["errors"].metadata.get("first_failure"))
        assert found["errors"].metadata["partition_range"].value == "2025-10-01..2025-10-02", feed
        assert found["warnings"].metadata["partition_range"].value == "2025-10-01..2025-10-02", feed
        assert found["freshness"].metadata["as_of"].value == "2025-10-02", feed
    checks = _evaluations(result)
    assert checks["errors"].passed
    assert checks["errors"].metadata["rows_validated"].value > 0
    assert checks["errors"].metadata["partition_range"].value == "2025-10-01..2025-10-02"
    assert checks["freshness"].passed
    assert dg.AssetKey("downstream_of_entries") in {e.asset_key for e in result.get_asset_materialization_events()}
    with connect(tmp_path / "w.duckdb", read_only=True) as con:
        history = con.execute(
            "select check_name, count(*), bool_and(success), min(partition_start), max(partition_end) "
            "from ops.quality_results where asset = 'raw/entries' group by check_name order by check_name"
        ).fetchall()
        ranges = con.execute(
            "select distinct asset, min(partition_start), max(partition_end), count(distinct run_id) "
            "from ops.quality_results where check_name in ('errors', 'warnings') group by asset order by asset"
        ).fetchall()
    assert ranges == [(f"raw/{feed}", date(2025, 10, 1), date(2025, 10, 2), 1) for feed in sorted(FEEDS)]
    names = [row[0] for row in history]
    assert names == ["errors", "freshness", "reconciliation", "volume", "warnings"]
    assert dict((row[0], row[2]) for row in history)["errors"] is True
    assert all(row[3] in (None, date(2025, 10, 1)) and row[4] == date(2025, 10, 2) for row in history)


def _with_mpf(clean_landing, tmp_path, mpf: str):
    """A copy of the landing whose first entry line charges `mpf`: contract-valid (mpf_usd >= 0), so it loads."""
    landing = tmp_path / "landing"
    shutil.copytree(clean_landing, landing)
    path = next((landing / "entries" / "2025-10-01").glob("*.csv"))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("mpf_usd")] = mpf
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return landing


def test_an_mpf_outside_its_limits_is_a_finding_that_never_blocks(clean_landing, tmp_path):
    # An overcharged fee keeps the contract: the row loads, the suite warns, downstream assets still run.
    warehouse_file = tmp_path / "w.duckdb"
    result = _run(_with_mpf(clean_landing, tmp_path, "99999.00"), warehouse_file)
    assert result.success
    checks = _evaluations(result)
    assert checks["errors"].passed
    warnings = checks["warnings"]
    assert not warnings.passed and warnings.severity == dg.AssetCheckSeverity.WARN
    assert "mpf_within_bounds" in warnings.metadata["failing"].value
    assert warnings.metadata["samples"].value["mpf_within_bounds"][0]["entry_mpf_usd"] > 99999
    assert dg.AssetKey("downstream_of_entries") in {e.asset_key for e in result.get_asset_materialization_events()}
    with connect(warehouse_file, read_only=True) as con:
        failed = con.execute(
            "select expectation, severity, unexpected_count from ops.quality_results where not success "
            "and expectation = 'mpf_within_bounds'"
        ).fetchall()
    assert failed == [("mpf_within_bounds", "warning", 1)]


def test_a_defect_in_a_raw_table_blocks_downstream_assets_and_shows_the_failing_expectation(clean_landing, tmp_path):
    from expectations.data_docs import external_references
    from expectations.runner import build_docs_index, docs_dir

    warehouse_file = tmp_path / "w.duckdb"
    assert _run(clean_landing, warehouse_file).success
    # A raw row that breaks the contract can only come from outside the loader (a manual edit, a loader defect):
    # the next run's suite over the same dates must catch it and stop what depends on the table.
    with connect(warehouse_file) as con:
        con.execute(
            "insert into raw.entries select * replace (null as hts_code, 999 as line_number) "
            "from raw.entries where _delivery_date = '2025-10-01' limit 1"
        )
    result = _run(clean_landing, warehouse_file)
    assert not result.success
    errors = _evaluations(result)["errors"]
    assert not errors.passed and errors.severity == dg.AssetCheckSeverity.ERROR
    assert errors.metadata["first_failure"].value == "hts_code.required"
    assert errors.metadata["unexpected_count"].value == 1
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert ENTRIES in materialized
    assert dg.AssetKey("downstream_of_entries") not in materialized

    with connect(warehouse_file, read_only=True) as con:
        failed = con.execute(
            "select expectation, unexpected_count from ops.quality_results where not success and severity = 'error'"
        ).fetchall()
    # The copied row also carries a loaded file's hash, so that file no longer reconciles either.
    assert sorted(failed) == [("hts_code.required", 1), ("reconciliation", None)]

    site = docs_dir(warehouse_file)
    assert build_docs_index(warehouse_file) == site / "index.html"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "validations/raw/entries/" in index  # the failing run's page is listed
    assert list(site.rglob("validations/**/*.html"))
    assert external_references(site) == []


def test_a_row_lost_from_a_raw_table_breaks_reconciliation_which_blocks_and_prints_one_line(clean_landing, tmp_path):
    from orchestration.runner import blocking_check_line

    warehouse_file = tmp_path / "w.duckdb"
    assert _run(clean_landing, warehouse_file).success
    with connect(warehouse_file) as con:
        con.execute("delete from raw.entries where _row_number = 1 and _delivery_date = '2025-10-01'")
    result = _run(clean_landing, warehouse_file)
    assert not result.success
    found = _evaluations(result)
    assert found["errors"].passed  # every remaining row keeps the contract: only the count is wrong
    check = found["reconciliation"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["unexpected_count"].value == 1
    [sample] = check.metadata["samples"].value["reconciliation"]
    assert sample["raw_rows"] == sample["rows_loaded"] - 1
    assert dg.AssetKey("downstream_of_entries") not in {e.asset_key for e in result.get_asset_materialization_events()}
    line = blocking_check_line(check)
    assert line.startswith(
        "! blocking check reconciliation on raw/entries failed: reconciliation (1 unexpected); e.g. {"
    )
    assert "\n" not in line and len(line) < 300


def test_gx_on_duckdb_needs_the_buffered_engine(tmp_path):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from expectations.runner import validate

    path = tmp_path / "small.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select range as n from range(5)")
    suite = gx.ExpectationSuite(
        name="small", expectations=[gxe.ExpectColumnValuesToBeBetween(column="n", min_value=0, max_value=3)]
    )

    # Stock GX: every metric fails on DuckDB (the rows are read after the connection was rolled back).
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(name="stock", connection_string=f"duckdb:///{path}")
    batch = source.add_query_asset(name="t", query="select * from t").add_batch_definition_whole_table("all")
    stock = batch.get_batch().validate(suite)
    assert not stock.success and stock.results[0].exception_info
    source.get_execution_engine().close()

    outcome = validate(path, suite, "select * from t", "t", build_docs=False)
    (result,) = outcome.expectations
    assert result.exception is None and not result.success
    assert result.unexpected_count == 1 and result.sample == [4]
