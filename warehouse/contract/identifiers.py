"""Identifier formats of the contract and the entry-number check digit.

The check digit is the Luhn (mod 10) digit over the 10 characters of filer code and serial, a letter counting as
its alphabet position modulo 10 (A=1 … I=9, J=0, K=1 …). The same algorithm exists twice, once in Python for the
generator and once as a DuckDB macro for the loader and the quality suites; a test proves they agree.
"""

from __future__ import annotations

import re

from warehouse.sql_files import query

ENTRY_NUMBER_PATTERN = r"^[A-Z0-9]{3}-\d{7}-\d$"
IMPORTER_NUMBER_PATTERN = r"^(\d{2}-\d{7}[0-9A-Z]{2}|\d{6}-\d{5})$"
ADCVD_CASE_PATTERN = r"^[AC]-\d{3}-\d{3}-\d{3}$"
MID_PATTERN = r"^[A-Z]{2}[A-Z0-9]{1,13}$"
PORT_CODE_PATTERN = r"^\d{4}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
HTS_CODE_PATTERN = r"^(0[1-9]|[1-9]\d)\d{8}$"
HTS_PREFIX_PATTERN = r"^\d{4,10}$"

_ENTRY_NUMBER_RE = re.compile(ENTRY_NUMBER_PATTERN)


def char_value(char: str) -> int:
    """Digit value of one character of an entry number: digits as themselves, letters by alphabet position mod 10."""
    if char.isdigit():
        return int(char)
    return (ord(char.upper()) - ord("A") + 1) % 10


def luhn_check_digit(payload: str) -> int:
    """Luhn check digit for the 10 characters of filer code and serial (dash-free)."""
    total = 0
    # Walking from the right, the first payload digit is the one doubled, since the check digit follows it.
    for position, char in enumerate(reversed(payload)):
        value = char_value(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def make_entry_number(filer_code: str, serial: int) -> str:
    """Format an entry number `FFF-NNNNNNN-C` with its check digit."""
    body = f"{filer_code}{serial:07d}"
    return f"{filer_code}-{serial:07d}-{luhn_check_digit(body)}"


def is_valid_entry_number(value: str) -> bool:
    """True when the entry number has the contract's format and a correct check digit."""
    if not _ENTRY_NUMBER_RE.match(value):
        return False
    body = value[:3] + value[4:11]
    return luhn_check_digit(body) == int(value[-1])


def install_macros(con) -> None:
    """Create the contract's SQL macros on a DuckDB connection: the entry-number check digit with the same algorithm
    as `luhn_check_digit` (sql/entry_number_macros.sql says how)."""
    con.execute(query(__package__, "entry_number_macros"))
