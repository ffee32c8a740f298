"""The warehouse: the shipment to an external engine (shipment.py), dbt models (staging, intermediate, marts;
their groups are the layers, dbt_models.py), the analysts' read-only copy and dbt's documentation site."""

import dagster as dg

from orchestration.policy import Group

ACCESS = Group("access", kinds=frozenset({"duckdb"}))
DOCS = Group("docs", kinds=frozenset({"dbt", "html"}))
ENGINE = Group("engine", kinds=frozenset({"duckdb", "python"}))

# Every dbt model waits for this asset: on PostgreSQL or Spark it brings the engine's raw rows level with the loader's.
SHIPMENT_KEY = dg.AssetKey(["ops", "engine_shipment"])
