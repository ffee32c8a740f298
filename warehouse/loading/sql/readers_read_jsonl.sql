-- A JSONL file's lines as one text column: `$delimiter` never occurs in valid JSON, so each line is one field;
-- a line that is not UTF-8 goes to DuckDB's reject table `_tw_rejects`.
create temp table _tw_read as
select *
from read_csv(
        $path, columns = { 'line': 'VARCHAR' },
        header = false, auto_detect = false, delim = $delimiter, quote = '', escape = '', new_line = '\n',
        nullstr = '', compression = $compression, store_rejects = true, rejects_table = '_tw_rejects',
        rejects_scan = '_tw_reject_scans'
    )
