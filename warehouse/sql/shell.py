"""`tradewh sql`: analysts' SQL on a published, sealed, read-only copy of the warehouse.

The copy is a separate file replaced atomically after each successful run, so a query here never blocks a load and
a load never breaks a query (the old copy stays readable until the query's connection closes).
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

import duckdb

from warehouse.sql import completion
from warehouse.sql.formatting import Shown, pretty_table, write_result
from warehouse.sql.meta_commands import Session, is_meta, run_meta

PROMPT, CONTINUATION = "tradewh> ", "      -> "
MAX_ROWS = 500  # rows the interactive table prints; the rest are counted, not shown
FETCH = 10_000


def run_query(con, query: str, fmt: str, out: TextIO) -> None:
    """Run `query` and print its result in a scripting format (table, csv, json)."""
    cursor = con.execute(query)
    if cursor is None or cursor.description is None:  # no statement (a comment) or one without rows
        return
    write_result([d[0] for d in cursor.description], cursor.fetchall(), fmt, out)


def _show(con, statement: str, session: Session) -> None:
    started = time.perf_counter()
    cursor = con.execute(statement)
    if cursor is not None and cursor.description is not None:
        rows = cursor.fetchmany(MAX_ROWS)
        total = len(rows)
        # DuckDB refuses the next statement until this result is read to its end: count the rest, keep none of it.
        while len(rows) == MAX_ROWS and (more := len(cursor.fetchmany(FETCH))):
            total += more
        pretty_table([d[0] for d in cursor.description], Shown(rows, total), session.width, session.out)
    if session.timing:
        session.out.write(f"Time: {time.perf_counter() - started:.3f} s\n")


def _lines(stdin: TextIO, tty: bool, buffer: list[str]):
    """The shell's input lines: through readline's `input()` at a terminal, else read from `stdin` as is."""
    while True:
        if tty:
            try:
                yield input(CONTINUATION if buffer else PROMPT) + "\n"
            except EOFError:
                return
            except KeyboardInterrupt:  # Ctrl-C abandons the statement being typed, as in psql
                buffer.clear()
                sys.stdout.write("\n")
        else:
            line = stdin.readline()
            if not line:
                return
            yield line


def interactive(con, fmt: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """The shell: statements end with `;`; backslash commands (\\dt, \\d, \\timing, \\q, \\?) act at once; errors are
    printed, not fatal. At a terminal: line editing, history and Tab completion. `fmt` other than "table" prints
    results as CSV or JSON, for pasting."""
    tty = stdin.isatty() and stdin is sys.stdin
    readline = completion.enable(con) if tty else None
    width = shutil.get_terminal_size((120, 24)).columns if tty else 10_000
    session = Session(width=width, out=out)
    what = "the entitled copy (clear personal data)" if getattr(con, "entitled", False) else "the analyst copy"
    out.write(f"Read-only SQL on {what}. End statements with ';'. \\? for help, \\q quits.\n")
    buffer: list[str] = []
    try:
        for line in _lines(stdin, tty, buffer):
            if is_meta(line, in_statement=bool(buffer)):
                try:
                    run_meta(con, session, line)
                except duckdb.Error as error:
                    out.write(f"error: {error}\n")
                if session.quit:
                    break
                continue
            if not buffer and not line.strip():
                continue
            buffer.append(line)
            statement = "".join(buffer).strip()
            if statement.endswith(";"):
                buffer.clear()
                try:
                    if fmt == "table":
                        _show(con, statement, session)
                    else:
                        run_query(con, statement, fmt, out)
                except duckdb.Error as error:
                    out.write(f"error: {error}\n")
            out.flush()
    finally:
        completion.save_history(readline)
        out.flush()
