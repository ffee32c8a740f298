"""The leadership report, rebuilt after the performance measures: <warehouse dir>/report/index.html and tables/."""

import dagster as dg

from orchestration.defs.report import REPORT
from orchestration.resources import WarehouseResource
from warehouse.report.build import build_report, default_out
from warehouse.report.titles import TABLES

# The metric tables the report shows, one asset each (["metrics", <table>]) in the metrics group; it also shows the
# risk model's evaluation (orchestration/defs/risk/line_model.py).
METRIC_TABLES = tuple(TABLES)


@REPORT.asset(
    key=["report", "leadership_report"],
    deps=[*(dg.AssetKey(["metrics", table]) for table in METRIC_TABLES), dg.AssetKey(["risk", "model_evaluation"])],
    # It only reads the warehouse, but on DuckDB 2.0 an open reader blocks a writer in another process: in the
    # writers' pool (as every asset of a Group) it never opens the file while a load or a metric asset writes it.
)
def leadership_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Static HTML report (a front page of headline measures, a page per measure family and its detail, report
    cards, methods; charts drawn at build time as inline SVG: opens with no server and no network) and every metric
    table as CSV and Parquet, written to `report/` beside the warehouse."""
    from expectations.runner import build_docs_index  # imports Great Expectations: only when the report is built

    # The quality suites render their own pages; the index the report links to is built once per run, here and at
    # the end of `tradewh run` (which also lists the suites of a run that failed before the report).
    build_docs_index(warehouse.warehouse_file)
    result = build_report(warehouse.warehouse_file, default_out(warehouse.warehouse_file), live=True)
    if result.not_computed:
        context.log.warning(f"not computed yet: {', '.join(result.not_computed)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.index)),
            "charts": result.figures,
            "pages": len(result.pages),
            "tables_exported": len(result.exports),
            "not_computed": ", ".join(result.not_computed) or "none",
            "read_from": str(result.source),
        }
    )
