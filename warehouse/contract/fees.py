"""Merchandise processing fee limits: the per-entry minimum and maximum in USD, by the date they took effect.

A formal entry pays 0.3464% ad valorem (0.21% before October 2011), never less than the minimum nor more than the
maximum in force when it was filed. The limits were fixed at $25 / $485 until the FAST Act (Pub. L. 114-94,
section 32201) made CBP adjust them for inflation; since then CBP publishes the new limits in a Federal Register
general notice each summer, in force from the next October 1 (the first, for fiscal year 2018, from January 1, 2018).
Add the next fiscal year's row here when its notice is published.

The table covers filings from October 1, 2009 (fiscal year 2010) to `COVERED_UNTIL`. An entry filed outside that
span is not judged: the warehouse records a warning finding (`mpf_limits_unknown`) instead. The generator charges
these limits; the findings mart and the entries quality suite check them (through `reference.mpf_limits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class MpfLimits:
    effective_on: date
    minimum_usd: float
    maximum_usd: float
    source: str


MPF_LIMITS: tuple[MpfLimits, ...] = (
    MpfLimits(
        date(2009, 10, 1),
        25.00,
        485.00,
        "19 U.S.C. 58c(b)(9)(B)(i); the 'FY14 base' limitation of appendix B to 19 CFR part 24 (in force since 2005)",
    ),
    MpfLimits(date(2018, 1, 1), 25.67, 497.99, "CBP Dec. 17-16, 82 FR 50523 (Nov. 1, 2017), from Jan. 1, 2018"),
    MpfLimits(date(2018, 10, 1), 26.22, 508.70, "COBRA fees adjusted for FY2019, 83 FR 37509 (Aug. 1, 2018)"),
    MpfLimits(date(2019, 10, 1), 26.79, 519.76, "COBRA fees adjusted for FY2020, general notice of July 2019"),
    MpfLimits(date(2020, 10, 1), 27.23, 528.33, "COBRA fees adjusted for FY2021, general notice of July 29, 2020"),
    MpfLimits(date(2021, 10, 1), 27.75, 538.40, "CBP Dec. 21-12, COBRA fees adjusted for FY2022 (Aug. 2021)"),
    MpfLimits(date(2022, 10, 1), 29.66, 575.35, "COBRA fees adjusted for FY2023, FR doc. 2022-16533 (Aug. 2022)"),
    MpfLimits(date(2023, 10, 1), 31.67, 614.35, "CBP Dec. 23-08, 88 FR 48900 (July 28, 2023), FY2024"),
    MpfLimits(date(2024, 10, 1), 32.71, 634.62, "COBRA fees adjusted for FY2025, FR doc. 2024-15990 (July 22, 2024)"),
    MpfLimits(date(2025, 10, 1), 33.58, 651.50, "COBRA fees adjusted for FY2026, general notice of July 2025"),
)
# The last day the table is known to cover: the end of the last fiscal year in it.
COVERED_UNTIL = date(2026, 9, 30)


def mpf_limits_on(day: date | datetime) -> MpfLimits | None:
    """The limits in force on `day`, or None outside the span the table covers."""
    if isinstance(day, datetime):
        day = day.date()
    if day < MPF_LIMITS[0].effective_on or day > COVERED_UNTIL:
        return None
    return [limits for limits in MPF_LIMITS if limits.effective_on <= day][-1]


def mpf_limits_clamped(day: date | datetime) -> MpfLimits:
    """The limits in force on `day`, or those of the nearest covered day (the generator charges something always)."""
    if isinstance(day, datetime):
        day = day.date()
    return mpf_limits_on(min(max(day, MPF_LIMITS[0].effective_on), COVERED_UNTIL))  # type: ignore[return-value]


def mpf_limits_rows() -> list[tuple[date, date, float, float, str]]:
    """The table as rows (effective_on, effective_until (exclusive), minimum, maximum, source)."""
    ends = [limits.effective_on for limits in MPF_LIMITS[1:]] + [COVERED_UNTIL + timedelta(days=1)]
    return [
        (limits.effective_on, end, limits.minimum_usd, limits.maximum_usd, limits.source)
        for limits, end in zip(MPF_LIMITS, ends, strict=True)
    ]
