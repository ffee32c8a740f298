"""Resources shared by every domain: the warehouse, configured per run (its unset fields default to TRADEWH_WAREHOUSE
and TRADEWH_LANDING, orchestration/resources.py)."""

import dagster as dg

from orchestration.resources import WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": WarehouseResource()})
