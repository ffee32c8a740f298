"""Building blocks of the contract: a column, a cross-field rule, a feed.

A `Column` says what one field must be (type, required, code list, pattern, range, reference table). A `Rule` is a
cross-field rule written as a SQL predicate over the typed columns that is TRUE when a row breaks it; NULLs make
it not-TRUE, so a missing optional value never breaks a rule by itself. A `Feed` gathers columns, rules, the key
and how versions supersede each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean"]
Severity = Literal["error", "warning"]
# entry: a higher entry_version replaces every line of the entry; latest: the highest version_column wins per key;
# replace: the latest delivery of a key wins (reference feeds and exams have no version column).
Versioning = Literal["entry", "latest", "replace"]

# DuckDB types per contract type; money keeps cents exactly, rates and weights keep six places.
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "money": "DECIMAL(18,2)",
    "measure": "DECIMAL(18,3)",
    "rate": "DECIMAL(18,6)",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "boolean": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    codes: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    # A static reference table the value must exist in: "port" or "country".
    reference: Literal["port", "country"] | None = None
    # For decimals: "money", "measure" or "rate" (sets the SQL type).
    kind: Literal["money", "measure", "rate"] | None = None
    # Personally identifying: hidden from analysts whose role does not allow it.
    pii: bool = False
    description: str = ""

    @property
    def sql_type(self) -> str:
        if self.type == "decimal":
            return SQL_TYPES[self.kind or "rate"]
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Rule:
    name: str
    column: str  # the column the rule is reported against
    violation_sql: str  # TRUE when a (typed) row breaks the rule
    description: str
    severity: Severity = "error"


@dataclass(frozen=True)
class Feed:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    versioning: Versioning
    version_column: str | None = None
    rules: tuple[Rule, ...] = ()
    # Columns that must agree across rows sharing `group_key` (the header of an entry version).
    group_key: tuple[str, ...] = ()
    group_columns: tuple[str, ...] = ()
    # Transaction feeds carry events; account and reference feeds carry master data.
    kind: Literal["transaction", "account"] = "transaction"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"feed {self.name!r} has no column {name!r}")

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def error_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.severity == "error")

    @property
    def warning_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.severity == "warning")
