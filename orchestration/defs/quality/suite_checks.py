"""Running a GX suite from an asset check: the rows to validate, the history row, the Dagster results.

GX is imported inside `run_suite`, not at module level: it takes seconds to import, and Dagster loads these
definitions every time the UI or a run starts.
"""

from collections.abc import Mapping
from datetime import date

import dagster as dg

from orchestration.defs.feeds.automation import RANGE_END_TAG, RANGE_START_TAG
from orchestration.resources import WarehouseResource

PARTITION_TAG = "dagster/partition"
ERRORS, WARNINGS = "errors", "warnings"
# Failing expectations listed in a check's metadata; the history table keeps all of them.
SHOWN = 20


def run_range(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """The delivery dates a run covers: its partition range tags, its single partition, or None (no partition)."""
    if tags.get(RANGE_START_TAG) and tags.get(RANGE_END_TAG):
        return date.fromisoformat(tags[RANGE_START_TAG]), date.fromisoformat(tags[RANGE_END_TAG])
    if tags.get(PARTITION_TAG):
        day = date.fromisoformat(tags[PARTITION_TAG])
        return day, day
    return None


def check_specs(asset_key: dg.AssetKey, what: str) -> list[dg.AssetCheckSpec]:
    """Two checks per suite: the error expectations (blocking) and the warning expectations (recorded only)."""
    return [
        dg.AssetCheckSpec(
            ERRORS,
            asset=asset_key,
            blocking=True,
            description=f"Error-severity expectations of the {what} suite; a failure stops downstream assets.",
        ),
        dg.AssetCheckSpec(
            WARNINGS,
            asset=asset_key,
            description=f"Warning-severity expectations of the {what} suite; failures are recorded, not blocking.",
        ),
    ]


def run_suite(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    asset_key: dg.AssetKey,
    suite,
    relation: str,
    date_column: str | None = None,
    connection_string: str | None = None,
    validated_in: str = "the warehouse file",
):
    """Validate `suite` on `relation` (the run's delivery dates when it has a date column) in the warehouse file, or
    in the database at `connection_string` (the engine that built it), record every result in
    `ops.quality_results`, and yield the errors and warnings check results."""
    from expectations.history import record
    from expectations.runner import batch_query, validate

    span = run_range(context.run.tags) if date_column else None
    query = batch_query(relation, date_column, *(span or (None, None)))
    # Pages and index are rendered once per run (expectations.runner.build_docs_index), not once per suite.
    outcome = validate(
        warehouse.warehouse_file,
        suite,
        query,
        relation,
        run_name=context.run.run_id,
        build_docs=False,
        connection_string=connection_string,
    )
    results = [e.as_dict() for e in outcome.expectations]
    with warehouse.connect() as con:
        for severity, check_name in (("error", ERRORS), ("warning", WARNINGS)):
            record(
                con,
                asset=asset_key.to_user_string(),
                check_name=check_name,
                suite=outcome.suite,
                checked_at=outcome.run_time,
                results=[r for r in results if r["severity"] == severity],
                run_id=context.run.run_id,
                partition_start=span[0] if span else None,
                partition_end=span[1] if span else None,
            )
    for severity, check_name, dagster_severity in (
        ("error", ERRORS, dg.AssetCheckSeverity.ERROR),
        ("warning", WARNINGS, dg.AssetCheckSeverity.WARN),
    ):
        mine = [e for e in outcome.expectations if e.severity == severity]
        failed = [e for e in mine if not e.success]
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=check_name,
            passed=not failed,
            severity=dagster_severity,
            metadata={**_metadata(outcome, mine, failed, span), "validated_in": validated_in},
        )


def _metadata(outcome, mine, failed, span) -> dict:
    metadata = {
        "suite": outcome.suite,
        "rows_validated": outcome.rows or 0,
        "partition_range": f"{span[0]}..{span[1]}" if span else "whole table",
        "expectations": len(mine),
        "failed_expectations": len(failed),
        "unexpected_count": sum(e.unexpected_count or 0 for e in failed),
    }
    if failed:
        metadata["failing"] = dg.MetadataValue.md(_failure_table(failed[:SHOWN]))
        metadata["first_failure"] = failed[0].expectation
        metadata["samples"] = dg.MetadataValue.json({e.expectation: e.as_dict()["sample"] for e in failed[:SHOWN]})
    return metadata


def _failure_table(failed) -> str:
    lines = ["| expectation | column | unexpected | sample |", "| --- | --- | --- | --- |"]
    for e in failed:
        sample = e.exception or ", ".join(str(v) for v in e.as_dict()["sample"][:3])
        sample = sample.replace("|", "\\|").replace("\n", " ")[:300]
        count = e.unexpected_count if e.unexpected_count is not None else e.observed_value
        lines.append(f"| {e.expectation} | {e.column or ''} | {count} | {sample} |")
    return "\n".join(lines)
