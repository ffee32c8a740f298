-- The files a raw table holds rows of, with their row counts.
select
    _file_sha256,
    count(*) as row_count
from {{ table }}
group by _file_sha256
