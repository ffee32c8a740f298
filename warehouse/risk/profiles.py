"""Risk profiles: smoothed discrepancy rates and revenue found per dimension, from exam outcomes.

An outcome is a completed exam of an entry line: material (0/1) and revenue found (correct - declared duty). A
profile of a key (an importer, an HS heading, a port x country pair ...) counts its outcomes and is shrunk toward its
parent's profile (empirical Bayes with a prior worth `PRIOR_EXAMS` exams), so a new or rarely examined key falls
back to its parent, never to zero:

    rate = (material + m * parent_rate) / (exams + m),   revenue = (revenue_found + m * parent_revenue) / (exams + m)

Point in time: a line's profile uses only outcomes *completed strictly before the line's filing date* (daily
cumulative sums joined with an as-of join), so it never sees its own exam or anything later. Open exams (no
completion time) are in no profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.sql_files import query

PRIOR_EXAMS = 20.0  # weight of the parent in exams: a key needs ~20 exams before its own rate dominates


@dataclass(frozen=True)
class Dimension:
    name: str
    key: str  # SQL over entry-line columns
    parent: str | None  # name of the parent dimension; None = the overall rate
    parent_key: str | None = None  # SQL for the parent's key when it is not the parent dimension's own key


OVERALL = Dimension("overall", "'all'", None)

# Parents come before children: smoothing walks this list in order.
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("importer", "importer_number", None),
    Dimension("filer", "filer_code", None),
    Dimension("country", "country_of_origin", None),
    Dimension("port", "port_code", None),
    Dimension("hs_chapter", "hs_chapter", None),
    Dimension("hs_heading", "hs_heading", "hs_chapter"),
    Dimension("hs_subheading", "hs_subheading", "hs_heading"),
    # A manufacturer ID starts with its country's ISO code: a new manufacturer takes that country's profile.
    Dimension("manufacturer", "manufacturer_id", "country", "substr(manufacturer_id, 1, 2)"),
    Dimension("importer_chapter", "importer_number || '|' || hs_chapter", "importer"),
    Dimension("heading_country", "hs_heading || '|' || country_of_origin", "hs_heading"),
    Dimension("port_country", "port_code || '|' || country_of_origin", "port"),
)
BY_NAME = {d.name: d for d in (OVERALL, *DIMENSIONS)}

LINE_KEY_COLUMNS = (
    "importer_number, filer_code, manufacturer_id, hs_chapter, hs_heading, hs_subheading, country_of_origin, port_code"
)


def _parent_key(dim: Dimension) -> str:
    if dim.parent is None:
        return OVERALL.key
    return dim.parent_key or BY_NAME[dim.parent].key


def profile_feature_names() -> list[str]:
    names = []
    for dim in DIMENSIONS:
        names += [f"{dim.name}_rate", f"{dim.name}_revenue", f"{dim.name}_exams"]
    return names


def create_outcomes(con: duckdb.DuckDBPyConnection, table: str = "risk_outcomes") -> None:
    """One row per completed exam of a known line, with the line's profile keys (a temp table)."""
    line_keys = ", ".join("l." + c.strip() for c in LINE_KEY_COLUMNS.split(","))
    con.execute(query(__package__, "profiles_outcomes", outcomes_table=table, line_keys=line_keys)).fetchall()


def _create_cumulative(con: duckdb.DuckDBPyConnection, dim: Dimension, outcomes: str) -> str:
    """Daily cumulative outcome counts per key of `dim`: the state of the profile at the end of each day."""
    table = f"risk_cum_{dim.name}"
    daily = query(__package__, "profiles_cumulative", dimension_key=dim.key, outcomes_table=outcomes)
    fragments = {"running_table": table, "running_key": "cum_key", "running_day": "cum_day"}
    con.execute(query(__package__, "running_totals", daily_sums=daily, **fragments)).fetchall()
    return table


def _smoothed(n: str, total: str, parent: str) -> str:
    # Without outcomes and without a parent value the profile is unknown (NULL), which the model handles as missing.
    # The prior is the statement's parameter $prior_exams.
    return f"(coalesce({total}, 0) + $prior_exams * {parent}) / (coalesce({n}, 0) + $prior_exams)"


def create_line_profiles(
    con: duckdb.DuckDBPyConnection, lines: str, out: str = "risk_line_profiles", outcomes: str = "risk_outcomes"
) -> None:
    """Point-in-time profile features of `lines` (a relation with entry_number, line_number, filed_date and the
    line key columns) into the temp table `out`: per dimension `<dim>_rate`, `<dim>_revenue`, `<dim>_exams`."""
    joins, selects = [], []
    cum_tables = {d.name: _create_cumulative(con, d, outcomes) for d in (OVERALL, *DIMENSIONS)}
    # Every (dimension, key expression) pair gets one as-of join; a parent looked up by another key (the
    # manufacturer's country) gets its own.
    lookups: dict[tuple[str, str], str] = {}

    def lookup(name: str, key: str) -> str:
        if (name, key) not in lookups:
            alias = f"c{len(lookups)}"
            lookups[(name, key)] = alias
            # `>` makes it strictly before: outcomes completed on the filing day are not yet known.
            joins.append(
                f"asof left join {cum_tables[name]} as {alias} "
                f"on ({key}) = {alias}.cum_key and l.filed_date > {alias}.cum_day"
            )
        return lookups[(name, key)]

    base = lookup("overall", OVERALL.key)
    rate = {("overall", OVERALL.key): f"({base}.pos / nullif({base}.n, 0))"}
    revenue = {("overall", OVERALL.key): f"({base}.rev / nullif({base}.n, 0))"}

    def smoothed(dim: Dimension, key: str) -> tuple[str, str]:
        if (dim.name, key) in rate:
            return rate[(dim.name, key)], revenue[(dim.name, key)]
        alias = lookup(dim.name, key)
        parent = OVERALL if dim.parent is None else BY_NAME[dim.parent]
        parent_rate, parent_revenue = smoothed(parent, _parent_key(dim))
        rate[(dim.name, key)] = _smoothed(f"{alias}.n", f"{alias}.pos", parent_rate)
        revenue[(dim.name, key)] = _smoothed(f"{alias}.n", f"{alias}.rev", parent_revenue)
        return rate[(dim.name, key)], revenue[(dim.name, key)]

    for dim in DIMENSIONS:
        dim_rate, dim_revenue = smoothed(dim, dim.key)
        alias = lookups[(dim.name, dim.key)]
        selects += [
            f"{dim_rate} as {dim.name}_rate",
            f"{dim_revenue} as {dim.name}_revenue",
            f"coalesce({alias}.n, 0) as {dim.name}_exams",
        ]
    fragments = {
        "out_table": out,
        "lines": lines,
        "profile_columns": ", ".join(selects),
        "profile_joins": " ".join(joins),
    }
    con.execute(query(__package__, "profiles_line_profiles", **fragments), {"prior_exams": PRIOR_EXAMS}).fetchall()


def build_current_profiles(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)write risk.profiles: each dimension key's smoothed profile over every outcome completed so far."""
    create_outcomes(con)
    con.execute("create schema if not exists risk").fetchall()
    con.execute(query(__package__, "profiles_rows_table")).fetchall()
    overall = con.execute(
        "select count(*), coalesce(sum(material), 0), coalesce(sum(revenue), 0) from risk_outcomes"
    ).fetchall()[0]
    n0, pos0, rev0 = overall
    rate0 = pos0 / n0 if n0 else None
    revenue0 = rev0 / n0 if n0 else None
    con.execute(
        "insert into risk_profile_rows values ('overall', 'all', null, null, ?, ?, ?, ?, ?, ?)",
        [n0, pos0, rev0, rate0, rate0, revenue0],
    ).fetchall()
    for dim in DIMENSIONS:
        parent = dim.parent or "overall"
        fragments = {"dimension_key": dim.key, "parent_key": _parent_key(dim)}
        params = {"dimension": dim.name, "parent_dimension": parent, "prior_exams": PRIOR_EXAMS}
        params |= {"overall_rate": rate0, "overall_revenue": revenue0}
        con.execute(query(__package__, "profiles_dimension_rows", **fragments), params).fetchall()
    last = con.execute("select max(outcome_date) from risk_outcomes").fetchall()[0][0]
    params = {"outcomes_through": last, "prior_exams": PRIOR_EXAMS}
    con.execute(query(__package__, "profiles_publish"), params).fetchall()
    return con.execute("select count(*) from risk.profiles").fetchall()[0][0]
