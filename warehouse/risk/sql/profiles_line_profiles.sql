-- Point-in-time profile features of the lines. The columns and their as-of joins on the cumulative tables are
-- assembled in Python (profiles.create_line_profiles): one join per dimension and key, each rate smoothed toward
-- its parent's, a recursion that reads better there than spelled out for eleven dimensions.
create or replace temp table {{ out_table }} as
select
    l.entry_number,
    l.line_number,
    {{ profile_columns }}
from {{ lines }} as l
{{ profile_joins }}
