"""Values to contract text, vectorised with pyarrow: every feed is built as a table of strings first.

Text is the canonical form because it is what CSV and JSONL carry and what the dirt corruptors break; Parquet
files are cast back to typed columns from it. Money and other decimals are held as scaled integers
(cents, thousandths, millionths) until here, so rounding happens once and exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract.schema import Column, Feed

EPOCH_DAY = np.datetime64("1970-01-01", "D")
# Decimal places by Column.kind, matching the DECIMAL scales of the raw layer (schema.SQL_TYPES).
PLACES = {"money": 2, "measure": 3, "rate": 6}


def places(column: Column) -> int:
    return PLACES[column.kind or "rate"]


def strings(values) -> pa.Array:
    return pa.array(values, type=pa.string())


def vocabulary(values) -> pa.Array:
    return values if isinstance(values, pa.Array) else strings(list(values))


def take(vocabulary, index: np.ndarray) -> pa.Array:
    """vocabulary[index] without building Python strings per row (pass a pa.Array for big vocabularies)."""
    vocab = vocabulary if isinstance(vocabulary, pa.Array) else strings(list(vocabulary))
    return vocab.take(pa.array(np.asarray(index, dtype=np.int64)))


def integer(values: np.ndarray, width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def decimal_array(units: np.ndarray, digits: int) -> pa.Array:
    """A decimal128(18, digits) array from integers scaled by 10**digits (built from buffers, no Python loop)."""
    units = np.asarray(units, dtype=np.int64)
    pairs = np.empty((units.size, 2), dtype=np.int64)
    pairs[:, 0] = units
    pairs[:, 1] = np.where(units < 0, -1, 0)  # two's complement sign extension to 128 bits
    return pa.Array.from_buffers(pa.decimal128(18, digits), units.size, [None, pa.py_buffer(pairs)])


def scaled(units: np.ndarray, digits: int) -> pa.Array:
    """Fixed-point text from integers scaled by 10**digits: 1250 with 2 digits is '12.50'.

    Integer text, zero-padded, with the point spliced in: ~2.5x faster than casting a decimal128 to text.
    """
    units = np.asarray(units, dtype=np.int64)
    negative = units < 0
    padded = pc.utf8_lpad(pc.cast(pa.array(np.abs(units)), pa.string()), digits + 1, "0")
    out = pc.binary_replace_slice(padded, -digits, -digits, ".")
    if negative.any():
        out = pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", out, ""), out)
    return out


def join(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays/scalars, back as a numpy object array."""
    arrays = [
        p if isinstance(p, (pa.Array, str)) else pa.array(np.asarray(p, dtype=object), pa.string()) for p in parts
    ]
    return pc.binary_join_element_wise(*arrays, "").to_numpy(zero_copy_only=False)


def decimal(values: np.ndarray, column: Column) -> pa.Array:
    """Decimal text for a float array, rounded to the column's scale."""
    digits = places(column)
    return scaled(np.round(np.asarray(values, dtype=float) * 10**digits).astype(np.int64), digits)


def date(days: np.ndarray) -> pa.Array:
    """ISO dates from day numbers since 1970-01-01."""
    return pc.cast(pa.array(np.asarray(days, dtype=np.int32)).cast(pa.date32()), pa.string())


def timestamp(seconds: np.ndarray) -> pa.Array:
    """ISO 8601 UTC timestamps with 'Z' from epoch seconds."""
    # A naive cast is ~100x faster than strftime or a cast with a time zone, and the values are UTC anyway.
    naive = pc.cast(pa.array(np.asarray(seconds, dtype=np.int64)).cast(pa.timestamp("s")), pa.string())
    return pc.binary_join_element_wise(pc.replace_substring(naive, " ", "T"), "Z", "")


def boolean(values: np.ndarray) -> pa.Array:
    return take(["false", "true"], np.asarray(values, dtype=bool).astype(np.int64))


def with_nulls(array: pa.Array, null_mask: np.ndarray) -> pa.Array:
    """The array with nulls where null_mask is true (an empty CSV field, a JSON null)."""
    mask = np.asarray(null_mask, dtype=bool)
    if not mask.any():
        return array
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), array)


def nulls(n: int) -> pa.Array:
    return pa.nulls(n, pa.string())


def constant(value: str, n: int) -> pa.Array:
    return take([value], np.zeros(n, dtype=np.int64))


def table(feed: Feed, columns: dict[str, pa.Array]) -> pa.Table:
    """A text table with exactly the feed's contract columns in contract order."""
    missing = set(feed.column_names) - set(columns)
    extra = set(columns) - set(feed.column_names)
    if missing or extra:
        raise ValueError(f"{feed.name}: columns missing {sorted(missing)}, not in contract {sorted(extra)}")
    arrays = [columns[name] for name in feed.column_names]
    return pa.table(arrays, schema=pa.schema([(n, pa.string()) for n in feed.column_names]))


def empty(feed: Feed) -> pa.Table:
    return pa.table({name: nulls(0) for name in feed.column_names})


def formatted(column: Column, values) -> pa.Array:
    """Text of one column from plain values by the column's contract type; None (or NaN) becomes null.

    Dates are day numbers since 1970-01-01, timestamps epoch seconds, decimals floats (rounded to the scale).
    """
    if column.type == "string":
        if isinstance(values, np.ndarray) and values.dtype.kind == "U":
            return pa.array(values, pa.string())
        return pa.array(np.asarray(values, dtype=object), pa.string(), from_pandas=True)  # None and NaN: null
    raw = np.asarray(values, dtype=object)
    missing = pd.isna(raw)
    filled = np.where(missing, 0, raw)
    if column.type == "integer":
        out = integer(filled.astype(np.int64))
    elif column.type == "decimal":
        out = decimal(filled.astype(float), column)
    elif column.type == "date":
        out = date(filled.astype(np.int64))
    elif column.type == "timestamp":
        out = timestamp(filled.astype(np.int64))
    else:
        out = boolean(filled.astype(bool))
    return with_nulls(out, missing)


def rows_table(feed: Feed, data: dict[str, object], n: int) -> pa.Table:
    """A text table from plain per-column values (small feeds: audits, seizures, penalties, accounts)."""
    columns = {}
    for column in feed.columns:
        value = data.get(column.name)
        if value is None or np.isscalar(value):
            value = [value] * n
        columns[column.name] = formatted(column, value) if n else nulls(0)
    return table(feed, columns)
