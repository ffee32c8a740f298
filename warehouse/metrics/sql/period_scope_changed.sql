-- The periods whose inputs changed since the table was last measured: a signature or row count differs, or the
-- period is new or gone.
with stored as (
    select * from {{ state_table }}
    where measure_table = $measure_table
)

select
    coalesce(n.period_kind, o.period_kind) as period_kind,
    coalesce(n.period, o.period) as period
from _signatures_now as n
full join stored as o using (period_kind, period)
where n.signature is distinct from o.signature or n.rows_in is distinct from o.rows_in
