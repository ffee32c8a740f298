"""Whether a file's header keeps the contract: a CSV header or Parquet schema must name every required column.

A header without a required column would quarantine every row for the same reason, once per row; the file is
instead rejected whole with one reason that says which column is missing and, when the header holds an obvious
misspelling of it, which name was found (`header has no column entry_number; found entry_no`). JSONL has no header
(keys vary per line), so a missing key stays a per-row `required` violation there.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from warehouse.contract.schema import Feed

# How alike a found name must be to a missing one to be named as its likely misspelling (difflib ratio, on lower
# case): `entry_no` / `entry_number` is 0.7, `Entry_Number` / `entry_number` 1.0, `foo` / `street` 0. It is only
# a hint in the message, never used to read the column.
_CLOSE = 0.6
# The message is one sentence: this many names at most, each cut to this length (names in a file are free text).
_MAX_NAMES = 6
_MAX_NAME = 40


def _shown(name: str) -> str:
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 1] + "…"


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(_shown(n) for n in names[:_MAX_NAMES])
    return shown + (f" and {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")


def closest_found(missing: Sequence[str], header: Sequence[str], feed: Feed) -> dict[str, str]:
    """Missing column -> the unknown header name that is an obvious misspelling of it (each name used once)."""
    unknown = {name.lower(): name for name in header if name not in feed.column_names}
    found: dict[str, str] = {}
    for column in missing:
        match = difflib.get_close_matches(column, list(unknown), n=1, cutoff=_CLOSE)
        if match:
            found[column] = unknown.pop(match[0])
    return found


def header_problem(feed: Feed, header: Sequence[str]) -> str | None:
    """None when the header names every required column of the feed (and at least one of its columns); otherwise
    the one-sentence reason the file is rejected."""
    missing = [c for c in feed.required_columns if c not in header]
    if not missing:
        if any(c in header for c in feed.column_names):
            return None
        return f"header has none of the columns of feed {feed.name}; found {_listed(header) or 'no column'}"
    found = closest_found(missing, header, feed)
    if len(missing) == 1:
        [column] = missing
        return f"header has no column {column}" + (f"; found {_shown(found[column])}" if column in found else "")
    message = f"header has no columns {_listed(missing)}"
    if found:
        pairs = [f"{_shown(name)} for {column}" for column, name in found.items()]
        return f"{message}; found {_listed(pairs)}"
    if not any(c in header for c in feed.column_names):
        return f"{message} (none of the columns of feed {feed.name}); found {_listed(header) or 'no column'}"
    return message
