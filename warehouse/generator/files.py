"""Landing files: a day's table split into files, and their names, formats and writing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import FEEDS
from warehouse.generator.writers import EXTENSIONS, MIXED_CYCLE, encode, write

ROWS_PER_FILE = 100_000


def split(table: pa.Table, feed: str) -> list[pa.Table]:
    """Files of at most ROWS_PER_FILE rows; entries split only between entries (an entry stays in one file)."""
    if table.num_rows <= ROWS_PER_FILE:
        return [table]
    cuts = [0]
    if feed == "entries":
        numbers = table.column("entry_number")
        changed = pc.not_equal(numbers.slice(1), numbers.slice(0, table.num_rows - 1))
        boundaries = np.flatnonzero(pc.fill_null(changed, True).to_numpy(zero_copy_only=False)) + 1
        target = ROWS_PER_FILE
        while target < table.num_rows:
            i = int(np.searchsorted(boundaries, target))
            cut = int(boundaries[min(i, boundaries.size - 1)]) if boundaries.size else table.num_rows
            if cut <= cuts[-1]:
                break
            cuts.append(cut)
            target = cut + ROWS_PER_FILE
    else:
        cuts += list(range(ROWS_PER_FILE, table.num_rows, ROWS_PER_FILE))
    cuts.append(table.num_rows)
    return [table.slice(a, b - a) for a, b in pairwise(cuts) if b > a]


class Writer:
    """Names, formats and writes the landing files (synchronously); counts what it wrote in `summary`."""

    def __init__(self, out: Path, fmt: str, summary):
        self.out, self.fmt, self.summary = out, fmt, summary
        self.sequence: dict[tuple[str, int], int] = defaultdict(int)

    def file_format(self, feed: str, day_index: int, number: int) -> str:
        if self.fmt != "mixed":
            return self.fmt
        return MIXED_CYCLE[(day_index + list(FEEDS).index(feed) + number) % len(MIXED_CYCLE)]

    def path(self, feed: str, day_index: int, delivered: date, fmt: str, tag: str = "") -> Path:
        self.sequence[(feed, day_index)] += 1
        number = self.sequence[(feed, day_index)]
        name = f"{feed}_{delivered:%Y%m%d}{tag}_{number:03d}{EXTENSIONS[fmt]}"
        return self.out / feed / f"{delivered:%Y-%m-%d}" / name

    def write(self, feed: str, day_index: int, delivered: date, table: pa.Table, tag: str = "") -> Path:
        fmt = self.file_format(feed, day_index, self.sequence[(feed, day_index)])
        path = self.path(feed, day_index, delivered, fmt, tag)
        write(path, encode(table, feed, fmt))
        self.summary.rows[feed] = self.summary.rows.get(feed, 0) + table.num_rows
        self.summary.files += 1
        return path

    def relative(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()
