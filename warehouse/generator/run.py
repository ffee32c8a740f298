"""The day loop: draw a day, write its feeds and truth, then forget it (memory is bounded by one day)."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import FEEDS
from warehouse.generator import accounts, dirt, entries, exams, schemes, truth
from warehouse.generator.enforcement import draw_enforcement
from warehouse.generator.population import build_population
from warehouse.generator.tariff import tariff as build_tariff
from warehouse.generator.writers import EXTENSIONS, MIXED_CYCLE, encode, write

FORMATS = ("csv", "jsonl", "parquet", "mixed")
ROWS_PER_FILE = 100_000


@dataclass
class GenerationSummary:
    out: str
    start: str
    days: int
    scale: float
    seed: int
    format: str
    dirt_rate: float
    rows: dict[str, int] = field(default_factory=dict)  # rows written per feed (all files, dirt included)
    files: int = 0
    truth: dict[str, str] = field(default_factory=dict)  # truth file (or folder) per name

    def to_dict(self) -> dict:
        return asdict(self)


def _split(table: pa.Table, feed: str) -> list[pa.Table]:
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
            i = np.searchsorted(boundaries, target)
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
    """Names, formats and writes the landing files; counts what it wrote.

    Files are written synchronously by `write`; `submit` runs a job (a day's delivery) on one background thread,
    jobs in submission order, so the next day is drawn while this one is delivered. Arrow and numpy release the
    GIL for most of the work.
    """

    def __init__(self, out: Path, fmt: str, summary: GenerationSummary):
        self.out, self.fmt, self.summary = out, fmt, summary
        self.sequence: dict[tuple[str, int], int] = defaultdict(int)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator-writer")
        self.jobs: deque[Future] = deque()
        self.done = 0  # jobs finished and taken off the queue

    def submit(self, fn: Callable, *args) -> None:
        self.jobs.append(self.pool.submit(fn, *args))

    def mark(self) -> int:
        """A position in the job queue (for `wait`)."""
        return self.done + len(self.jobs)

    def wait(self, upto: int | None = None) -> None:
        """Wait for the jobs submitted before `upto` (all when None), re-raising their errors."""
        upto = self.mark() if upto is None else upto
        while self.jobs and self.done < upto:
            self.jobs.popleft().result()
            self.done += 1

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

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


def generate(
    out: Path,
    start: date,
    days: int,
    scale: float = 0.01,
    seed: int = 0,
    fmt: str = "csv",
    *,
    dirt_rate: float = 0.002,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    if days < 1 or scale <= 0 or not 0 <= dirt_rate < 0.5:
        raise ValueError("days must be >= 1, scale > 0 and 0 <= dirt_rate < 0.5")
    out = Path(out)
    summary = GenerationSummary(str(out), start.isoformat(), days, scale, seed, fmt, dirt_rate)
    pop = build_population(seed, scale, start)
    tariff = build_tariff(pop)
    writer = Writer(out, fmt, summary)
    try:
        _days(out, start, days, pop, tariff, writer, dirt_rate, progress)
    finally:
        writer.close()
    return summary


def _deliver_day(planter, writer: Writer, index, delivered: date, day, tariff, tables, lines_truth) -> None:
    """Plant the day's dirt, then write its files and its truth lines (on the writer thread)."""
    lines = [lines_truth, *planter.plant_day(index, delivered, day, tariff, tables)]
    for feed in FEEDS:
        table = tables[feed]
        if FEEDS[feed].kind == "account" and table.num_rows == 0 and index > 0:
            continue
        for part in _split(table, feed):
            planter.deliver(feed, index, delivered, part)
    path = writer.out / "truth" / "entry_lines" / f"{delivered:%Y-%m-%d}.parquet"
    truth.write_parquet(path, pa.concat_tables(lines))


def _days(out: Path, start: date, days: int, pop, tariff, writer: Writer, dirt_rate: float, progress) -> None:
    """Draw, plant and deliver each day, then the run's truth files (into `writer.summary`)."""
    summary = writer.summary
    planter = dirt.Planter(pop, writer, dirt_rate, start, days)
    start_n = entries.day_number(start)
    pending: dict[int, list[tuple[str, pa.Table]]] = defaultdict(list)
    strata, shopping = [], []
    truth_dir = out / "truth"
    previous_day = 0
    for index in range(days):
        delivered = start + timedelta(days=index)
        day = entries.draw_day(pop, tariff, index, delivered)
        forced = schemes.force_port_shopping(pop, tariff, day, start_n)
        schemes.plant(pop, tariff, day)
        entries.number_entries(pop, day)
        entries.price(pop, tariff, day)
        day_exams = exams.draw_exams(pop, tariff, day)
        enforcement = draw_enforcement(pop, tariff, day, day_exams)
        for later_index, feed, rows in enforcement.later:
            pending[later_index].append((feed, rows))
        tables = {
            "entries": entries.entries_table(pop, tariff, day),
            "exams": day_exams.table,
            **enforcement.today,
            **accounts.accounts(pop, index, day.day),
        }
        for feed, rows in pending.pop(index, []):
            tables[feed] = pa.concat_tables([tables[feed], rows])
        lines_truth = truth.entry_lines(pop, tariff, day)
        # Dirt, file splitting, encoding and writing run on the writer thread while the next day is drawn; that
        # thread handles days in order, so names, sequence numbers and bytes do not depend on timing.
        writer.submit(_deliver_day, planter, writer, index, delivered, day, tariff, tables, lines_truth)
        writer.wait(previous_day)  # at most two days in flight
        previous_day = writer.mark()
        strata.append(day_exams.strata)
        shopping.append(schemes.shopping_truth(pop, day, forced))
        if progress:
            progress(f"{delivered:%Y-%m-%d}: {day.n_entries} entries, {day.n_lines} lines")
        del day, day_exams, enforcement, tables, lines_truth  # the writer thread holds them until delivered
    writer.wait()
    shopping_table = pa.concat_tables(shopping)
    last = start_n + days - 1
    moved = np.asarray(shopping_table.column("moved_on").cast(pa.int32()).to_numpy()) <= last
    files = {
        "entry_lines": truth_dir / "entry_lines",
        "importer_entities": truth.write_parquet(
            truth_dir / "importer_entities.parquet", truth.importer_entities(pop, start_n)
        ),
        "successors": truth.write_parquet(truth_dir / "successors.parquet", truth.successors(pop, start_n, days)),
        "port_shopping": truth.write_parquet(
            truth_dir / "port_shopping.parquet", shopping_table.filter(pa.array(moved))
        ),
        "decayed_rules": truth.write_parquet(truth_dir / "decayed_rules.parquet", truth.decayed_rules(pop, start_n)),
        "cm_strata": truth.write_parquet(truth_dir / "cm_strata.parquet", pa.concat_tables(strata)),
        **planter.finish(truth_dir),
    }
    summary.truth = {name: str(path) for name, path in files.items()}
