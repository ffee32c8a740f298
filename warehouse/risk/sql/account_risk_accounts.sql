-- Every importer account's all-time row: the accounts the scores cover.
select
    a.importer_number,
    a.legal_name,
    a.line_count,
    a.entered_value_usd::double as entered_value_usd
from marts.mart_importer_accounts as a
where a.account_period = 'all_time'
