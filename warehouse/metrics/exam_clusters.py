"""The per-exam sums behind a hit rate's clustered variance (`targeting.clustered_rate`), one query for the targeting
measures and the targeting-rule efficiency alike (sql/exam_clusters.sql)."""

from __future__ import annotations

from warehouse.sql_files import query


def exam_clusters_sql(lines: str, keys: str) -> str:
    """The select of the exams and sums s_hh, s_hm, s_mm per group `keys` (a column list) of the examined lines in
    the relation `lines` (columns exam_id and is_material)."""
    return query(__package__, "exam_clusters", cluster_lines=lines, cluster_keys=keys)
