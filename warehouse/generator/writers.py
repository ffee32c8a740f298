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
import pyarrow.csv as pacsv
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


# Structural characters stand in for while Arrow's CSV writer (quoting style "none") runs; one translate pass
# restores them. The ASCII separators FS..US never occur in generated text (checked; else the slow path runs).
_STRUCTURAL = (b'"', b",", b"\n", b"\r")
_PLACEHOLDERS = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=16_384)


def _special_bytes(col) -> tuple[bytes, ...]:
    """The structural and placeholder bytes that occur in the column's values (a scan of its bytes)."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    found = set()
    for chunk in chunks:
        if len(chunk) == 0 or chunk.buffers()[2] is None:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
        start, end = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        raw = chunk.buffers()[2].slice(start, end - start).to_pybytes()
        found.update(ch for ch in _STRUCTURAL + _PLACEHOLDERS if ch in raw)  # memchr scans
    return tuple(ch for ch in _STRUCTURAL + _PLACEHOLDERS if ch in found)


def _may_need_quotes(values) -> bool:
    return any(ch in _STRUCTURAL for ch in _special_bytes(values))


def _csv_field(values: pa.Array) -> pa.Array:
    if not _may_need_quotes(values):
        return pc.fill_null(values, "")
    needs = pc.match_substring_regex(values, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(needs, quoted, values), "")


def _csv_bytes_joined(table: pa.Table) -> bytes:
    """The reference encoder (string joins); used only when a value holds one of the placeholder bytes."""
    header = ",".join(table.column_names) + "\n"
    if table.num_rows == 0:
        return header.encode()
    fields = [_csv_field(_text(col)) for col in table.columns]
    fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")
    rows = pc.binary_join_element_wise(*fields, ",") if len(fields) > 1 else fields[0]
    return header.encode() + _concat_lines(rows)


def _placeholder_quoted(values, present: tuple[bytes, ...]):
    """RFC 4180 quoting of the values that need it, written with placeholder bytes instead of structural ones.

    `present`: the structural bytes found in the column's buffers. Only the rows that need quoting are rewritten
    (a planted "1,234.50" in a money column costs one row, not the column); a column with few distinct values
    (descriptions) is quoted once per distinct value.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    needs = None
    for structural in present:
        hit = pc.match_substring(values, structural.decode())
        needs = hit if needs is None else pc.or_(needs, hit)
    needs = pc.fill_null(needs, False)
    count = pc.sum(needs).as_py() or 0
    if count == 0:
        return values
    if count * 4 > len(values):
        encoded = pc.dictionary_encode(values)
        if len(encoded.dictionary) * 2 < len(values):
            return _placeholder_quoted(encoded.dictionary, present).take(encoded.indices)
    rows = values.filter(needs)
    marked = pc.replace_substring(rows, '"', "\x1c\x1c")
    for structural, placeholder in zip(_STRUCTURAL[1:], _PLACEHOLDERS[1:], strict=True):
        if structural in present:
            marked = pc.replace_substring(marked, structural.decode(), placeholder.decode())
    return pc.replace_with_mask(values, needs, pc.binary_join_element_wise("\x1c", marked, "\x1c", ""))


def csv_bytes(table: pa.Table) -> bytes:
    """CSV with RFC 4180 quoting only where a field needs it; null and empty strings are empty fields.

    Arrow's CSV writer does the row assembly (fast, in C++); fields that need quoting are pre-quoted with
    placeholder bytes because its "needed" style would quote every string (and `NA` must stay bare).
    """
    header = (",".join(table.column_names) + "\n").encode()
    if table.num_rows == 0:
        return header
    columns, used = [], set()
    for col in table.columns:
        col = col if col.type == pa.string() or col.type == pa.large_string() else col.cast(pa.string())
        if isinstance(col, pa.ChunkedArray) and col.num_chunks > 1:
            col = col.combine_chunks()  # dirt is spliced in as slices: one copy beats thousands of tiny chunks
        special = _special_bytes(col)
        if any(ch in _PLACEHOLDERS for ch in special):
            return _csv_bytes_joined(table)
        present = tuple(ch for ch in special if ch in _STRUCTURAL)
        if present:
            col = _placeholder_quoted(col, present)
            used.update(present, (b'"',))
        columns.append(col)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(pa.table(columns, names=table.column_names), sink, _WRITE_OPTIONS)
    body = sink.getvalue().to_pybytes()
    # Few placeholders: replace() (memchr scans) beats translate() (a per-byte loop).
    for placeholder, structural in zip(_PLACEHOLDERS, _STRUCTURAL, strict=True):
        if structural in used:
            body = body.replace(placeholder, structural)
    return header + body


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


def encode(table: pa.Table, feed: str, fmt: str) -> bytes:
    if fmt.startswith("csv"):
        data = csv_bytes(table)
    elif fmt.startswith("jsonl"):
        data = jsonl_bytes(table, feed)
    else:
        return parquet_bytes(table, feed)
    if fmt.endswith(".gz"):
        # mtime=0 and no file name: the same rows always give the same bytes.
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as handle:
            handle.write(data)
        return buffer.getvalue()
    return data


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
