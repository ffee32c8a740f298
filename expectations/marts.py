"""One Great Expectations suite per published mart, derived from the mart's dbt `.yml` documentation.

The marts are a contract with analysts (`+contract: enforced`), and their `.yml` files say what holds: the column
set and types, the grain (`unique`, `unique_combination_of_columns`), `not_null`, `accepted_values` and invariants
(`expression_is_true`, with its `where`). The suite re-checks all of it inside the warehouse after every build,
adds that money, counts and hours are never negative, and keeps the yml's severity (`severity: warn` -> warning).
Relationships are left to dbt, which runs them in the same build. Reading the yml (not a hand-written list) keeps
the suites in step with the marts as they change.
"""

from __future__ import annotations

import re

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations.mart_docs import contract_type, mart_models

SCHEMA = "marts"
# Amounts that are never negative: money, counts, hours. Names that say difference or change may be negative.
NON_NEGATIVE = re.compile(r"(_usd|_count|_hours|^n_\w+|_lines|_entries)$")
# Durations between two events (`arrival_to_release_hours`) are negative when the events come out of order.
SIGNED = re.compile(r"(gap|diff|difference|change|delta|net|lift|variance|balance|_to_)")


def _test(entry) -> tuple[str, dict]:
    if isinstance(entry, str):
        return entry, {}
    name, body = next(iter(entry.items()))
    return name.split(".")[-1], body or {}


def _args(body: dict) -> dict:
    return body.get("arguments") or {k: v for k, v in body.items() if k != "config"}


def _severity(body: dict) -> str:
    return "warning" if str((body.get("config") or {}).get("severity", "error")).lower() == "warn" else "error"


def _meta(check: str, column: str | None, severity: str = "error") -> dict:
    return {"check": check, "column": column, "severity": severity}


def _escaped(sql: str) -> str:
    return sql.replace("{", "{{").replace("}", "}}")


def _sql(check: str, column: str | None, where: str, description: str, severity: str = "error"):
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=f"select * from {{batch}} where {_escaped(where)}",
        description=description,
        meta=_meta(check, column, severity),
    )


# How each engine names a value's type in SQL: the suite checks a column's type by comparing it with a null cast to
# the contract's (PostgreSQL's `pg_typeof` leaves out a decimal's precision and scale; dbt's contract checks those).
TYPE_OF = {"duckdb": "typeof", "postgres": "pg_typeof"}


def _column_expectations(model: str, column: dict, engine: str = "duckdb") -> list[gxe.Expectation]:
    name = column["name"]
    found: list[gxe.Expectation] = []
    declared = contract_type(str(column.get("data_type") or ""), engine)
    if declared:
        type_of = TYPE_OF[engine]
        found.append(
            _sql(
                f"{name}.type",
                name,
                f"{type_of}({name}) <> {type_of}(cast(null as {declared}))",
                f"{name} must be {declared}",
            )
        )
    for entry in column.get("data_tests", []) or []:
        test, body = _test(entry)
        severity = _severity(body)
        if test == "not_null":
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=name, meta=_meta(f"{name}.not_null", name, severity)))
        elif test == "unique":
            found.append(gxe.ExpectColumnValuesToBeUnique(column=name, meta=_meta(f"{name}.unique", name, severity)))
        elif test == "accepted_values":
            values = _args(body).get("values", [])
            found.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=name, value_set=values, meta=_meta(f"{name}.accepted_values", name, severity)
                )
            )
    numeric = declared.lower().startswith(("decimal", "bigint", "integer", "double", "numeric", "hugeint"))
    if numeric and NON_NEGATIVE.search(name) and not SIGNED.search(name):
        found.append(
            gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0, meta=_meta(f"{name}.non_negative", name))
        )
    return found


def _model_expectations(model: dict) -> list[gxe.Expectation]:
    found: list[gxe.Expectation] = []
    for index, entry in enumerate(model.get("data_tests", []) or [], start=1):
        test, body = _test(entry)
        args, severity = _args(body), _severity(body)
        if test == "unique_combination_of_columns":
            columns = list(args["combination_of_columns"])
            where = (body.get("config") or {}).get("where")
            check = body.get("name") or f"grain({', '.join(columns)}).unique"
            meta = _meta(check, columns[0], severity)
            if where:
                keys = ", ".join(columns)
                found.append(
                    gxe.UnexpectedRowsExpectation(
                        unexpected_rows_query=f"select {keys}, count(*) as rows from {{batch}} "
                        f"where {_escaped(where)} group by {keys} having count(*) > 1",
                        description=f"({keys}) must be unique where {where}",
                        meta=meta,
                    )
                )
            elif len(columns) == 1:
                found.append(gxe.ExpectColumnValuesToBeUnique(column=columns[0], meta=meta))
            else:
                found.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=columns, meta=meta))
        elif test == "expression_is_true":
            where = (body.get("config") or {}).get("where")
            if "{{" in args["expression"] or "{{" in str(where or ""):
                continue  # Jinja (dbt macros) only dbt can render; dbt runs this test in the same build.
            broken = f"not coalesce(({args['expression']}), false)"
            condition = f"({where}) and {broken}" if where else broken
            check = body.get("name") or f"{model['name']}_expression_{index}"
            found.append(_sql(check, None, condition, f"{args['expression']} must hold", severity))
    return found


def mart_suite(model_name: str, models: dict[str, dict] | None = None, engine: str = "duckdb") -> gx.ExpectationSuite:
    """The suite of one published mart (`marts.<model>`, the whole table), in the SQL of `engine` (duckdb, or
    postgres when the marts are built there)."""
    model = (models or mart_models())[model_name]
    columns = model.get("columns", [])
    found: list[gxe.Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=[c["name"] for c in columns], exact_match=True, meta=_meta("columns", None)
        )
    ]
    for column in columns:
        found += _column_expectations(model_name, column, engine)
    found += _model_expectations(model)
    return gx.ExpectationSuite(name=f"{SCHEMA}.{model_name}", expectations=found, meta={"mart": model_name})
