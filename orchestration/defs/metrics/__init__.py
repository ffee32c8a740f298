"""Performance-measure assets (group `metrics`): one per table of schema `metrics`."""
