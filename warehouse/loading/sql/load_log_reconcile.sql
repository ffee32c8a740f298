-- Files logged as loaded whose counts do not reconcile: rows read <> loaded + quarantined, or the raw table or the
-- quarantine holding another number of the file's rows than logged. `raw_counts` counts each feed's raw rows
-- per file (a union over the feeds, built in load_log.reconcile).
with actual_raw as ({{ raw_counts }}),

actual_quarantine as (
    select
        file_sha256 as sha,
        count(*) as n
    from ops.quarantine
    group by file_sha256
)

select
    l.load_id,
    l.file_sha256,
    l.feed,
    l.delivery_date,
    l.path,
    l.rows_read,
    l.rows_loaded,
    l.rows_quarantined,
    coalesce(r.n, 0) as raw_rows,
    coalesce(q.n, 0) as quarantine_rows
from ops.load_log as l
left join actual_raw as r on l.feed = r.feed and l.file_sha256 = r.sha
left join actual_quarantine as q on l.file_sha256 = q.sha
where
    l.status = $loaded and l.feed in (select unnest($feeds)) and (
        l.rows_read <> l.rows_loaded + l.rows_quarantined
        or coalesce(r.n, 0) <> l.rows_loaded
        or coalesce(q.n, 0) <> l.rows_quarantined
    )
order by l.load_id
