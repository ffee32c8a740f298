"""The warehouse: dbt models (staging, intermediate, marts; their groups are the layers, dbt_models.py), the
analysts' read-only copy and dbt's documentation site."""

from orchestration.policy import Group

ACCESS = Group("access", kinds=frozenset({"duckdb"}))
DOCS = Group("docs", kinds=frozenset({"dbt", "html"}))
