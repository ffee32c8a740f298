-- Replace both tables with the resolution's frames (the temp views new_importer_entities and new_entities), typed
-- as declared in entities.py (the columns of an empty frame carry no type).
create or replace table risk.importer_entities as
select
    {{ member_columns }},
    current_timestamp::timestamptz as resolved_at
from new_importer_entities
order by importer_number;

create or replace table risk.entities as
select
    {{ entity_columns }},
    current_timestamp::timestamptz as resolved_at
from new_entities
order by entity_id;
