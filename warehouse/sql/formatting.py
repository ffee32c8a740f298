"""Printing results: CSV, JSON and a plain aligned table for scripts (`tradewh sql -c`, unchanged so scripts keep
parsing it), and a readable table for people in the interactive shell (numbers right-aligned, no float noise, wide
cells and results cut to the terminal with a note of what was left out)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

import numpy as np

MAX_CELL = 40  # characters of one cell in the interactive table
SIGNIFICANT = 10  # digits a float keeps (more when its integer part is longer): no binary noise, no lost digits


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_result(columns: list[str], rows: Iterable[tuple], fmt: str, out: TextIO) -> None:
    """Print a result as an aligned table, CSV or JSON (a list of objects): the scripting formats."""
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


def format_float(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e15 or abs(value) < 1e-6):
        return f"{value:.{SIGNIFICANT - 1}e}"
    # Every digit of the integer part, and the fraction rounded so the whole keeps SIGNIFICANT digits.
    whole_digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    decimals = max(SIGNIFICANT - whole_digits, 2)  # cents survive on large amounts
    return np.format_float_positional(value, precision=decimals, unique=True, fractional=True, trim="-")


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal | np.number) and not isinstance(value, bool)


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return format_float(value)
    text = str(value).replace("\n", "⏎")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


@dataclass
class Shown:
    rows: list[tuple]
    total: int  # rows in the result, shown or not


def pretty_table(columns: list[str], shown: Shown, width: int, out: TextIO) -> None:
    """The interactive table: right-aligned numbers, cells cut at MAX_CELL, columns that do not fit `width` left
    out with their names listed, and a count of the rows not shown."""
    numeric = (
        [
            all(v is None or _is_number(v) for v in col) and any(v is not None for v in col)
            for col in zip(*shown.rows, strict=True)
        ]
        if shown.rows
        else [False] * len(columns)
    )
    cells = [[_cell(v) for v in row] for row in shown.rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    fits, used = 0, 0
    for w in widths:
        if fits and used + 2 + w > width:
            break
        used += (2 if fits else 0) + w
        fits += 1

    def line(values: list[str]) -> str:
        pairs = enumerate(zip(values, widths, strict=True))
        parts = [v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in pairs][:fits]
        return "  ".join(parts).rstrip() + "\n"

    out.write(line([c.rjust(w) if numeric[i] else c for i, (c, w) in enumerate(zip(columns, widths, strict=True))]))
    out.write("  ".join("-" * w for w in widths[:fits]) + "\n")
    for row in cells:
        out.write(line(row))
    notes = []
    if len(shown.rows) < shown.total:
        notes.append(f"first {len(shown.rows):,} of {shown.total:,} rows shown: add LIMIT, or use -c with --format csv")
    else:
        notes.append(f"{shown.total:,} row{'s' if shown.total != 1 else ''}")
    if fits < len(columns):
        hidden = columns[fits:]
        listed = ", ".join(hidden[:8]) + (", …" if len(hidden) > 8 else "")
        notes.append(f"{len(hidden)} more column{'s' if len(hidden) != 1 else ''} not shown: {listed}")
    out.write("(" + "; ".join(notes) + ")\n")
