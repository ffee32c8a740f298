-- Every enforcement event of an importer: penalties, seizures and audit findings, one layout.
select
    importer_number,
    'penalty' as kind,
    opened_on as event_on,
    coalesce(culpability, statute) as detail,
    coalesce(loss_of_revenue_usd, 0)::double as amount_usd,
    false as referral
from marts.fct_penalties
union all
select
    importer_number,
    'seizure' as kind,
    seized_on as event_on,
    violation as detail,
    coalesce(domestic_value_usd, 0)::double as amount_usd,
    false as referral
from marts.fct_seizures
union all
select
    importer_number,
    'audit_finding' as kind,
    coalesce(closed_on, opened_on) as event_on,
    audit_type as detail,
    coalesce(revenue_loss_usd, 0)::double as amount_usd,
    is_penalty_referral as referral
from marts.fct_audits
where has_findings
