"""Resources shared by every domain, configured from the environment (TRADEWH_WAREHOUSE, TRADEWH_LANDING)."""

import dagster as dg

from orchestration.resources import WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": WarehouseResource.from_environment()})
