"""The warehouse: dbt models (staging, intermediate, marts) and the analysts' read-only copy."""
