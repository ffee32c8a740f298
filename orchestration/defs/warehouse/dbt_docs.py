"""dbt's documentation site, one page that opens from disk: `<data dir>/dbt_docs/index.html`, after each build."""

import dagster as dg

from orchestration.dbt_docs import build_dbt_docs
from orchestration.defs.warehouse import DOCS
from orchestration.defs.warehouse.analyst_copy import downstream_asset_keys
from orchestration.defs.warehouse.dbt_models import warehouse_models
from orchestration.resources import WarehouseResource


@DOCS.asset(
    key=["docs", "dbt_docs"],
    # The catalog lists the columns of every relation dbt documents, the risk and metric tables (dbt sources)
    # included: it waits for everything a run writes, as the analysts' copy does, so a first run shows them all.
    # The marts stand for the whole dbt build (one step); depending on the views too would log a warning per view
    # test a daily build leaves to the weekly job ("emitted no result ... will proceed without gating").
    deps=[*(key for key in warehouse_models.keys if key.path[0] == "marts"), *downstream_asset_keys()],
    # dbt opens the warehouse file to read its catalog: in the writers' pool (as every asset of a Group) it never
    # does so while a load writes.
)
def dbt_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """dbt's documentation (models, columns with types and descriptions, tests, lineage) as one static page that
    opens from disk with no server and no network, written to `dbt_docs/index.html` beside the warehouse. Generating
    it takes about 6 s, so it is regenerated only when the dbt project, the dbt version or the warehouse's
    documented columns changed (orchestration/dbt_docs.py), or the page is missing."""
    docs = build_dbt_docs(warehouse.warehouse_file)
    if docs.generated:
        context.log.info(f"dbt docs generated in {docs.seconds:.1f} s: {docs.path}")
    else:
        context.log.info(f"dbt docs unchanged (project and catalog as before): {docs.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(docs.path)),
            "regenerated": docs.generated,
            "seconds": round(docs.seconds, 2),
            "bytes": docs.path.stat().st_size,
            "inputs_sha256": docs.fingerprint,
        }
    )
