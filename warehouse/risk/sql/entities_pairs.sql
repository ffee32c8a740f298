-- Splink's scored pairs, in a stable order.
select
    record_id_l,
    record_id_r,
    importer_number_l,
    importer_number_r,
    match_probability,
    match_weight
from {{ predictions }}
order by record_id_l, record_id_r
