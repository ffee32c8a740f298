"""Line editing, history and Tab completion for the interactive shell (GNU readline or libedit, whichever Python
was built with; without either the shell still works, line by line)."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from warehouse.sql_files import query

KEYWORDS = [
    "select",
    "from",
    "where",
    "group",
    "by",
    "order",
    "limit",
    "having",
    "join",
    "left",
    "inner",
    "on",
    "using",
    "with",
    "as",
    "and",
    "or",
    "not",
    "null",
    "is",
    "in",
    "like",
    "ilike",
    "between",
    "case",
    "when",
    "then",
    "else",
    "end",
    "distinct",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "cast",
    "date",
    "interval",
    "describe",
    "summarize",
    "show",
    "tables",
    "union",
    "all",
    "qualify",
    "over",
    "partition",
    "window",
    "filter",
    "pivot",
    "unpivot",
    "explain",
    "analyze",
]
HISTORY_ENV = "TRADEWH_SQL_HISTORY"
HISTORY_LINES = 5000
# Every schema, table and column name the shell completes.
NAMES = query(__package__, "completion_names")


def history_path() -> Path:
    return Path(os.environ.get(HISTORY_ENV) or Path.home() / ".tradewh_sql_history")


class Completer:
    """Completes keywords, schema names, `schema.table` and table and column names of the copy."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        schemas = {s for s, _, _ in rows}
        self.qualified = sorted({f"{s}.{t}" for s, t, _ in rows} | {f"{t}.{c}" for _, t, c in rows})
        self.plain = sorted(schemas | {t for _, t, _ in rows} | {c for _, _, c in rows} | set(KEYWORDS))
        self.matches: list[str] = []

    def candidates(self, text: str) -> list[str]:
        pool = self.qualified if "." in text else self.plain
        lowered = text.lower()
        found = [n for n in pool if n.lower().startswith(lowered)]
        if "." not in text:  # offer `schema.` too, so a second Tab goes on into its tables
            found += [f"{n}." for n in {q.split(".")[0] for q in self.qualified} if n.lower().startswith(lowered)]
        return sorted(set(found))

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            self.matches = self.candidates(text)
        return self.matches[state] if state < len(self.matches) else None


def enable(con) -> object | None:
    """Turn on line editing with the copy's names; returns the readline module (to save history) or None."""
    try:
        import readline
    except ImportError:
        return None
    rows = con.execute(NAMES).fetchall()
    completer = Completer(rows)
    readline.set_completer(completer.complete)
    readline.set_completer_delims(re.sub(r"[._]", "", " \t\n()[]{},;=<>+-*/'\"|!"))
    binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
    readline.parse_and_bind(binding)
    readline.set_history_length(HISTORY_LINES)
    path = history_path()
    if path.exists():
        with contextlib.suppress(OSError):  # an unreadable history is no reason to refuse a shell
            readline.read_history_file(path)
    return readline


def save_history(readline) -> None:
    if readline is None:
        return
    path = history_path()
    with contextlib.suppress(OSError):  # a history that cannot be saved is no reason to fail the session
        # Queries can name people: the file is private from its creation, not after it.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        readline.write_history_file(path)
