"""The loader's rows shipped to the engine that builds the marts, before each dbt build (warehouse/engines/)."""

import dagster as dg

from orchestration.defs.warehouse import ENGINE, SHIPMENT_KEY
from orchestration.defs.warehouse.dbt_models import warehouse_models
from orchestration.resources import WarehouseResource
from warehouse.engines.shipping import ship_to

# The raw and reference tables the dbt project reads (its sources), the only tables shipped.
SOURCES = sorted(
    (key for key in warehouse_models.dependency_keys if key not in warehouse_models.keys and key != SHIPMENT_KEY),
    key=lambda key: key.to_user_string(),
)


@ENGINE.asset(key=SHIPMENT_KEY.path, deps=SOURCES)
def engine_shipment(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Bring the engine's copy of the raw and reference tables level with the DuckDB warehouse, by delivered file:
    new files are appended, files the warehouse no longer holds removed, changed reference tables replaced; a
    repeated shipment sends nothing. On DuckDB (the default engine) dbt builds in the warehouse file: nothing to do."""
    engine = warehouse.engine_choice
    if not engine.external:
        return dg.MaterializeResult(metadata={"engine": engine.name, "files_added": 0, "rows_added": 0})
    with warehouse.connect(read_only=True) as con:
        shipment = ship_to(engine, con)
    context.log.info(
        f"shipped to {engine.name} ({engine.location}): {sum(shipment.files_added.values())} files, "
        f"{sum(shipment.rows_added.values()):,} rows; {sum(shipment.files_removed.values())} files removed; "
        f"{len(shipment.tables_replaced)} reference tables replaced"
    )
    return dg.MaterializeResult(
        metadata={
            "engine": engine.name,
            "location": engine.location,
            "files_added": sum(shipment.files_added.values()),
            "rows_added": sum(shipment.rows_added.values()),
            "files_removed": sum(shipment.files_removed.values()),
            "tables_replaced": dg.MetadataValue.text(", ".join(shipment.tables_replaced) or "none"),
        }
    )
