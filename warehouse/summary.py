"""The short text summary `tradewh run` and `tradewh demo` print: rows per table, quarantined rows by reason."""

from __future__ import annotations

SCHEMAS = ("raw", "marts")


def load_summary(con) -> str:
    lines = ["Rows per table:"]
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) order by 1, 2",
        [list(SCHEMAS)],
    ).fetchall()
    for schema, table in tables:
        count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
        lines.append(f"  {schema}.{table:<32} {count:>12,}")
    has_quarantine = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'ops' and table_name = 'quarantine'"
    ).fetchone()[0]
    if has_quarantine:
        reasons = con.execute(
            "select feed, rule, count(*) from ops.quarantine group by all order by 3 desc, 1, 2"
        ).fetchall()
        total = sum(r[2] for r in reasons)
        lines.append(f"Quarantined rows: {total:,}" + (" by feed and rule broken:" if reasons else ""))
        lines += [f"  {feed:<14} {rule:<40} {count:>8,}" for feed, rule, count in reasons]
    return "\n".join(lines)
