"""Identifier formats of the contract and the entry-number check digit.

The check digit is the Luhn (mod 10) digit over the 10 characters of filer code and serial, a letter counting as
its alphabet position modulo 10 (A=1 … I=9, J=0, K=1 …). The same algorithm exists twice, once in Python for the
generator and once as a DuckDB macro for the loader and the quality suites; a test proves they agree.
"""

from __future__ import annotations

import re

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


# DuckDB macros with the same algorithm, installed on every warehouse connection by `install_macros`. Plain
# arithmetic on the character codes of the 10 payload positions (1-3 and 5-11), no lists (list lambdas cost about
# twice as much) and no `translate` (far slower). A filer-code character's value is (code + 2) % 10 for a digit
# and (code + 6) % 10 for a letter (A=1 ... I=9, J=0, K=1 ...); serial positions are digits once the pattern
# matched. Payload positions 2, 5, 7, 9 and 11 (every other one from the right, as the check digit follows) are
# doubled with 9 taken off above 9, which is (2d - 1) % 9 + 1 for a digit d (0 stays 0).
ENTRY_NUMBER_MACRO_SQL = r"""
create or replace macro tw_luhn_code(entry_number, position) as (ascii(substr(entry_number, position, 1)));
create or replace macro tw_luhn_char(entry_number, position) as (
    (tw_luhn_code(entry_number, position) + 2 + 4 * (tw_luhn_code(entry_number, position) // 65)) % 10
);
create or replace macro tw_luhn_digit(entry_number, position) as (tw_luhn_code(entry_number, position) - 48);
create or replace macro tw_luhn_double(digit) as ((2 * digit - 1) % 9 + 1);
create or replace macro tw_luhn_ok(entry_number) as (
    regexp_full_match(entry_number, '[A-Z0-9]{3}-\d{7}-\d')
    and (10 - (
        tw_luhn_char(entry_number, 1) + tw_luhn_double(tw_luhn_char(entry_number, 2)) + tw_luhn_char(entry_number, 3)
        + tw_luhn_double(tw_luhn_digit(entry_number, 5)) + tw_luhn_digit(entry_number, 6)
        + tw_luhn_double(tw_luhn_digit(entry_number, 7)) + tw_luhn_digit(entry_number, 8)
        + tw_luhn_double(tw_luhn_digit(entry_number, 9)) + tw_luhn_digit(entry_number, 10)
        + tw_luhn_double(tw_luhn_digit(entry_number, 11))
    ) % 10) % 10 = tw_luhn_digit(entry_number, 13)
)
"""


def install_macros(con) -> None:
    """Create the contract's SQL macros (entry-number check digit) on a DuckDB connection."""
    con.execute(ENTRY_NUMBER_MACRO_SQL)
