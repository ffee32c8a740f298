"""The analysts' read-only copies (masked default, clear entitled), republished after the models, risk scores,
measures and report are built."""

import importlib
import pkgutil
import time

import dagster as dg

from orchestration.defs.warehouse import ACCESS
from orchestration.defs.warehouse.dbt_models import warehouse_models
from orchestration.resources import WarehouseResource
from warehouse.access.masking_key import masking_key
from warehouse.access.publish import publish_copies
from warehouse.engines.postgres_publish import publish_postgres
from warehouse.engines.settings import POSTGRES, Engine
from warehouse.engines.write_back import write_back

# The analysts see what the downstream domains compute, so the copy waits for every asset they define.
DOWNSTREAM_DOMAINS = ("risk", "metrics", "report")


def downstream_asset_keys() -> list[dg.AssetKey]:
    """Keys of the assets defined in orchestration/defs/<domain>/ for the downstream domains, found the way
    `load_from_defs_folder` finds them (module-level asset definitions), so a new asset there needs no wiring here."""
    keys: set[dg.AssetKey] = set()
    for domain in DOWNSTREAM_DOMAINS:
        package = importlib.import_module(f"orchestration.defs.{domain}")
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, dg.AssetsDefinition):
                    keys.update(value.keys)
    return sorted(keys, key=lambda key: key.to_user_string())


@ACCESS.asset(
    key=["ops", "analyst_copy"],
    deps=[key for key in warehouse_models.keys if key.path[0] == "marts"] + downstream_asset_keys(),
)
def analyst_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Copy the warehouse to `<name>.analyst.duckdb` (personal and confidential columns masked as the dbt yml tags
    them) and `<name>.entitled.duckdb` (clear, readable by the entitled group only), each swapped in atomically:
    analysts read these files, so their queries never hold the lock a load needs, and they always see a
    consistent, fully built warehouse."""
    published = publish_copies(warehouse.warehouse_file)
    context.log.info(f"published {published.analyst} ({len(published.masked)} columns masked) and {published.entitled}")
    if published.entitled_group is None:
        context.log.info("the entitled copy is readable by its owner only: set TRADEWH_ENTITLED_GROUP to share it")
    if published.undeclared:
        context.log.warning(
            f"tables no dbt yml declares, published unreviewed: {', '.join(published.undeclared)} "
            "(declare them in dbt_project/models/platform/_platform__sources.yml, tagging any personal column)"
        )
    if published.unmatched:
        context.log.warning(f"tagged columns missing from their tables: {', '.join(published.unmatched)}")
    metadata: dict[str, str | int] = {
        "path": str(published.analyst),
        "bytes": published.analyst.stat().st_size,
        "entitled_path": str(published.entitled),
        "entitled_group": published.entitled_group or "(owner only)",
        "masked_columns": len(published.masked),
    }
    engine = warehouse.engine_choice
    if engine.external:
        metadata.update(_publish_on_engine(context, engine, warehouse))
    return dg.MaterializeResult(metadata=metadata)


def _publish_on_engine(
    context: dg.AssetExecutionContext, engine: Engine, warehouse: WarehouseResource
) -> dict[str, str | int]:
    """On PostgreSQL or Spark the engine is what analysts query: it receives the risk scores, measures and load and
    quality records (warehouse/engines/write_back.py) beside the marts it built; on PostgreSQL the analysts' schemas
    are then published from them."""
    started = time.monotonic()
    with warehouse.connect(read_only=True) as con:
        written = write_back(engine, con)
    seconds = time.monotonic() - started
    context.log.info(
        f"wrote {len(written)} tables, {sum(written.values()):,} rows, back to {engine.name} in {seconds:.1f} s"
    )
    metadata: dict[str, str | int] = {
        "engine": engine.name,
        "engine_location": engine.location,
        "tables_written_back": len(written),
    }
    if engine.name == POSTGRES:
        # Analysts read the server's `analyst` (masked, with the DuckDB copy's key and values) and `entitled` schemas,
        # swapped in whole without waiting on their readers (warehouse/engines/postgres_publish.py).
        published = publish_postgres(engine.postgres_url, masking_key(warehouse.warehouse_file))
        context.log.info(
            f"published schemas analyst and entitled on {engine.location}: {len(published.tables)} tables, "
            f"{published.masked_columns} columns masked, in {published.seconds:.1f} s"
        )
        if published.old_generations_left:
            context.log.info(
                f"still read by an analyst, dropped at the next publish: {', '.join(published.old_generations_left)}"
            )
        metadata.update(engine_tables_published=len(published.tables), engine_masked_columns=published.masked_columns)
    return metadata


warehouse_job = dg.define_asset_job(
    "warehouse_job",
    selection=dg.AssetSelection.groups(
        "engine", "staging", "intermediate", "marts", "risk", "metrics", "report", "access", "docs"
    ),
    description=(
        "Ship the loader's rows to the engine (PostgreSQL or Spark, when one is chosen), build and test the dbt "
        "models, score risk, compute the performance measures and the report, then publish the analysts' read-only "
        "copy (and write the results back to the engine) and the dbt documentation."
    ),
)
