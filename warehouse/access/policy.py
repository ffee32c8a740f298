"""The masking policy: every column tagged as personal or confidential in the dbt yml.

A column is tagged in its yml entry (models and sources alike) with

    config:
      meta:
        classification: personal      # or: confidential
        masking: hash                 # or: nullify (the default), redact
        mask_when: "dimension = 'importer'"   # optional: mask only the rows where this SQL condition holds

The policy is read from the yml files each time a copy is published, so tagging a new column in yml is all it takes
to mask it: no code changes. Models are matched to warehouse tables by name (dbt model names are unique); sources by
their schema and table name. Tags on views are documentation only: a view reads the masked tables of its copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DBT_MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
CLASSIFICATIONS = ("personal", "confidential")
MASKINGS = ("hash", "nullify", "redact")


class PolicyError(ValueError):
    """A tag in the dbt yml that the publisher cannot apply: named by file and column, so nothing is published
    with a column left clear by mistake."""


@dataclass(frozen=True)
class Tagged:
    table: str
    column: str
    classification: str
    masking: str
    mask_when: str | None
    schema: str | None  # a source's schema; None for a model (found by name in whatever schema dbt built it)
    defined_in: str

    def matches(self, schema: str, table: str) -> bool:
        return table == self.table and (self.schema is None or schema == self.schema)


def _meta(column: dict) -> dict:
    # dbt accepts column meta at the top level or under `config:`; the project writes it under `config:`.
    return {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}


def _tags(columns: list[dict], table: str, schema: str | None, where: str) -> list[Tagged]:
    found = []
    for column in columns or []:
        meta = _meta(column)
        if "classification" not in meta:
            continue
        name = column.get("name")
        label = f"{where}: column {table}.{name}"
        if not isinstance(name, str):  # a misspelt `name:` would leave the tagged column unmasked, unnoticed
            raise PolicyError(f"{label}: a classified column needs its name")
        classification, masking = meta["classification"], meta.get("masking", "nullify")
        if classification not in CLASSIFICATIONS:
            raise PolicyError(f"{label}: classification {classification!r} is not one of {', '.join(CLASSIFICATIONS)}")
        if masking not in MASKINGS:
            raise PolicyError(f"{label}: masking {masking!r} is not one of {', '.join(MASKINGS)}")
        when = meta.get("mask_when")
        if when is not None and not isinstance(when, str):
            raise PolicyError(f"{label}: mask_when must be an SQL condition in a string")
        found.append(Tagged(table, name, classification, masking, when, schema, where))
    return found


class Policy(list):
    """The tagged columns (the list), and every table the yml declares (`declared`: (schema or None, name)): a table
    no yml declares was never reviewed for personal data, and publishing says so."""

    def __init__(self, tagged=(), declared=()):
        super().__init__(tagged)
        self.declared = set(declared)


def load_policy(models_dir: Path = DBT_MODELS) -> Policy:
    """Every tagged column, and every declared table, in the yml files under `models_dir`."""
    if not models_dir.is_dir():
        raise PolicyError(f"no dbt models folder at {models_dir}: cannot tell which columns to mask")
    tagged: list[Tagged] = []
    declared: set[tuple[str | None, str]] = set()
    for path in sorted(models_dir.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        where = str(path.relative_to(models_dir.parent))
        for model in doc.get("models") or []:
            declared.add((None, model["name"]))
            tagged += _tags(model.get("columns"), model["name"], None, where)
        for source in doc.get("sources") or []:
            schema = source.get("schema") or source["name"]
            for table in source.get("tables") or []:
                declared.add((schema, table["name"]))
                tagged += _tags(table.get("columns"), table["name"], schema, where)
    return Policy(tagged, declared)


def is_declared(policy: Policy, schema: str, table: str) -> bool:
    return (schema, table) in policy.declared or (None, table) in policy.declared


def for_table(policy: list[Tagged], schema: str, table: str) -> dict[str, Tagged]:
    """The tagged columns of one warehouse table, by column name."""
    return {t.column: t for t in policy if t.matches(schema, table)}
