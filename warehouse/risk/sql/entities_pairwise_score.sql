-- Pairs of distinct importer numbers sharing a true entity, a predicted one, and both.
select
    count(*) filter (where a.entity_id_t = b.entity_id_t) as true_pairs,
    count(*) filter (where a.entity_id_p = b.entity_id_p) as predicted_pairs,
    count(*) filter (where a.entity_id_t = b.entity_id_t and a.entity_id_p = b.entity_id_p) as true_positives
from both_ids as a
inner join both_ids as b
    on
        a.importer_number < b.importer_number
        and (a.entity_id_t = b.entity_id_t or a.entity_id_p = b.entity_id_p)
