-- The latest scoring run of each of the cutoffs: its model, status and time.
select
    cutoff,
    arg_max(model_id, trained_at) as model_id,
    arg_max(status, trained_at) as status,
    max(trained_at) as trained_at
from risk.model_runs
where purpose = 'scoring' and list_contains($cutoffs, cutoff)
group by cutoff
