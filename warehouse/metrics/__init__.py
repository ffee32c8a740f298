"""Performance measures: one table per measure family in schema `metrics`, all in the layout of `estimates.py`,
estimated from the compliance-measurement random sample with its design weights where they are sample-based
(docs/metrics.md)."""
