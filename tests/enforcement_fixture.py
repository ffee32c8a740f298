"""A small hand-written warehouse (schema marts, only the columns the enforcement measures read) whose partnership
shares, hit rates, lifts and report-card ranks are worked out by hand in `EXPECTED`.

FY2026Q1 (Oct-Dec 2025):
- importers I001..I060, one entry each (E001..E060, entered value 1000 x i), filed 2025-11-01;
- ctpat members I001..I040 (since 2020); isa I001..I005; I041 left ctpat before the period; I061 is a member
  with no entries;
- entry environment, port 1001, selection officer (targeted): I001..I012 two one-line exams each, I013..I016 one
  one-line exam, I017..I020 one exam of three lines: 40 lines, 8 material (each 100 USD found), 1 officer hour each;
  pti textiles on I001..I012's lines, revenue otherwise;
- entry environment, compliance-measurement sample on E050, 0.5 hours each, pti revenue:
  stratum A (port 1001) 20 lines of weight 10, 2 material; stratum B (port 2002) 20 lines of weight 30, 1 material
  -> weighted material rate (10 x 2 + 30 x 1) / (10 x 20 + 30 x 20) = 0.0625;
- pre-entry, port 2002, one exam of E051 with 30 lines (2 hours each, pti ipr), 3 material;
- audits of I013..I016 opened 2025-11-10 (closed, findings, 100 hours, 1000 USD; pti revenue, revenue, ipr, ipr).
FY2026Q2: 5 targeted lines at port 1001 (E052, 2026-01-10, no hit); one seizure at 1001.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from warehouse.db import connect

Q1_DAY = "2025-11-05"


def _exam(
    exam_id, entry, line, env, port, pti, cm=False, stratum=None, weight=None, material=False, hours=1.0, day=Q1_DAY
):
    return {
        "exam_id": exam_id,
        "entry_number": entry,
        "line_number": line,
        "exam_date": day,
        "environment": env,
        "port_code": port,
        "pti": pti,
        "selection_reason": "cm_random" if cm else "officer",
        "is_cm_sample": cm,
        "cm_stratum": stratum,
        "cm_weight": weight,
        "is_material": material,
        "is_discrepancy": material,
        "officer_hours": hours,
        "duty_difference_usd": 100.0 if material else 0.0,
    }


def exam_rows() -> list[dict]:
    rows = []
    hits = 0
    for i in range(1, 21):
        entry = f"E{i:03d}"
        if i <= 12:
            exams = [(f"X{i:03d}a", 1), (f"X{i:03d}b", 1)]
        elif i <= 16:
            exams = [(f"X{i:03d}a", 1)]
        else:
            exams = [(f"X{i:03d}a", 3)]
        for exam_id, lines in exams:
            for line in range(1, lines + 1):
                # The first line of the first exam of I001..I008 is a hit: 8 hits in 40 targeted lines.
                material = i <= 8 and exam_id.endswith("a") and line == 1
                hits += material
                rows.append(
                    _exam(
                        exam_id, entry, line, "entry", "1001", "textiles" if i <= 12 else "revenue", material=material
                    )
                )
    assert hits == 8 and len(rows) == 40
    for k in range(40):
        stratum, weight, port = ("A", 10.0, "1001") if k < 20 else ("B", 30.0, "2002")
        material = k in (0, 1, 20)
        rows.append(
            _exam(
                f"C{k:02d}",
                "E050",
                k + 1,
                "entry",
                port,
                "revenue",
                cm=True,
                stratum=stratum,
                weight=weight,
                material=material,
                hours=0.5,
            )
        )
    for line in range(1, 31):
        rows.append(_exam("T1", "E051", line, "pre_entry", "2002", "ipr", material=line <= 3, hours=2.0))
    for line in range(1, 6):
        rows.append(_exam("T2", "E052", line, "entry", "1001", "revenue", day="2026-01-10"))
    return rows


EXPECTED = {
    "trusted_overall": (16, 40),  # I001..I012 (two exams), I013..I016 (exam + audit) of 40 active members
    "trusted_isa_n": 5,
    "prioritised_top_n": 35,  # I026..I060; I026..I040 enrolled
    "prioritised_overall": (15, 35),
    "random_rate": 0.0625,
    "hit_entry": (8, 40),
    "hit_pre_entry": (3, 30),
    "lift_entry": 0.2 / 0.0625,
    "lift_pre_entry": 0.1 / 0.0625,
    "officer_hours": {"entry": 40 * 1.0 + 40 * 0.5, "pre_entry": 30 * 2.0},
    "revenue_found_usd": {"entry": 1100.0, "pre_entry": 300.0},
    # hours on specific issues: textiles 24 x 1, ipr 30 x 2, ipr audits 2 x 100; all hours 40 + 20 + 60 + 400
    "pti_hours_share_overall": (24 + 60 + 200) / 520,
}


def random_sample_lines() -> pd.DataFrame:
    """The 40 compliance-measurement lines of FY2026Q1 (for computing the rate's variance independently)."""
    frame = pd.DataFrame([r for r in exam_rows() if r["is_cm_sample"]])
    return frame[["cm_stratum", "cm_weight", "is_material"]]


def targeted_lines() -> pd.DataFrame:
    """The targeted (not random-sample) exam lines of FY2026Q1 (for computing the clustered hit rates
    independently)."""
    frame = pd.DataFrame([r for r in exam_rows() if not r["is_cm_sample"] and r["exam_date"] == Q1_DAY])
    return frame[["exam_id", "environment", "is_material"]]


def build_enforcement_fixture(path: Path) -> Path:
    """Write the hand-made marts into a new DuckDB file at `path`."""
    entries = pd.DataFrame(
        {
            "entry_number": [f"E{i:03d}" for i in range(1, 61)],
            "importer_number": [f"I{i:03d}" for i in range(1, 61)],
            "filed_date": "2025-11-01",
            "entered_value_usd": [1000.0 * i for i in range(1, 61)],
        }
    )
    programs = pd.DataFrame(
        [(f"I{i:03d}", "ctpat", "2020-01-01", None) for i in range(1, 41)]
        + [(f"I{i:03d}", "isa", "2021-01-01", None) for i in range(1, 6)]
        + [("I041", "ctpat", "2019-01-01", "2025-06-01"), ("I061", "ctpat", "2020-01-01", None)],
        columns=["importer_number", "program", "enrolled_on", "left_on"],
    )
    audits = pd.DataFrame(
        {
            "audit_id": [f"A{i}" for i in range(13, 17)],
            "importer_number": [f"I{i:03d}" for i in range(13, 17)],
            "pti": ["revenue", "revenue", "ipr", "ipr"],
            "opened_on": "2025-11-10",
            "closed_on": "2025-12-01",
            "is_closed": True,
            "has_findings": True,
            "audit_hours": 100.0,
            "revenue_loss_usd": 1000.0,
        }
    )
    seizures = pd.DataFrame(
        {
            "seizure_id": ["S1", "S2", "S3"],
            "importer_number": ["I030", None, "I031"],
            "port_code": ["1001", "1001", "1001"],
            "pti": ["ipr", "ipr", "ipr"],
            "seized_on": ["2025-11-20", "2025-12-02", "2026-01-15"],
            "domestic_value_usd": [500.0, 700.0, 900.0],
        }
    )
    penalties = pd.DataFrame(
        {
            "penalty_case_number": ["P1"],
            "importer_number": ["I021"],
            "pti": ["revenue"],
            "opened_on": ["2025-11-15"],
            "assessed_on": ["2025-11-20"],
        }
    )
    exams = pd.DataFrame(exam_rows())
    con = connect(path)
    try:
        con.execute("create schema if not exists marts")
        # The measures take a date's fiscal periods from marts.dim_dates (dbt builds it; here its FY2026 days, the
        # quarters stated by hand rather than computed, so that a wrong lookup cannot agree with itself).
        con.execute(
            """create table marts.dim_dates as
            select d::date as date_day, 2026 as fiscal_year, q.fiscal_quarter, 'FY2026' as fiscal_year_label
            from range(date '2025-10-01', date '2026-10-01', interval 1 day) as t(d)
            join (values (date '2025-10-01', 1), (date '2026-01-01', 2), (date '2026-04-01', 3), (date '2026-07-01', 4))
                as q(starts, fiscal_quarter) on d >= q.starts and d < q.starts + interval 3 month"""
        )
        for name, frame, casts in (
            ("fct_entries", entries, "filed_date::date as filed_date"),
            ("dim_programs", programs, "enrolled_on::date as enrolled_on, left_on::date as left_on"),
            ("fct_audits", audits, "opened_on::date as opened_on, closed_on::date as closed_on"),
            ("fct_seizures", seizures, "seized_on::date as seized_on"),
            ("fct_penalties", penalties, "opened_on::date as opened_on, assessed_on::date as assessed_on"),
            ("fct_exams", exams, "exam_date::date as exam_date, cm_weight::decimal(18,6) as cm_weight"),
        ):
            replaced = [c.split(" as ")[-1] for c in casts.split(", ")]
            con.register("_frame", frame)
            con.execute(f"create table marts.{name} as select * exclude ({', '.join(replaced)}), {casts} from _frame")
            con.unregister("_frame")
    finally:
        con.close()
    return path
