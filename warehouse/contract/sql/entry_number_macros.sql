-- DuckDB macros with the same algorithm as `luhn_check_digit` (identifiers.py), installed on every warehouse
-- connection by `install_macros`. Plain arithmetic on the character codes of the 10 payload positions (1-3 and
-- 5-11), no lists (list lambdas cost about twice as much) and no `translate` (far slower). A filer-code character's
-- value is (code + 2) % 10 for a digit and (code + 6) % 10 for a letter (A=1 ... I=9, J=0, K=1 ...); serial
-- positions are digits once the pattern matched. Payload positions 2, 5, 7, 9 and 11 (every other one from the
-- right, as the check digit follows) are doubled with 9 taken off above 9, which is (2d - 1) % 9 + 1 for a digit d
-- (0 stays 0).
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
);
