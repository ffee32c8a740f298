"""SQL that masks one tagged column as the default analyst copy carries it, in DuckDB's SQL (the analyst copy file)
and in PostgreSQL's (the `analyst` schema, warehouse/engines/postgres_publish.py), with the same values in both.

- hash: a keyed SHA-256 of the value (lists: of each element), shortened to 20 hex digits behind an `h`. The same
  key masks every table, so an importer number hashes to the same value wherever it appears and joins still work;
  without the key nobody can rebuild the clear value by hashing candidates (importer numbers are guessable).
- nullify: the column is empty (names, streets, phones: nothing needs to join on them).
- redact: quoted values inside messages ('...', quotes inside doubled as the loader writes them) become '…'; the
  rest of the message stays. A quote right after a letter or digit is an apostrophe ("number's", "1990's"), not a
  value's start; a quote left open hides the rest of the message.
  Columns of nested types are redacted through their JSON text and cast back to their type.

What a tag means (which columns, when a row is masked, what a NOT NULL column allows) is decided once, in
`masked_expression`; a `Dialect` only spells the hash, the redaction and the types in its engine's SQL.
"""

from __future__ import annotations

from warehouse.access.policy import PolicyError, Tagged
from warehouse.loading.quoting import ident, literal

HASH_DIGITS = 20
# A quoted value, or a quote left open (a message cut before the value's end), which then runs to the end. RE2
# (DuckDB) and PostgreSQL's ARE find the same matches for it (tests/test_postgres_access.py compares them).
QUOTED = "(^|[^A-Za-z0-9])'(?:[^']|'')*(?:'|$)"
REDACTED = "\\1'…'"  # what preceded the quote, then the value's place
# The same inside JSON text (nested columns are redacted through it): a value is escaped there (\" \\ \n), and a
# quote left open runs to the end of its JSON string, not of the whole text, whose closing quote is put back: else
# the JSON would be cut and the copy's cast back to the column's type would fail the publish.
QUOTED_IN_JSON = "(^|[^A-Za-z0-9])'(?:[^'\"\\\\]|''|\\\\.)*('|\"|$)"
REDACTED_IN_JSON = "\\1'…\\2"


class Dialect:
    """DuckDB's spelling (the default copy's engine); PostgreSQL's below."""

    name = "duckdb"

    def is_text(self, data_type: str) -> bool:
        return data_type == "VARCHAR"

    def is_text_list(self, data_type: str) -> bool:
        return data_type == "VARCHAR[]"

    def hash(self, value_sql: str, key: str) -> str:
        return f"'h' || substr(sha256({literal(key)} || {value_sql}), 1, {HASH_DIGITS})"

    def hash_list(self, column: str, key: str) -> str:
        return f"list_transform({column}, lambda element: {self.hash('element', key)})"

    def redact(self, value_sql: str, pattern: str = QUOTED, replacement: str = REDACTED) -> str:
        return f"regexp_replace({value_sql}, {literal(pattern)}, {literal(replacement)}, 'g')"

    def redact_json(self, json_text_sql: str) -> str:
        return self.redact(json_text_sql, QUOTED_IN_JSON, REDACTED_IN_JSON)

    def redact_column(self, column: str, data_type: str, tag: Tagged) -> str:
        if self.is_text(data_type):
            return self.redact(column)
        return f"cast(cast({self.redact_json(f'cast(to_json({column}) as varchar)')} as json) as {data_type})"


class PostgresDialect(Dialect):
    """PostgreSQL's spelling, types as `format_type()` names them. DuckDB's `sha256(varchar)` is the lowercase hex
    digest of the text's UTF-8 bytes: here the text is converted to UTF-8 bytes explicitly (whatever the database
    encoding) and the digest encoded as hex. Lists are PostgreSQL arrays of text, hashed element by element in
    their order; JSON columns are redacted through their text."""

    name = "postgres"
    TEXT = ("text", "character varying")
    JSON = ("json", "jsonb")

    def __init__(self, key_setting: str | None = None):
        # With a setting named, the key is read from it (`current_setting`) rather than spelt into every statement:
        # the publisher sets it once per transaction, so a statement the server logs (a slow copy) shows no key.
        self.key_setting = key_setting

    def key_sql(self, key: str) -> str:
        return f"current_setting({literal(self.key_setting)})" if self.key_setting else literal(key)

    def is_text(self, data_type: str) -> bool:
        return data_type.split("(")[0] in self.TEXT

    def is_text_list(self, data_type: str) -> bool:
        return data_type.endswith("[]") and self.is_text(data_type[:-2])

    def hash(self, value_sql: str, key: str) -> str:
        digest = f"encode(sha256(convert_to({self.key_sql(key)} || {value_sql}, 'UTF8')), 'hex')"
        return f"'h' || substr({digest}, 1, {HASH_DIGITS})"

    def hash_list(self, column: str, key: str) -> str:
        hashed = self.hash("masked.element", key)
        elements = f"select {hashed} from unnest({column}) with ordinality as masked (element, n)"
        return f"case when {column} is not null then array({elements} order by masked.n) end"

    def redact(self, value_sql: str, pattern: str = QUOTED, replacement: str = REDACTED) -> str:
        # RE2 tries the alternatives of `(^|[^A-Za-z0-9])` in order, PostgreSQL takes the longest: at the start of a
        # text that opens with two quotes both match as long, and PostgreSQL would keep the first quote as the
        # character before the value. A space put before the text (and taken off after) leaves one way to match, the
        # one RE2 takes.
        spaced = f"' ' || {value_sql}"
        return f"substr({super().redact(spaced, pattern, replacement)}, 2)"

    def redact_column(self, column: str, data_type: str, tag: Tagged) -> str:
        if self.is_text(data_type):
            return self.redact(column)
        if data_type not in self.JSON:
            raise PolicyError(
                f"{tag.defined_in}: {tag.table}.{tag.column} is {data_type} on PostgreSQL; redact masks text and json"
            )
        return f"cast({self.redact_json(f'cast({column} as text)')} as {data_type})"


DUCKDB = Dialect()
POSTGRES = PostgresDialect()


def masked_expression(tag: Tagged, data_type: str, nullable: bool, key: str, dialect: Dialect = DUCKDB) -> str:
    """The SQL expression that replaces the column in the default copy's `select` list."""
    column = ident(tag.column)
    if tag.masking == "hash":
        if dialect.is_text(data_type):
            masked = dialect.hash(column, key)
        elif dialect.is_text_list(data_type):
            masked = dialect.hash_list(column, key)
        else:
            raise PolicyError(f"{tag.defined_in}: {tag.table}.{tag.column} is {data_type}; hash masks text only")
    elif tag.masking == "redact":
        masked = dialect.redact_column(column, data_type, tag)
    else:
        if not nullable:
            raise PolicyError(
                f"{tag.defined_in}: {tag.table}.{tag.column} is NOT NULL and cannot be masked as null; "
                "use masking: hash or redact"
            )
        masked = f"cast(null as {data_type})"
    if tag.mask_when:
        # A condition that cannot be decided (NULL) masks: only rows known not to need it stay clear.
        masked = f"case when coalesce(({tag.mask_when}), true) then {masked} else {column} end"
    return f"{masked} as {column}"
