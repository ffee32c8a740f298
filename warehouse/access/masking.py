"""SQL that masks one tagged column as the default analyst copy carries it.

- hash: a keyed SHA-256 of the value (lists: of each element), shortened to 20 hex digits behind an `h`. The same
  key masks every table, so an importer number hashes to the same value wherever it appears and joins still work;
  without the key nobody can rebuild the clear value by hashing candidates (importer numbers are guessable).
- nullify: the column is empty (names, streets, phones: nothing needs to join on them).
- redact: quoted values inside messages ('...', quotes inside doubled as the loader writes them) become '…'; the
  rest of the message stays. A quote right after a letter or digit is an apostrophe ("number's", "1990's"), not a
  value's start; a quote left open hides the rest of the message.
  Columns of nested types are redacted through their JSON text and cast back to their type.
"""

from __future__ import annotations

from warehouse.access.policy import PolicyError, Tagged
from warehouse.loading.quoting import ident, literal

HASH_DIGITS = 20
# A quoted value, or a quote left open (a message cut before the value's end), which then runs to the end.
QUOTED = "(^|[^A-Za-z0-9])'(?:[^']|'')*(?:'|$)"
REDACTED = "\\1'…'"  # what preceded the quote, then the value's place


def _hash(value_sql: str, key: str) -> str:
    return f"'h' || substr(sha256({literal(key)} || {value_sql}), 1, {HASH_DIGITS})"


def _redact(value_sql: str) -> str:
    return f"regexp_replace({value_sql}, {literal(QUOTED)}, {literal(REDACTED)}, 'g')"


def masked_expression(tag: Tagged, data_type: str, nullable: bool, key: str) -> str:
    """The SQL expression that replaces the column in the default copy's `select` list."""
    column = ident(tag.column)
    if tag.masking == "hash":
        if data_type == "VARCHAR":
            masked = _hash(column, key)
        elif data_type == "VARCHAR[]":
            masked = f"list_transform({column}, lambda element: {_hash('element', key)})"
        else:
            raise PolicyError(f"{tag.defined_in}: {tag.table}.{tag.column} is {data_type}; hash masks text only")
    elif tag.masking == "redact":
        if data_type == "VARCHAR":
            masked = _redact(column)
        else:
            masked = f"cast(cast({_redact(f'cast(to_json({column}) as varchar)')} as json) as {data_type})"
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
