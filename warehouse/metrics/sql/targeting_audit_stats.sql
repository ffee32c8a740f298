-- Per period and domain value: audits opened, their hours and revenue, and closed audits with findings.
-- audit_rows: period_rows.sql over marts.fct_audits.
with audits as (
    {{ audit_rows }}
)

select
    period_kind,
    period,
    domain_value::varchar as domain_value,
    count(*) as audits,
    coalesce(sum(audit_hours), 0)::double as audit_hours,
    coalesce(sum(revenue_loss_usd), 0)::double as audit_revenue_found_usd,
    count(*) filter (where is_closed) as closed_audits,
    count(*) filter (where is_closed and has_findings) as closed_with_findings
from audits
group by all
