"""Engines beyond the DuckDB file: PostgreSQL and Spark, which hold the same marts when one machine is outgrown
(docs/scale-out.md). The loader stays on DuckDB; `shipping` copies its raw and reference rows to the engine."""
