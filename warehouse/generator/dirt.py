"""Planted dirt, deterministic per (seed, day): malformed rows of every kind the contract forbids, an entry whose
header disagrees across its lines, corrections (a higher entry_version, sometimes with a line removed), late rows,
duplicate deliveries and unknown extra columns. Every malformed row is recorded in `truth/dirt.parquet` and every
delivery oddity in `truth/deliveries.parquet`.

Malformed rows are *extra* rows (a valid row copied under a fresh key, then broken), so the valid data stays whole
and each planted row has one planted reason; a few unavoidably break a second check too (a broken filer code also
no longer matches the entry number). Column checks use the rule names `required`, `type`, `code_list`, `format`,
`range` and `unknown_reference`; the header mismatch is `header_consistency`; error rules use `Rule.name`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import FEEDS
from warehouse.contract.codes import VESSEL_MODES
from warehouse.contract.identifiers import make_entry_number
from warehouse.contract.schema import Column, Feed
from warehouse.generator import text, truth
from warehouse.generator.randomness import stream

MARK = "__dirt__"
EXTRA_COLUMN = "broker_reference"
Row = dict[str, str | None]

# --- column corruptions -------------------------------------------------------------------------------------

BAD_TYPE = {
    "integer": "12x",
    "decimal": "1,234.50",
    "date": "2024-13-45",
    "timestamp": "yesterday 25:61",
    "boolean": "maybe",
}
BAD_FORMAT = {
    "entry_number": "AB-12345-X",
    "importer_number": "123456789",
    "port_code": "27A4",
    "country_of_export": "C1",
    "country_of_origin": "C1",
    "country": "C1",
    "manufacturer_id": "1234",
    "hts_code": "12345",
    "adcvd_case": "A-570-1",
    "hts_prefix": "12",
    "filer_code": "AB",
    "prior_importer_number": "12-34",
    "case_number": "X-1",
}
UNKNOWN_REFERENCE = {"port": "9998", "country": "QQ"}


def column_checks(column: Column) -> list[str]:
    """The checks a column's contract implies, by rule name."""
    checks = ["required"] if column.required else []
    if column.type != "string":
        checks.append("type")
    if column.codes:
        checks.append("code_list")
    if column.pattern:
        checks.append("format")
    if column.minimum is not None or column.maximum is not None:
        checks.append("range")
    if column.reference:
        checks.append("unknown_reference")
    return checks


def _below(column: Column) -> str:
    if column.maximum is not None:
        return {"rate": "11.000000"}.get(column.kind or "", "11")
    assert column.minimum is not None  # `column_checks` plants "range" only on a column with a bound
    if column.type == "integer":
        return str(int(column.minimum) - 1)
    return "-5." + "0" * {"money": 2, "measure": 3}.get(column.kind or "", 6)


def corrupt_column(feed: Feed, row: Row, name: str, check: str) -> None:
    column = feed.column(name)
    if check == "required":
        row[name] = None
    elif check == "type":
        row[name] = BAD_TYPE[column.type]
    elif check == "code_list":
        row[name] = "zz_unknown"
    elif check == "format":
        row[name] = BAD_FORMAT.get(name, "!")
    elif check == "unknown_reference":
        assert column.reference is not None  # `column_checks` plants it only on a column with a reference
        row[name] = UNKNOWN_REFERENCE[column.reference]
    elif check == "range":
        row[name] = _below(column)
        _keep_rules_for_range(feed.name, row, name)


def _keep_rules_for_range(feed: str, row: Row, name: str) -> None:
    """Adjust companions so an out-of-range value breaks only its range where the contract allows it."""
    if feed == "entries":
        if name == "duty_rate":
            row["entered_value_usd"] = row["duty_usd"] = "0.00"
        elif name == "entered_value_usd":
            row["duty_rate"], row["duty_usd"] = "0.000000", "0.00"
        elif name == "duty_usd":
            row["spi_code"] = "S"  # a preference is claimed, so the duty rule does not apply
    elif feed == "exams" and name in ("declared_duty_usd", "correct_duty_usd"):
        row["result"], row["discrepancy_type"] = "discrepancy", "value"
    elif feed == "penalties":
        row["statute"], row["culpability"] = "19USC1595a", None
    elif feed == "audits" and name == "lines_reviewed":
        row["discrepancies_found"] = "0"


# --- rule corruptors: one per error rule of the contract ----------------------------------------------------


def _required(row: Row, name: str) -> str:
    """A field every clean row has (a required column of the contract), read by a corruptor."""
    value = row[name]
    if value is None:
        raise ValueError(f"a corruptor reads {name!r}, a required field, and the row has none")
    return value


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _fmt_ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _shift_date(value: str, days: int) -> str:
    return (date.fromisoformat(value) + timedelta(days=days)).isoformat()


def _wrong_check_digit(row: Row) -> None:
    number = row.get("entry_number") or make_entry_number("A1B", 1234567)
    row["entry_number"] = number[:-1] + str((int(number[-1]) + 1) % 10)


def _filer_mismatch(row: Row) -> None:
    filer = _required(row, "filer_code")
    row["filer_code"] = ("Z" if filer[0] != "Z" else "Y") + filer[1:]


def _released_early(row: Row) -> None:
    row["released_at"] = _fmt_ts(_ts(_required(row, "filed_at")) - timedelta(days=6))


def _duty_off(row: Row) -> None:
    value, rate = float(_required(row, "entered_value_usd")), float(_required(row, "duty_rate"))
    row["spi_code"] = None
    row["duty_usd"] = f"{round(value * rate + max(25.0, 0.2 * value * rate) + 10, 2):.2f}"


def _adcvd_mismatch(row: Row) -> None:
    if row["adcvd_case"] is None:
        row["entry_type"], row["adcvd_case"] = "01", "A-570-001-000"
    else:
        row["adcvd_case"] = None


def _hmf_off_vessel(row: Row) -> None:
    if row["mode_of_transport"] in VESSEL_MODES:
        row["mode_of_transport"] = "40"
    row["hmf_usd"] = "12.34"


def _set(**values) -> Callable[[Row], None]:
    def apply(row: Row) -> None:
        row.update(values)

    return apply


def _completed_early(row: Row) -> None:
    row["completed_at"] = _fmt_ts(_ts(_required(row, "started_at")) - timedelta(hours=1))


def _correct_differs(row: Row) -> None:
    row.update(result="no_discrepancy", discrepancy_type=None, material="false")
    row["correct_duty_usd"] = f"{float(_required(row, 'declared_duty_usd')) + 10:.2f}"


def _date_before(later: str, earlier: str) -> Callable[[Row], None]:
    def apply(row: Row) -> None:
        row[later] = _shift_date(_required(row, earlier), -3)

    return apply


def _too_many_found(row: Row) -> None:
    row["discrepancies_found"] = str(int(_required(row, "lines_reviewed")) + 1)


def _mitigated_above(row: Row) -> None:
    row["mitigated_usd"] = f"{float(_required(row, 'assessed_usd')) + 100:.2f}"


def _above_statutory_maximum(row: Row) -> None:
    row.update(statute="19USC1592", culpability="negligence")
    domestic, dutiable = float(_required(row, "domestic_value_usd")), float(_required(row, "dutiable_value_usd"))
    row["assessed_usd"] = f"{2 * domestic + 0.4 * dutiable + 1000:.2f}"


CORRUPTORS: dict[str, dict[str, Callable[[Row], None]]] = {
    "entries": {
        "entry_number_check_digit": _wrong_check_digit,
        "filer_code_matches_entry_number": _filer_mismatch,
        "released_before_filing": _released_early,
        "duty_matches_rate": _duty_off,
        "adcvd_case_on_adcvd_entry": _adcvd_mismatch,
        "hmf_on_vessel_only": _hmf_off_vessel,
    },
    "exams": {
        "entry_number_check_digit": _wrong_check_digit,
        "rule_id_on_targeting_rule": _set(selection_reason="targeting_rule", rule_id=None),
        "cm_stratum_on_cm_random": _set(
            selection_reason="cm_random", cm_stratum=None, cm_weight="1.000000", rule_id=None
        ),
        "cm_weight_on_cm_random": _set(
            selection_reason="cm_random", cm_stratum="I-low", cm_weight="0.500000", rule_id=None
        ),
        "completed_at_before_started_at": _completed_early,
        "discrepancy_type_on_discrepancy": _set(result="discrepancy", discrepancy_type=None),
        "material_without_discrepancy": _set(result="no_discrepancy", material="true", discrepancy_type=None),
        "correct_duty_without_discrepancy": _correct_differs,
    },
    "audits": {
        "period_end_before_period_start": _date_before("period_end", "period_start"),
        "closed_on_before_opened_on": lambda row: row.update(
            status="closed", closed_on=_shift_date(_required(row, "opened_on"), -2)
        ),
        "discrepancies_exceed_lines": _too_many_found,
    },
    "seizures": {"entry_number_check_digit": _wrong_check_digit},
    "penalties": {
        "entry_number_check_digit": _wrong_check_digit,
        "culpability_on_1592": _set(statute="19USC1592", culpability=None),
        "opened_on_before_violation_date": _date_before("opened_on", "violation_date"),
        "mitigated_above_assessed": _mitigated_above,
        "assessed_above_statutory_maximum": _above_statutory_maximum,
    },
    "programs": {"left_on_before_enrolled_on": _date_before("left_on", "enrolled_on")},
}


def kinds(feed: Feed) -> list[tuple[str, str]]:
    """Every (column, rule) a malformed row of the feed can be planted with."""
    out = [(c.name, check) for c in feed.columns for check in column_checks(c)]
    out += [(rule.column, rule.name) for rule in feed.error_rules]
    if feed.group_columns:
        out.append(("port_code", "header_consistency"))
    return out


def corrupt(feed: Feed, row: Row, column: str, rule: str) -> Row:
    """The row broken by one planted kind (a copy)."""
    row = dict(row)
    if rule in CORRUPTORS.get(feed.name, {}):
        CORRUPTORS[feed.name][rule](row)
    else:
        corrupt_column(feed, row, column, rule)
    return row


# --- planting ---------------------------------------------------------------------------------------------


def _fresh_key(feed: str, row: Row, day_n: int, j: int) -> None:
    tag = f"D{day_n % 100000:05d}{j:04d}"
    if feed == "entries":
        serial = 9_000_000 + (day_n * 977 + j) % 1_000_000
        row["entry_number"] = make_entry_number(_required(row, "filer_code"), serial)
        row["line_number"], row["entry_version"] = "1", "1"
    elif feed in ("importers", "programs"):
        row["importer_number"] = f"99-{(day_n * 131 + j) % 10**7:07d}ZZ"
    elif feed == "adcvd_orders":
        row["case_number"] = f"A-999-{j % 1000:03d}-{day_n % 1000:03d}"
    else:
        key = FEEDS[feed].key[0]
        row[key] = f"{row[key]}-{tag}"


class Planter:
    """Plants dirt into a day's tables, writes files through the writer, and keeps the dirt truth."""

    def __init__(self, pop, writer, rate: float, start: date, days: int):
        self.pop, self.writer, self.rate, self.start, self.days = pop, writer, rate, start, days
        self.dirt: list[pa.Table] = []  # per delivered file: its planted rows
        self.deliveries: list[dict] = []

    # Called once per day, before the day's files are written.
    def plant_day(self, index: int, delivered: date, day, tariff, tables: dict[str, pa.Table]) -> list[pa.Table]:
        if self.rate <= 0:
            return []
        rng = stream(self.pop.seed, "dirt", day.day)
        extra_truth = self._corrections(rng, index, delivered, day, tariff, tables)
        self._late(rng, index, delivered, day, tables)
        for feed_name, table in list(tables.items()):
            tables[feed_name] = self._malformed(rng, FEEDS[feed_name], table, day.day)
        return extra_truth

    def _malformed(self, rng, feed: Feed, table: pa.Table, day_n: int) -> pa.Table:
        table = table.append_column(MARK, pa.nulls(table.num_rows, pa.string()))
        if table.num_rows == 0:
            return table
        n = max(1, int(rng.binomial(table.num_rows, self.rate)))
        all_kinds = kinds(feed)
        picks = rng.permutation(len(all_kinds))[:n] if n <= len(all_kinds) else rng.integers(0, len(all_kinds), n)
        # Only the few template rows become Python dicts, never the whole table.
        templates = table.drop_columns([MARK]).take(pa.array(rng.integers(0, table.num_rows, len(picks)))).to_pylist()
        bad: list[list[Row]] = []
        for j, (k, template) in enumerate(zip(picks, templates, strict=True)):
            column, rule = all_kinds[int(k)]
            if rule == "header_consistency":
                bad.append(self._header_mismatch(template, day_n, j))
                continue
            row = dict(template)
            _fresh_key(feed.name, row, day_n, j)
            row = corrupt(feed, row, column, rule)
            row[MARK] = f"{column}|{rule}"
            bad.append([row])
        return self._insert(rng, feed, table, bad)

    def _header_mismatch(self, template: Row, day_n: int, j: int) -> list[Row]:
        first = dict(template)
        _fresh_key("entries", first, day_n, j)
        second = dict(first, line_number="2")
        ports = self.pop.port_codes
        second["port_code"] = str(ports[(list(ports).index(first["port_code"]) + 1) % ports.size])
        first[MARK] = second[MARK] = "port_code|header_consistency"
        return [first, second]

    def _insert(self, rng, feed: Feed, table: pa.Table, blocks: list[list[Row]]) -> pa.Table:
        flat = [row for block in blocks for row in block]
        bad = pa.Table.from_pylist(flat, schema=table.schema)
        if feed.name == "entries":
            starts = np.flatnonzero(pc.equal(table.column("line_number"), "1").to_numpy(zero_copy_only=False))
        else:
            starts = np.arange(table.num_rows + 1)
        where = np.sort(starts[rng.integers(0, starts.size, len(blocks))])
        # Each block goes just before the clean row it is inserted at (blocks at one row keep their order):
        # zero-copy slices of the clean table interleaved with the planted rows, no copy of the big table.
        sizes = np.array([len(block) for block in blocks])
        ends = np.cumsum(sizes)
        pieces, previous = [], 0
        for position, end, size in zip(where.tolist(), ends.tolist(), sizes.tolist(), strict=True):
            if position > previous:
                pieces.append(table.slice(previous, position - previous))
                previous = position
            pieces.append(bad.slice(end - size, size))
        if previous < table.num_rows:
            pieces.append(table.slice(previous))
        return pa.concat_tables(pieces)

    def _corrections(self, rng, index, delivered, day, tariff, tables) -> list[pa.Table]:
        """Version 2 of some entries, delivered 1-3 days later; a multi-line entry may lose its last line."""
        later = index + 1 + int(rng.integers(0, 3))
        if later >= self.days:
            return []
        k = max(1, int(rng.binomial(day.n_entries, self.rate)))
        chosen = np.sort(rng.choice(day.n_entries, min(k, day.n_entries), replace=False))
        lines = np.flatnonzero(np.isin(day.entry, chosen))
        counts = np.bincount(day.entry, minlength=day.n_entries)
        drop_last = (counts[day.entry[lines]] > 1) & (day.line[lines] == counts[day.entry[lines]])
        drop_last &= (day.entry[lines] % 2) == 0
        kept = lines[~drop_last]
        v2 = tables["entries"].take(pa.array(kept))
        v2 = v2.set_column(v2.schema.get_field_index("entry_version"), "entry_version", pa.array(["2"] * kept.size))
        # MPF is charged per entry (with a minimum and a maximum) and apportioned to its lines: a dropped line's share
        # moves to the entry's new last line, so the corrected entry still pays a fee within the bounds.
        mpf = day.mpf[kept].copy()
        dropped = lines[drop_last]
        if dropped.size:
            kept_key = day.entry[kept].astype(np.int64) * 10_000 + day.line[kept]
            order = np.argsort(kept_key, kind="stable")
            wanted = day.entry[dropped].astype(np.int64) * 10_000 + day.line[dropped] - 1
            receivers = order[np.searchsorted(kept_key[order], wanted)]
            np.add.at(mpf, receivers, day.mpf[dropped])
        v2 = v2.set_column(v2.schema.get_field_index("mpf_usd"), "mpf_usd", text.scaled(mpf, 2))
        filed = day.filed[day.entry[kept]] + (later - index) * 86_400
        v2 = v2.set_column(v2.schema.get_field_index("filed_at"), "filed_at", text.timestamp(filed))
        delivered_later = self.start + timedelta(days=later)
        path = self.writer.write("entries", later, delivered_later, v2, tag="_corrections")
        self._delivery("correction", "entries", path, None, delivered, delivered_later, f"{chosen.size} entries")
        fixed = truth.entry_lines(self.pop, tariff, day, version=2, rows=kept)
        return [fixed.set_column(3, "delivered_on", pa.array([delivered_later] * kept.size, pa.date32()))]

    def _late(self, rng, index, delivered, day, tables) -> None:
        """Some entries of today arrive in tomorrow's folder."""
        if index + 1 >= self.days:
            return
        # The entries table is still the day's lines in order (entry i is the i-th distinct entry number).
        table = tables["entries"]
        n = day.n_entries
        k = max(1, int(rng.binomial(n, self.rate)))
        chosen = np.zeros(n, dtype=bool)
        chosen[rng.choice(n, min(k, n), replace=False)] = True
        late = chosen[day.entry]
        # Late entries are runs of rows: split the table into zero-copy slices instead of filtering (copying) it.
        edges = np.flatnonzero(np.diff(late.astype(np.int8))) + 1
        bounds = np.concatenate([[0], edges, [late.size]]).tolist()
        runs = [(a, b, bool(late[a])) for a, b in pairwise(bounds)]
        tables["entries"] = pa.concat_tables([table.slice(a, b - a) for a, b, is_late in runs if not is_late])
        late_rows = pa.concat_tables([table.slice(a, b - a) for a, b, is_late in runs if is_late])
        tomorrow = delivered + timedelta(days=1)
        path = self.writer.write("entries", index + 1, tomorrow, late_rows, tag="_late")
        self._delivery("late", "entries", path, None, delivered, tomorrow, f"{int(late.sum())} rows")

    # Called for every file of the day.
    def deliver(self, feed: str, index: int, delivered: date, table: pa.Table) -> Path:
        where, marks = pa.array([], pa.uint64()), pa.array([], pa.string())
        if MARK in table.column_names:
            column = table.column(MARK)
            where = pc.indices_nonzero(pc.is_valid(column))  # ascending row positions
            marks = column.take(where)
            table = table.drop_columns([MARK])
        rng = stream(self.pop.seed, "delivery", feed, delivered.toordinal())
        extra = self.rate > 0 and rng.random() < min(0.5, self.rate * 25)
        if extra:
            table = table.append_column(
                EXTRA_COLUMN, pc.binary_join_element_wise("REF", text.integer(np.arange(table.num_rows), 6), "")
            )
        path = self.writer.write(feed, index, delivered, table)
        relative = self.writer.relative(path)
        if len(where):
            parts = pc.split_pattern(marks, "|")
            n = len(where)
            self.dirt.append(
                pa.table(
                    {
                        "feed": pa.array([feed] * n, pa.string()),
                        "file": pa.array([relative] * n, pa.string()),
                        "row_number": pc.add(where.cast(pa.int64()), 1),
                        "column": pc.list_element(parts, 0),
                        "rule": pc.list_element(parts, 1),
                    },
                    schema=truth.DIRT_SCHEMA,
                )
            )
        if extra:
            self._delivery("extra_column", feed, path, None, delivered, delivered, EXTRA_COLUMN)
        if self.rate > 0 and FEEDS[feed].kind == "transaction" and rng.random() < min(0.3, self.rate * 40):
            self._duplicate(feed, index, delivered, path)
        return path

    def _duplicate(self, feed: str, index: int, delivered: date, path: Path) -> None:
        if index + 1 < self.days:
            target_day = delivered + timedelta(days=1)
            name = re.sub(r"(\.[a-z.]+)$", r" (resent)\1", path.name)
        else:
            target_day = delivered
            name = re.sub(r"(\.[a-z.]+)$", r"_copy\1", path.name)
        target = self.writer.out / feed / f"{target_day:%Y-%m-%d}" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        self.writer.summary.files += 1
        self._delivery("duplicate", feed, target, path, delivered, target_day, "same bytes")

    def _delivery(self, kind, feed, path, source, produced, delivered_on, detail) -> None:
        self.deliveries.append(
            {
                "kind": kind,
                "feed": feed,
                "file": self.writer.relative(path),
                "source_file": self.writer.relative(source) if source else None,
                "produced_on": produced,
                "delivered_on": delivered_on,
                "detail": detail,
            }
        )

    def finish(self, truth_dir: Path) -> dict[str, Path]:
        dirt = pa.concat_tables([truth.DIRT_SCHEMA.empty_table(), *self.dirt]).combine_chunks()
        deliveries = pa.Table.from_pylist(self.deliveries, schema=truth.DELIVERY_SCHEMA)
        return {
            "dirt": truth.write_parquet(truth_dir / "dirt.parquet", dirt),
            "deliveries": truth.write_parquet(truth_dir / "deliveries.parquet", deliveries),
        }
