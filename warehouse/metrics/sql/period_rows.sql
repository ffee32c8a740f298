-- A fact table's rows, each once per fiscal period kind it falls in, with the domain value it is counted under: the
-- rows every per-period, per-domain count of the targeting measures and the report cards groups (period_rows.py).
select
    *,
    -- One row per period kind: unnest spreads the struct into period_kind and period (no alias to give).
    unnest({{ periods }}, recursive := true),  -- noqa: AL03
    {{ domain_sql }} as domain_value
from {{ fact_table }}
