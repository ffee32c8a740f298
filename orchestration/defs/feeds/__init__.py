"""Ingestion: the static reference tables and one delivery-date-partitioned asset per contract feed."""

from orchestration.policy import Group

# Loaded when deliveries land (the sensor, the schedule, `tradewh run`), never by the automation daemon.
FEED_GROUP = Group("feeds", automation_condition=None)
REFERENCE_GROUP = Group("reference", kinds=frozenset({"duckdb"}), automation_condition=None)
