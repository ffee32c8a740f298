-- Each line filed since the oldest cutoff in force, with the model of the latest cutoff on or before its filing day.
create or replace temp table risk_assigned as
select
    l.entry_number,
    l.line_number,
    l.loaded_at,
    m.model_id
from marts.fct_entry_lines as l
asof inner join risk_models_in_force as m on l.filed_date >= m.cutoff
