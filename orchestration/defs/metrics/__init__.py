"""Performance-measure assets (group `metrics`): one per table of schema `metrics`."""

from orchestration.policy import Group

METRICS = Group("metrics")
