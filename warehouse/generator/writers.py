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


def _may_need_quotes(values: pa.Array) -> bool:
    """Whether any value could need quoting: a byte search over the column's data buffer (fast, conservative)."""
    data = values.buffers()[2]
    if data is None:
        return False
    raw = data.to_pybytes()
    return any(ch in raw for ch in (b",", b'"', b"\n", b"\r"))


def _csv_field(values: pa.Array) -> pa.Array:
    if not _may_need_quotes(values):
        return pc.fill_null(values, "")
    needs = pc.match_substring_regex(values, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(needs, quoted, values), "")


def csv_bytes(table: pa.Table) -> bytes:
    header = ",".join(table.column_names) + "\n"
    if table.num_rows == 0:
        return header.encode()
    fields = [_csv_field(_text(col)) for col in table.columns]
    fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")
    rows = pc.binary_join_element_wise(*fields, ",") if len(fields) > 1 else fields[0]
    return header.encode() + _concat_lines(rows)


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
