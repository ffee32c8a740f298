"""The day loop: draw a day, write its feeds and truth, then forget it (memory is bounded by one day)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from warehouse.generator import accounts, entries, exams, schemes, truth
from warehouse.generator import calibration as cal
from warehouse.generator.delivery import Deliverer, courier, for_delivery
from warehouse.generator.enforcement import draw_enforcement
from warehouse.generator.files import Writer
from warehouse.generator.population import build_population
from warehouse.generator.tariff import tariff as build_tariff

FORMATS = ("csv", "jsonl", "parquet", "mixed")


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
    _ = pop.vocab  # built once here, so a forked writer process inherits it
    deliverer = Deliverer(Writer(out, fmt, summary), pop, tariff, dirt_rate, start, days)
    carrier = courier(deliverer, cal.ENTRIES_PER_DAY * cal.LINES_PER_ENTRY * scale)
    try:
        _days(out, start, days, pop, tariff, carrier, summary, progress)
    finally:
        carrier.close()
    return summary


def _days(out: Path, start: date, days: int, pop, tariff, carrier, summary: GenerationSummary, progress) -> None:
    """Draw each day and hand it to the delivery stage, then write the run's truth files (into `summary`)."""
    start_n = entries.day_number(start)
    pending: dict[int, list[tuple[str, pa.Table]]] = defaultdict(list)
    strata, shopping = [], []
    lines_truth: dict[int, tuple[date, pa.Table]] = {}  # per day index, until its corrections are known
    truth_dir = out / "truth"
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
            # Day 1's account snapshots are built by the delivery stage while day 1 is drawn (see `Deliverer`).
            **(accounts.accounts(pop, index, day.day) if index else dict.fromkeys(accounts.ACCOUNT_FEEDS)),
        }
        for feed, rows in pending.pop(index, []):
            tables[feed] = pa.concat_tables([tables[feed], rows])
        lines_truth[index] = (delivered, truth.entry_lines(pop, tariff, day))
        # Dirt, file splitting, encoding and writing run in the delivery stage while the next day is drawn.
        for done in carrier.send(index, delivered, for_delivery(day), tables):
            _write_lines_truth(truth_dir, lines_truth, *done)
        strata.append(day_exams.strata)
        shopping.append(schemes.shopping_truth(pop, day, forced))
        if progress:
            progress(f"{delivered:%Y-%m-%d}: {day.n_entries} entries, {day.n_lines} lines")
        del day, day_exams, enforcement, tables  # the delivery stage holds them until delivered
    # The run's truth files are written while the delivery stage finishes the last day.
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
    }
    summary.rows, summary.files, planted, last_days = carrier.finish(truth_dir)
    for done in last_days:
        _write_lines_truth(truth_dir, lines_truth, *done)
    summary.truth = {name: str(path) for name, path in {**files, **planted}.items()}


def _write_lines_truth(truth_dir: Path, lines_truth: dict, index: int, corrections: list[pa.Table]) -> None:
    """A delivered day's truth lines: the lines drawn that day, then its corrections (versions 2)."""
    delivered, lines = lines_truth.pop(index)
    path = truth_dir / "entry_lines" / f"{delivered:%Y-%m-%d}.parquet"
    truth.write_parquet(path, pa.concat_tables([lines, *corrections]))
