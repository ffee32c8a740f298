"""`tradewh sql`: analysts' SQL on the published read-only copy of the warehouse.

The copy is a separate file replaced atomically after each successful run, so a query here never blocks a load and
a load never breaks a query (the old copy stays readable until the query's connection closes).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import duckdb

from warehouse.config import analyst_path

PROMPT, CONTINUATION = "tradewh> ", "      -> "


class AnalystCopyMissing(RuntimeError):
    pass


def open_analyst_copy(warehouse: Path) -> duckdb.DuckDBPyConnection:
    path = analyst_path(warehouse)
    if not path.exists():
        raise AnalystCopyMissing(f"no analyst copy at {path}: run `tradewh run` (or `tradewh demo`) first")
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set enable_progress_bar = false")
    return con


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_result(columns: list[str], rows: Iterable[tuple], fmt: str, out: TextIO) -> None:
    """Print a result as an aligned table, CSV or JSON (a list of objects)."""
    rows = list(rows)
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        json.dump([{c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows], out, indent=1)
        out.write("\n")
    else:
        cells = [[("" if v is None else str(v)) for v in row] for row in rows]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def run_query(con: duckdb.DuckDBPyConnection, query: str, fmt: str, out: TextIO) -> None:
    cursor = con.execute(query)
    if cursor.description is None:
        return
    write_result([d[0] for d in cursor.description], cursor.fetchall(), fmt, out)


def interactive(con: duckdb.DuckDBPyConnection, fmt: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """A minimal shell: statements end with `;`, `\\q` or end of input quits, errors are printed, not fatal."""
    tty = stdin.isatty()
    out.write("Read-only SQL on the analyst copy. End statements with ';'. \\q quits. Try: show all tables;\n")
    buffer: list[str] = []
    while True:
        if tty:
            out.write(CONTINUATION if buffer else PROMPT)
            out.flush()
        line = stdin.readline()
        if not line or (not buffer and line.strip() in ("\\q", "quit", "exit")):
            break
        buffer.append(line)
        statement = "".join(buffer).strip()
        if statement.endswith(";"):
            buffer.clear()
            try:
                run_query(con, statement, fmt, out)
            except duckdb.Error as error:
                out.write(f"error: {error}\n")
    out.flush()
