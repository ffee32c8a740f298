-- Scores no longer current: the line is gone, its model changed, or it was loaded again after it was scored.
delete from risk.line_scores as s
where not exists (
        select 1 from risk_assigned as a
        where
            s.entry_number = a.entry_number and s.line_number = a.line_number
            and s.model_id = a.model_id and a.loaded_at <= s.scored_at
    )
