-- The assigned lines without a current score, numbered for scoring in chunks.
create or replace temp table risk_to_score as
select
    a.entry_number,
    a.line_number,
    a.model_id,
    row_number() over (order by a.entry_number, a.line_number) - 1 as chunk_position
from risk_assigned as a
anti join risk.line_scores using (entry_number, line_number)
