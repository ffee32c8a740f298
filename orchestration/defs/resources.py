"""Resources shared by every domain; the warehouse resource reads TRADEWH_WAREHOUSE and TRADEWH_LANDING."""

import dagster as dg

from orchestration.resources import WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": WarehouseResource()})
