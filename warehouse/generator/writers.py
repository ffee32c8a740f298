"""Writing text tables as contract files: CSV, JSONL (each optionally gzip) and Parquet, byte-deterministic.

CSV: UTF-8, comma, header row, RFC 4180 quoting only where needed (a field with a comma, quote or line break),
LF line ends, empty field = null, so `NA` and `0401` are written bare, as real feeds do. JSONL: one object per
line, numbers and booleans unquoted, codes and identifiers as strings, null as null. Parquet: codes as strings,
dates date32, timestamps timestamp[s, UTC], integers int64, money decimal128(18,2), measures decimal128(18,3),
rates decimal128(18,6), booleans bool. gzip: mtime 0 and no file name in the header, so the same rows give the
same bytes.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.contract import FEEDS
from warehouse.contract.schema import Column
from warehouse.generator.text import PLACES

EXTENSIONS = {"csv": ".csv", "csv.gz": ".csv.gz", "jsonl": ".jsonl", "jsonl.gz": ".jsonl.gz", "parquet": ".parquet"}
MIXED_CYCLE = ("csv", "csv.gz", "jsonl", "jsonl.gz", "parquet")
NUMBER_RE = r"^-?\d+(\.\d+)?$"


def _concat_lines(rows: pa.Array) -> bytes:
    """The rows (each already ending in a newline) as one buffer, without a Python loop."""
    rows = pc.fill_null(rows, "")
    if len(rows) == 0:
        return b""
    rows = rows.cast(pa.large_string()) if rows.type != pa.large_string() else rows
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + len(rows) + 1]
    data = rows.buffers()[2]
    return data.to_pybytes()[offsets[0] : offsets[-1]]


def _text(col) -> pa.Array:
    return col.combine_chunks().cast(pa.string())


_STRUCTURAL = (b'"', b",", b"\n", b"\r")  # a CSV field holding one of these is quoted
CSV_BATCH_ROWS = 100_000  # rows joined at once: keeps a batch's text far below the 2 GiB of 32-bit offsets


def _structural_bytes(values: pa.Array) -> tuple[bytes, ...]:
    """The structural bytes that occur in the values (memchr scans of the array's data buffer)."""
    if len(values) == 0 or values.buffers()[2] is None:
        return ()
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=width)
    start, end = int(offsets[values.offset]), int(offsets[values.offset + len(values)])
    raw = memoryview(values.buffers()[2])[start:end].tobytes()
    return tuple(ch for ch in _STRUCTURAL if ch in raw)


def _csv_field(values: pa.Array) -> pa.Array:
    if not _structural_bytes(values):
        return pc.fill_null(values, "")
    needs = pc.match_substring_regex(values, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(needs, quoted, values), "")


def _csv_bytes_joined(table: pa.Table) -> bytes:
    """The reference encoder (every field through a regex and string joins); the tests compare against it."""
    header = ",".join(table.column_names) + "\n"
    if table.num_rows == 0:
        return header.encode()
    fields = [_csv_field(_text(col)) for col in table.columns]
    fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")
    rows = pc.binary_join_element_wise(*fields, ",") if len(fields) > 1 else fields[0]
    return header.encode() + _concat_lines(rows)


def _quoted(values: pa.Array, present: tuple[bytes, ...]) -> pa.Array:
    """RFC 4180 quoting of the values that need it; `present`: the structural bytes found in the values.

    A column of few distinct values (descriptions) is quoted once per distinct value; otherwise only the rows
    that need quoting are rewritten (a planted "1,234.50" in a money column costs one row).
    """
    encoded = pc.dictionary_encode(values)
    if len(encoded.dictionary) * 2 < len(values):
        return _quoted_rows(encoded.dictionary, present).take(encoded.indices)
    return _quoted_rows(values, present)


def _quoted_rows(values: pa.Array, present: tuple[bytes, ...]) -> pa.Array:
    needs = None
    for structural in present:
        hit = pc.match_substring(values, structural.decode())
        needs = hit if needs is None else pc.or_(needs, hit)
    needs = pc.fill_null(needs, False)
    if not pc.any(needs).as_py():
        return values
    rows = values.filter(needs)
    if b'"' in present:
        rows = pc.replace_substring(rows, '"', '""')
    return pc.replace_with_mask(values, needs, pc.binary_join_element_wise('"', rows, '"', ""))


def _csv_rows(columns: list[pa.Array]) -> memoryview:
    """Each row's fields joined by commas and ended by a newline, as one buffer (Arrow kernels, no Python loop)."""
    last = pc.binary_join_element_wise(columns[-1], "\n", "")
    rows = pc.binary_join_element_wise(*columns[:-1], last, ",") if len(columns) > 1 else last
    # The joined strings lie back to back in the data buffer: those bytes are the CSV body.
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    start, end = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return memoryview(rows.buffers()[2])[start:end]


def csv_parts(table: pa.Table) -> list:
    """CSV as a list of buffers (header, then the rows batch by batch), written out without joining them.

    RFC 4180 quoting only where a field needs it (`NA` and `0401` stay bare); null and empty strings are empty
    fields. Fields are joined into rows by one Arrow kernel per batch; only columns that hold a comma, quote or
    line break are searched for the rows to quote. Same bytes as `_csv_bytes_joined`.
    """
    parts = [(",".join(table.column_names) + "\n").encode()]
    columns = []
    for col in table.columns:
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col  # dirt is spliced in as slices
        col = col if col.type == pa.string() else col.cast(pa.string())
        present = _structural_bytes(col)
        col = _quoted(col, present) if present else col
        # A null joins as null (the kernel's null replacement is ~3x slower than filling nulls first).
        columns.append(pc.fill_null(col, "") if col.null_count else col)
    for first in range(0, table.num_rows, CSV_BATCH_ROWS):
        parts.append(_csv_rows([col.slice(first, CSV_BATCH_ROWS) for col in columns]))
    return parts


def csv_bytes(table: pa.Table) -> bytes:
    return b"".join(csv_parts(table))


def _json_kind(feed: str, name: str) -> str:
    try:
        column: Column = FEEDS[feed].column(name)
    except KeyError:
        return "string"
    return {"integer": "number", "decimal": "number", "boolean": "boolean"}.get(column.type, "string")


def _json_string(values: pa.Array) -> pa.Array:
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def jsonl_bytes(table: pa.Table, feed: str) -> bytes:
    if table.num_rows == 0:
        return b""
    parts = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        values = _text(col)
        kind = _json_kind(feed, name)
        if kind == "number":
            literal = pc.match_substring_regex(values, NUMBER_RE)
        elif kind == "boolean":
            literal = pc.is_in(values, pa.array(["true", "false"]))
        else:
            literal = pa.array(np.zeros(len(values), dtype=bool))
        rendered = pc.if_else(pc.fill_null(literal, False), values, _json_string(values))
        parts.append(pc.binary_join_element_wise(f'"{name}":', pc.fill_null(rendered, "null"), ""))
    body = pc.binary_join_element_wise(*parts, ",")
    rows = pc.binary_join_element_wise("{", body, "}\n", "")
    return _concat_lines(rows)


def _typed(column: Column | None, values: pa.Array) -> pa.Array:
    """The column cast to its Parquet type; a value that does not cast (planted dirt) keeps the column as text."""
    if column is None:
        return values
    target = {
        "string": pa.string(),
        "integer": pa.int64(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("s", tz="UTC"),
        "boolean": pa.bool_(),
    }.get(column.type) or pa.decimal128(18, PLACES[column.kind or "rate"])
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return values


def parquet_bytes(table: pa.Table, feed: str) -> bytes:
    contract = FEEDS[feed]
    arrays = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        column = contract.column(name) if name in contract.column_names else None
        arrays.append(_typed(column, _text(col)))
    typed = pa.table(arrays, names=table.column_names)
    sink = io.BytesIO()
    pq.write_table(typed, sink, compression="zstd", write_statistics=True, store_schema=False)
    return sink.getvalue()


def encode(table: pa.Table, feed: str, fmt: str) -> list:
    """The file's bytes as a list of buffers (written one after the other)."""
    if fmt.startswith("csv"):
        parts = csv_parts(table)
    elif fmt.startswith("jsonl"):
        parts = [jsonl_bytes(table, feed)]
    else:
        return [parquet_bytes(table, feed)]
    if fmt.endswith(".gz"):
        # mtime=0 and no file name: the same rows always give the same bytes.
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as handle:
            for part in parts:
                handle.write(part)
        return [buffer.getvalue()]
    return parts


def write(path: Path, parts: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for part in parts:
            handle.write(part)
    return path
