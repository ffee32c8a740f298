-- Pairs of linking records that agree on every column of the prior's blocking rule (`same_prior_rule`).
select count(*) as pairs
from linking_records as l
inner join linking_records as r
    on l.record_id < r.record_id and {{ same_prior_rule }}
