-- A CSV file's records as text under positional column names (`$columns`: c0..cN, all varchar), the records DuckDB
-- cannot read going to its reject table `_tw_rejects`. No sniffing: every value stays the text delivered.
create temp table _tw_read as
select *
from read_csv(
        $path, header = true, auto_detect = false,
        delim = ',', quote = '"', escape = '"', nullstr = '', null_padding = false, columns = $columns,
        compression = $compression, store_rejects = true, rejects_table = '_tw_rejects',
        rejects_scan = '_tw_reject_scans'
    )
