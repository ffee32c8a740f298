"""The analysts' read-only copy, republished after the models, risk scores, measures and report are built."""

import importlib
import pkgutil

import dagster as dg

from orchestration.defs.warehouse.dbt_models import warehouse_models
from orchestration.resources import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, WarehouseResource
from warehouse.db import publish_analyst_copy

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


@dg.asset(
    key=["ops", "analyst_copy"],
    deps=[key for key in warehouse_models.keys if key.path[0] == "marts"] + downstream_asset_keys(),
    group_name="access",
    kinds={"duckdb"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def analyst_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Copy the warehouse to `<name>.analyst.duckdb` and swap it in atomically: analysts read this file, so their
    queries never hold the lock a load needs, and they always see a consistent, fully built warehouse."""
    path = publish_analyst_copy(warehouse.warehouse_file)
    context.log.info(f"published {path}")
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size})


warehouse_job = dg.define_asset_job(
    "warehouse_job",
    selection=dg.AssetSelection.groups("staging", "intermediate", "marts", "risk", "metrics", "report", "access"),
    description=(
        "Build and test the dbt models, score risk, compute the performance measures and the report, then publish "
        "the analysts' read-only copy."
    ),
)
