"""Targeting and enforcement effectiveness (`metrics.targeting_effectiveness`): what risk-based exams and audits find,
what they cost and how much better than the random sample they do, by enforcement environment.

Definitions (all from marts.fct_exams and marts.fct_audits, in the fiscal period the exam started / the audit opened):
- `exams`: examined lines of every selection reason (an exam of a whole entry counts each of its lines);
  `targeted_exams`: the lines not drawn by the compliance-measurement sample (rules, model, officer, tip, partner).
- `hit_rate`: material discrepancies / targeted lines. A targeted exam examines a whole entry, so the exam, not the
  line, is the unit of selection, and lines of one entry tend to be discrepant together: the variance is that of a
  ratio over exams (clusters), k/(k-1) sum_e (h_e - p m_e)^2 / M^2, and the interval is Wilson's at the effective
  number of lines p(1-p)/var (at most the lines). A cell resting on a single exam has no estimable variance: its
  rate is given without an interval.
- `lift_over_random`: hit_rate / the cm_random weighted material rate of the same period, in the same domain value
  when it has at least MIN_SAMPLED random lines, else of the whole period (the sample is drawn at entry only, so
  pre-entry and post-release fall back). Interval: delta method on log(lift), the two samples being disjoint; the
  hit rate's variance is the clustered one above, the random rate's the stratified (by cm_stratum) linearised
  variance of a weighted ratio.
- `revenue_found_usd`, `officer_hours`: census sums over every exam line (no sampling error).
- `audits`, `audit_hours`, `audit_revenue_found_usd` (revenue_loss_usd), `audit_finding_rate` (closed audits with
  findings / closed audits): post-release audits, so only the `post_release` and overall cells have them.
- `pti_hours_share`: officer + audit hours on a specific priority trade issue / all those hours. `revenue` is the
  contract's catch-all issue of every chapter without a specific one, so counting it would make the share 1 by
  construction; it is excluded (PRIORITY_PTIS). Its SE is the linearised SE of a ratio over exam lines and audits.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from warehouse.metrics.estimates import MIN_SAMPLED, Z95, empty_estimates, wilson_interval
from warehouse.metrics.exam_clusters import exam_clusters_sql
from warehouse.metrics.period_rows import period_rows
from warehouse.sql_files import query

PRIORITY_PTIS = ("adcvd", "agriculture", "import_safety", "ipr", "penalties", "textiles")
ENVIRONMENTS = ("pre_entry", "entry", "post_release")


class ExamCell(NamedTuple):
    """One row of exam_stats, typed (a frame's rows are not): its columns, in its order."""

    period_kind: str
    period: str
    domain_value: str
    exam_lines: int
    targeted_lines: int
    targeted_hits: int
    officer_hours: float
    revenue_found_usd: float
    targeted_exams: int
    s_hh: float
    s_hm: float
    s_mm: float


class AuditCell(NamedTuple):
    """One row of audit_stats, typed: its columns, in its order."""

    period_kind: str
    period: str
    domain_value: str
    audits: int
    audit_hours: float
    audit_revenue_found_usd: float
    closed_audits: int
    closed_with_findings: int


def exam_stats(con, domain_sql: str) -> pd.DataFrame:
    """Per period and domain value: census sums, the targeted lines' hits, and the sums over targeted exams the
    clustered variance of the hit rate needs (exams; sum h^2, h m, m^2 of each exam's hits h and lines m)."""
    exam_rows = period_rows("marts.fct_exams", "exam_date", domain_sql)
    clusters = exam_clusters_sql("targeted_lines", "period_kind, period, domain_value")
    return con.execute(query(__package__, "targeting_exam_stats", exam_rows=exam_rows, exam_clusters=clusters)).df()


def clustered_rate(hits: int, lines: int, exams: int, s_hh: float, s_hm: float, s_mm: float):
    """(rate, standard error, effective number of lines) of hits / lines when exams are the sampling units; the
    error is NaN with fewer than two exams (no variance estimable)."""
    p = hits / lines if lines else math.nan
    if exams < 2 or not lines:
        return p, math.nan, math.nan
    variance = exams / (exams - 1) * max(s_hh - 2 * p * s_hm + p * p * s_mm, 0.0) / (lines * lines)
    effective = lines if variance <= 0 else min(lines, p * (1 - p) / variance)
    return p, math.sqrt(variance), effective


def random_strata(con, domain_sql: str) -> pd.DataFrame:
    """Per period, domain value and cm_stratum: the sums the weighted material rate and its variance need."""
    exam_rows = period_rows("marts.fct_exams", "exam_date", domain_sql)
    return con.execute(query(__package__, "targeting_random_strata", exam_rows=exam_rows)).df()


def weighted_rates(strata: pd.DataFrame) -> dict[tuple, tuple[float, float, int]]:
    """Per (period_kind, period, domain_value): the weighted ratio r = sum(w y) / sum(w) over a stratified sample,
    its linearised SE and the lines it rests on. Per stratum h the linearised values z = w (y - r) / W contribute
    n_h / (n_h - 1) * sum (z - mean z)^2; single-line strata contribute nothing (no variance estimable)."""
    if strata.empty:
        return {}
    keys = ["period_kind", "period", "domain_value"]
    s = strata.copy()
    grouped = s.groupby(keys)
    s["W"] = grouped["s_w"].transform("sum")
    s["r"] = grouped["s_wy"].transform("sum") / s["W"]
    sum_z = (s["s_wy"] - s["r"] * s["s_w"]) / s["W"]
    sum_z2 = (s["s_w2y"] * (1 - 2 * s["r"]) + s["r"] ** 2 * s["s_w2"]) / s["W"] ** 2
    within = (sum_z2 - sum_z**2 / s["n"]).clip(lower=0)
    s["v"] = (s["n"] / (s["n"] - 1).where(s["n"] > 1) * within).fillna(0.0)
    out = s.groupby(keys).agg(r=("r", "first"), v=("v", "sum"), n=("n", "sum"))
    cells = zip(out.index, out["r"], out["v"], out["n"], strict=True)
    return {key: (r, math.sqrt(v), int(n)) for key, r, v, n in cells}


def estimate_row(measure, unit, period_kind, period, domain, value, estimate, std_error, ci, n, note) -> dict:
    """One row of the shared layout; a sampled estimate with fewer than MIN_SAMPLED units is withheld."""
    small = std_error is not None and (n is None or n < MIN_SAMPLED)
    if small:
        estimate, std_error, ci, note = None, None, (None, None), f"suppressed: fewer than {MIN_SAMPLED} sampled units"
    return {
        "measure": measure,
        "unit": unit,
        "period_kind": period_kind,
        "period": period,
        "domain": domain,
        "domain_value": value,
        "estimate": estimate,
        "std_error": std_error,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "n_sampled": n,
        "suppressed": small,
        "note": note,
    }


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows of the shared layout as a frame with numeric columns typed (None -> NaN), whatever the first row held.
    No rows (nothing loaded yet, every entry quarantined) give the standard columns with no rows, not a frame
    without columns."""
    frame = pd.DataFrame(rows) if rows else empty_estimates()
    for column in ("estimate", "std_error", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["n_sampled"] = pd.to_numeric(frame["n_sampled"], errors="coerce").astype("Int64")
    frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool)
    return frame


def census_row(measure, unit, period_kind, period, domain, value, total, n, note) -> dict:
    """A census total: every unit counted, so no sampling error and nothing to suppress."""
    return estimate_row(measure, unit, period_kind, period, domain, value, total, None, (None, None), n, note)


def proportion_row(measure, period_kind, period, domain, value, successes, n, note) -> dict:
    """A proportion with its binomial SE and Wilson interval."""
    p = successes / n if n else math.nan
    se = math.sqrt(p * (1 - p) / n) if n else math.nan
    return estimate_row(
        measure, "rate", period_kind, period, domain, value, p, se, wilson_interval(successes, n), n, note
    )


def hit_rate_row(period_kind, period, domain, value, rate, lines, note) -> dict:
    """The targeted hit rate from `clustered_rate`'s (rate, SE, effective lines): Wilson interval at the effective
    number of lines; no interval when the variance is not estimable (a single exam)."""
    p, se, n_eff = rate
    if math.isnan(se):
        note = f"{note}; a single exam: no sampling error estimable"
        return estimate_row("hit_rate", "rate", period_kind, period, domain, value, p, se, (None, None), lines, note)
    ci = wilson_interval(p * n_eff, n_eff)
    return estimate_row("hit_rate", "rate", period_kind, period, domain, value, p, se, ci, lines, note)


def lift_row(period_kind, period, domain, value, hits, n_targeted, hit_se, baseline, note_scope) -> dict:
    """hit rate / random rate with a delta-method interval on the log scale (the samples are disjoint); `hit_se`
    is the hit rate's (clustered) standard error."""
    rate, rate_se, n_random = baseline
    n = min(n_targeted, n_random)
    note = f"delta method on log(lift); baseline: cm_random weighted material rate of {note_scope}"
    key = ("lift_over_random", "ratio", period_kind, period, domain, value)
    if n_targeted == 0 or math.isnan(rate) or rate == 0:
        # No targeted lines, no random sample, or one with no material discrepancy: the ratio is undefined.
        row = estimate_row(*key, None, math.nan, (None, None), n, note)
        if n_targeted == 0:
            reason = "no targeted lines"
        elif n_random == 0:  # e.g. an authority whose every exam was targeted: nothing to compare against
            reason = "no cm_random sample line in the period to compare with"
        else:
            reason = "the random sample found no material discrepancy"
        return {**row, "estimate": None, "suppressed": True, "note": f"not estimable: {reason}"}
    if hits == 0:
        # Zero hits: lift 0, whose log-scale interval is undefined; the upper bound is the Wilson one of the hit
        # rate over the random rate (the random rate's own error ignored).
        upper = wilson_interval(0, n_targeted)[1] / rate
        return estimate_row(*key, 0.0, math.nan, (0.0, upper), n, f"no hits; upper bound: Wilson / baseline; {note}")
    h = hits / n_targeted
    lift = h / rate
    if math.isnan(hit_se):
        return estimate_row(*key, lift, math.nan, (None, None), n, f"a single targeted exam: no interval; {note}")
    se_log = math.sqrt((hit_se / h) ** 2 + (rate_se / rate) ** 2)
    ci = (lift * math.exp(-Z95 * se_log), lift * math.exp(Z95 * se_log))
    return estimate_row(*key, lift, lift * se_log, ci, n, note)


def audit_stats(con, domain_sql: str) -> pd.DataFrame:
    """Per period and domain value: audits opened, their hours and revenue, and closed audits with findings."""
    audit_rows = period_rows("marts.fct_audits", "opened_on", domain_sql)
    return con.execute(query(__package__, "targeting_audit_stats", audit_rows=audit_rows)).df()


def enforcement_rows(con, domain: str, exam_domain_sql: str, audit_domain_sql: str | None) -> list[dict]:
    """The exam (and, with audit_domain_sql, audit) measures of one domain, for every fiscal period."""
    exams = exam_stats(con, exam_domain_sql)
    own_rates = weighted_rates(random_strata(con, exam_domain_sql))
    period_rates = weighted_rates(random_strata(con, "'all'"))
    no_sample = (math.nan, math.nan, 0)
    rows: list[dict] = []
    for e in map(ExamCell._make, exams[list(ExamCell._fields)].itertuples(index=False, name=None)):
        key = (e.period_kind, e.period, domain, e.domain_value)
        rows.append(census_row("exams", "count", *key, int(e.exam_lines), int(e.exam_lines), "examined lines"))
        rows.append(
            census_row(
                "targeted_exams",
                "count",
                *key,
                int(e.targeted_lines),
                int(e.targeted_lines),
                "examined lines not drawn by the random sample",
            )
        )
        hits, lines = int(e.targeted_hits), int(e.targeted_lines)
        rate = clustered_rate(hits, lines, int(e.targeted_exams), e.s_hh, e.s_hm, e.s_mm)
        note = "material discrepancies / targeted lines; exams as clusters; Wilson at the effective lines"
        rows.append(hit_rate_row(*key, rate, lines, note))
        own = own_rates.get((e.period_kind, e.period, e.domain_value), no_sample)
        if own[2] >= MIN_SAMPLED:
            baseline = own
            scope = "the same period" if domain == "overall" else f"the same period and {domain}"
        else:
            baseline = period_rates.get((e.period_kind, e.period, "all"), no_sample)
            scope = f"the same period, all of it (< {MIN_SAMPLED} random lines here)"
        rows.append(lift_row(*key, hits, lines, rate[1], baseline, scope))
        rows.append(
            census_row(
                "revenue_found_usd",
                "usd",
                *key,
                e.revenue_found_usd,
                int(e.exam_lines),
                "exam duty differences (correct - declared), every exam line",
            )
        )
        rows.append(
            census_row(
                "officer_hours", "hours", *key, e.officer_hours, int(e.exam_lines), "officer hours of every exam line"
            )
        )
    if audit_domain_sql is not None:
        audits = audit_stats(con, audit_domain_sql)
        for a in map(AuditCell._make, audits[list(AuditCell._fields)].itertuples(index=False, name=None)):
            key = (a.period_kind, a.period, domain, a.domain_value)
            rows.append(census_row("audits", "count", *key, int(a.audits), int(a.audits), "audits opened"))
            rows.append(
                census_row("audit_hours", "hours", *key, a.audit_hours, int(a.audits), "auditor hours of audits opened")
            )
            rows.append(
                census_row(
                    "audit_revenue_found_usd",
                    "usd",
                    *key,
                    a.audit_revenue_found_usd,
                    int(a.audits),
                    "revenue loss identified by audits opened",
                )
            )
            rows.append(
                proportion_row(
                    "audit_finding_rate",
                    *key,
                    int(a.closed_with_findings),
                    int(a.closed_audits),
                    "closed audits with findings / closed audits; Wilson",
                )
            )
    return rows


def hours_share_rows(con, domain: str, exam_domain_sql: str, audit_domain_sql: str) -> list[dict]:
    """pti_hours_share per period and domain value, over exam lines and audits together (units weighted by hours)."""
    fragments = {"exam_rows": period_rows("marts.fct_exams", "exam_date", exam_domain_sql)}
    fragments |= {"audit_rows": period_rows("marts.fct_audits", "opened_on", audit_domain_sql)}
    statement = query(__package__, "targeting_hours_share", **fragments)
    frame = con.execute(statement, {"priority_ptis": list(PRIORITY_PTIS)}).df()
    rows = []
    for f in frame.itertuples(index=False):
        key = (f.period_kind, f.period, domain, f.domain_value)
        n = int(f.n)
        if f.s_h <= 0:
            rows.append(
                estimate_row(
                    "pti_hours_share", "rate", *key, None, math.nan, (None, None), n, "not estimable: no hours recorded"
                )
            )
            continue
        r = f.s_hp / f.s_h
        sum_z2 = (f.s_h2p * (1 - 2 * r) + r * r * f.s_h2) / (f.s_h * f.s_h)
        se = math.sqrt(n / (n - 1) * sum_z2) if n > 1 else math.nan
        ci = (max(0.0, r - Z95 * se), min(1.0, r + Z95 * se))
        note = "hours on specific priority trade issues (not the catch-all revenue) / all officer and audit hours"
        rows.append(estimate_row("pti_hours_share", "rate", *key, r, se, ci, n, note))
    return rows


def targeting_effectiveness(con) -> pd.DataFrame:
    """metrics.targeting_effectiveness: domain `overall` and `environment` (audits are post_release)."""
    rows = enforcement_rows(con, "overall", "'all'", "'all'")
    rows += enforcement_rows(con, "environment", "environment", "'post_release'")
    rows += hours_share_rows(con, "overall", "'all'", "'all'")
    rows += hours_share_rows(con, "environment", "environment", "'post_release'")
    return rows_frame(rows)
