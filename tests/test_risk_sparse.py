"""Risk assets on empty and sparse warehouses: every asset writes its table with its full schema and succeeds.

Library level on copies of a real one-day warehouse (generator, loader, dbt) with marts rows removed to make each
case: no importer registry, a registry without successors, no exams, no random-sample exams, every exam by
officers, one class of outcomes; Splink's and LightGBM's refusals on hand-made inputs; and real Dagster
materialisations of every asset of group `risk` on an empty warehouse (dbt built over no deliveries) and on the
one-day warehouse.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from generated_warehouse import build_generated_warehouse

from orchestration.definitions import defs
from orchestration.resources import WarehouseResource
from warehouse.db import connect
from warehouse.loading import ensure_schema
from warehouse.reference import load_reference
from warehouse.risk import entities, evaluation, line_model, port_shopping, profiles, successors
from warehouse.risk.account_risk import build_account_scores
from warehouse.risk.rule_efficiency import build_rule_efficiency, build_rules_to_purge

# The failing delivery of the bug report: one day at a tiny scale (489 importers, 478 lines, 66 exams).
ONE_DAY = {"start": date(2025, 10, 1), "days": 1, "scale": 0.002, "seed": 3}
RISK_TABLES = {
    "profiles", "model_runs", "line_scores", "model_evaluation", "importer_entities", "entities", "successor_flags",
    "port_shopping_alerts", "account_scores", "entity_scores", "rule_efficiency", "rules_to_purge",
}  # fmt: skip


# --- hand-made inputs (no warehouse) -----------------------------------------------------------------------------


def record(number: str, version: int, phone: str, officer: str, street: str, name: str = "ACME TRADING") -> dict:
    """One linking record as entities.registry_records makes it."""
    return {
        "record_id": f"{number}@{version}",
        "importer_number": number,
        "valid_from": date(2025, 7, version),
        "legal_name": name,
        "name_core": name.removesuffix(" LLC"),
        "name_compact": name.replace(" ", ""),
        "street": street,
        "postal_code": "10001",
        "phone": phone,
        "officer_name": officer,
        "bond_number": f"B{number}",
        "prior_importer_number": None,
        "manufacturers": [],
    }


def test_splink_is_not_trained_when_no_pair_can_estimate_the_prior():
    # A first delivery: one version per number, nobody shares phone, officer and street.
    first_delivery = pd.DataFrame([record("A", 1, "1", "O1", "S1"), record("B", 1, "2", "O1", "S2", "BETA")])
    assert "cannot estimate how often two records match" in entities.training_obstacle(first_delivery)
    # Every pair agrees on the prior's rule: no non-matches, a prior of 1.
    twins = pd.DataFrame([record("A", 1, "1", "O1", "S1"), record("B", 1, "1", "O1", "S1", "BETA")])
    assert "no non-matches" in entities.training_obstacle(twins)
    assert "nothing to link" in entities.training_obstacle(pd.DataFrame([record("A", 1, "1", "O1", "S1")]))
    # Versions of one number among other numbers: Splink may try (whether EM converges is seen by training).
    versions = [record("A", 1, "1", "O1", "S1"), record("A", 2, "1", "O1", "S1", "ACME TRADING LLC")]
    versions += [record(f"N{i}", 1, f"9{i}", f"O{i}", f"S{i}", f"OTHER {i}") for i in range(2, 6)]
    assert entities.training_obstacle(pd.DataFrame(versions)) is None


# Versions of A and of B, and C sharing A's phone: the prior can be estimated, yet EM fails on so few pairs.
DEGENERATE = [
    record("A", 1, "1", "O1", "S1"),
    record("A", 2, "1", "O1", "S1"),
    record("B", 3, "2", "O1", "S2", "BETA"),
    record("B", 4, "2", "O2", "S3", "BETA"),
    record("C", 5, "1", "O3", "S4", "GAMMA"),
]


def test_a_failing_em_session_is_reported_as_impossible_training():
    """Passes the pre-check, but EM drives an m probability to 0, which Splink refuses: the failure is caught as
    TrainingImpossible (resolve then falls back to one entity per number)."""
    degenerate = pd.DataFrame(DEGENERATE)
    assert entities.training_obstacle(degenerate) is None
    with pytest.raises(entities.TrainingImpossible, match="Splink could not train"):
        entities.score_pairs(degenerate)


def test_clustering_an_empty_registry_gives_an_empty_table():
    empty = pd.DataFrame([record("A", 1, "1", "O1", "S1")]).iloc[0:0]
    members = entities.cluster(empty, pd.DataFrame(columns=entities.PAIR_COLUMNS))
    assert list(members.columns) == ["importer_number", "entity_id", "match_probability", "importer_numbers"]
    assert members.empty


def test_line_model_refuses_too_few_positives_and_one_class():
    def lines(positives: int, negatives: int) -> pd.DataFrame:
        return pd.DataFrame({"material": [1] * positives + [0] * negatives})

    cutoff = date(2025, 10, 6)
    assert "only 5 material lines among 105" in line_model.training_obstacle(lines(5, 100), cutoff)
    assert "only 0 of the 30 examined lines" in line_model.training_obstacle(lines(30, 0), cutoff)
    assert line_model.training_obstacle(lines(20, 20), cutoff) is None


def test_old_model_runs_tables_gain_a_status(tmp_path):
    """A warehouse written before runs had a status keeps its runs, all of which trained a model."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        con.execute("create schema risk")
        con.execute(
            """
            create table risk.model_runs (
                model_id varchar primary key, purpose varchar, trained_at timestamp with time zone, train_from date,
                train_to date, cutoff date, n_train bigint, n_positive bigint, params varchar, features varchar[],
                model_path varchar, revenue_model_path varchar)
            """
        )
        con.execute(
            "insert into risk.model_runs (model_id, purpose, cutoff, n_train, n_positive) "
            "values ('line-20251006-abc', 'scoring', date '2025-10-06', 100, 25)"
        )
        line_model.ensure_tables(con)
        line_model.save_skipped(con, pd.DataFrame({"filed_date": [], "material": []}), date(2025, 10, 13), "why")
        rows = con.execute("select model_id, status, note from risk.model_runs order by cutoff").fetchall()
    finally:
        con.close()
    assert rows == [("line-20251006-abc", "trained", None), ("line-20251013-skipped", "skipped", "why")]


# --- real warehouses --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_day(tmp_path_factory, dbt) -> Path:
    """The bug report's delivery, generated, loaded and built with dbt (read-only: copy it)."""
    return build_generated_warehouse(tmp_path_factory.mktemp("one_day"), **ONE_DAY, dbt=dbt).warehouse


@pytest.fixture(scope="module")
def empty(tmp_path_factory, dbt) -> Path:
    """A warehouse built by dbt over no delivery at all: every mart exists and holds no row."""
    root = tmp_path_factory.mktemp("empty")
    warehouse = root / "warehouse.duckdb"
    con = connect(warehouse)
    try:
        ensure_schema(con)
        load_reference(con)
    finally:
        con.close()
    assert dbt(warehouse, "build").failures == []
    return warehouse


def copy(warehouse: Path, tmp_path: Path) -> Path:
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, target)
    return target


def build_every_risk_table(con, warehouse_file: Path) -> entities.Resolution:
    """What the risk assets do, in their order, through the library; returns the resolution."""
    profiles.build_current_profiles(con)
    ids = line_model.train_scheduled(con, warehouse_file, history_weeks=4)
    line_model.score_lines(con, ids)
    try:
        evaluation.evaluate(con, warehouse_file, evaluation.default_cutoff(con))
    except ValueError:
        evaluation.ensure_evaluation_table(con)  # as the asset does: too little history, nothing to report yet
    resolution = entities.resolve(con)
    entities.write(con, resolution)
    successors.build(con)
    port_shopping.build(con)
    build_account_scores(con)
    build_rule_efficiency(con)
    build_rules_to_purge(con)
    return resolution


def risk_schema(con) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'risk' "
        "order by table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return out


@pytest.fixture(scope="module")
def reference_schema(one_day, tmp_path_factory) -> dict[str, list[tuple[str, str]]]:
    """The risk tables' columns and types on the one-day warehouse, every table built."""
    path = copy(one_day, tmp_path_factory.mktemp("reference"))
    with connect(path) as con:
        build_every_risk_table(con, path)
        schema = risk_schema(con)
    assert set(schema) == RISK_TABLES
    assert not [(t, c) for t, cols in schema.items() for c, kind in cols if kind == '"NULL"']
    return schema


# Each case removes or changes marts rows of a copy of the one-day warehouse.
SPARSE_CASES = {
    "no_importer_registry": ["delete from marts.dim_importers"],
    "no_exams": ["delete from marts.fct_exams"],
    "no_random_sample_exams": ["delete from marts.fct_exams where is_cm_sample or selection_reason = 'cm_random'"],
    "every_exam_by_officers": [
        "update marts.fct_exams set selection_reason = 'officer', rule_id = null, is_cm_sample = false, "
        "cm_weight = null"
    ],
    "no_entry_lines": ["delete from marts.fct_entry_lines", "delete from marts.fct_entries"],
}


@pytest.mark.parametrize("case", sorted(SPARSE_CASES))
def test_every_risk_table_is_written_with_its_full_schema(case, one_day, reference_schema, tmp_path):
    path = copy(one_day, tmp_path)
    with connect(path) as con:
        for sql in SPARSE_CASES[case]:
            con.execute(sql)
        resolution = build_every_risk_table(con, path)
        assert risk_schema(con) == reference_schema
        registry = con.execute("select count(distinct importer_number) from marts.dim_importers").fetchone()[0]
        members = con.execute("select count(*), count(distinct entity_id) from risk.importer_entities").fetchone()
        runs = con.execute("select status, note from risk.model_runs where purpose = 'scoring'").fetchall()
        scored = con.execute("select count(*) from risk.line_scores").fetchone()[0]
    # One entity per registered number (none to link on one day), and no model: every cutoff says why.
    assert members == (registry, registry)
    assert resolution.note is not None and resolution.pairs_scored == 0
    if case != "no_entry_lines":
        assert runs and all(status == "skipped" and "needed" in note for status, note in runs)
    assert scored == 0


def test_the_one_day_registry_resolves_to_one_entity_per_number_without_splink(one_day, tmp_path, caplog):
    path = copy(one_day, tmp_path)
    with connect(path) as con, caplog.at_level(logging.INFO, logger=entities.__name__):
        resolution = entities.resolve(con)
        registry = con.execute("select count(distinct importer_number) from marts.dim_importers").fetchone()[0]
    members = resolution.importer_entities
    assert registry > 100 and len(members) == registry
    assert (members.importer_numbers == 1).all() and members.match_probability.isna().all()
    assert (members.entity_id == "EN-" + members.importer_number).all()
    assert resolution.model == {} and "share phone, officer_name, street" in resolution.note
    assert "one entity per importer number" in caplog.text


def add_versions(con, changes: list[str]) -> list[str]:
    """Give the first importers (by number) a second registry version a week later, one per `changes` item (a select
    list replacing columns, e.g. "'O2' as officer_name")."""
    numbers = [r[0] for r in con.execute("select importer_number from marts.dim_importers order by 1").fetchall()]
    for number, change in zip(numbers, changes, strict=False):
        con.execute(
            f"""
            insert into marts.dim_importers
            select * replace (importer_number || '@' || cast(valid_from + 7 as varchar) as importer_version_key,
                              valid_from + 7 as valid_from, {change})
            from marts.dim_importers where importer_number = ?
            """,
            [number],
        )
    return numbers[: len(changes)]


def test_a_registry_without_successors_trains_splink_and_links_nothing(one_day, tmp_path):
    """Registry changes give Splink versions of one number to learn from; with no successor, no two numbers join."""
    path = copy(one_day, tmp_path)
    with connect(path) as con:
        # Name changes and moves keep phone and officer; the renamed agree with their first version on the prior's
        # rule. Officers of different numbers share common names by chance (about 300 pairs on this day).
        changed = add_versions(con, ["legal_name || ' LLC' as legal_name"] * 4 + ["'1 NEW ST' as street"] * 4)
        resolution = entities.resolve(con)
    members = resolution.importer_entities
    assert resolution.note is None and resolution.model and resolution.pairs_scored >= len(changed)
    assert (members.importer_numbers == 1).all() and members.entity_id.is_unique


def test_a_registry_splink_cannot_train_on_falls_back(one_day, tmp_path, caplog):
    """The hand-made EM failure (DEGENERATE) as the only registry left, through resolve(), which logs why and keeps
    one entity per number."""
    path = copy(one_day, tmp_path)
    with connect(path) as con:
        keep = [
            r[0] for r in con.execute("select importer_number from marts.dim_importers order by 1 limit 3").fetchall()
        ]
        con.execute("delete from marts.dim_importers where not list_contains(?, importer_number)", [keep])
        for number, (phone, officer, street) in zip(
            keep, [("1", "O1", "S1"), ("2", "O1", "S2"), ("1", "O3", "S4")], strict=True
        ):
            con.execute(
                "update marts.dim_importers set phone = ?, officer_name = ?, street = ? where importer_number = ?",
                [phone, officer, street, number],
            )
        add_versions(con, ["legal_name as legal_name", "'O2' as officer_name, 'S3' as street"])
        with caplog.at_level(logging.INFO, logger=entities.__name__):
            resolution = entities.resolve(con)
    assert "Splink could not train" in resolution.note and "Splink could not train" in caplog.text
    assert sorted(resolution.importer_entities.entity_id) == sorted(f"EN-{n}" for n in keep)


def test_one_class_of_outcomes_is_recorded_as_a_skipped_run(one_day, tmp_path):
    """Every exam material (one class): the cutoffs with enough material lines still get no model, and say why."""
    path = copy(one_day, tmp_path)
    with connect(path) as con:
        con.execute("update marts.fct_exams set is_material = true, completed_at = coalesce(completed_at, started_at)")
        ids = line_model.train_scheduled(con, path, history_weeks=0)
        runs = con.execute("select model_id, status, n_train, n_positive, note from risk.model_runs").fetchall()
    assert ids == []
    [(model_id, status, n_train, n_positive, note)] = runs
    assert model_id.endswith("-skipped") and status == "skipped"
    assert n_train == n_positive >= line_model.MIN_POSITIVES
    assert f"only 0 of the {n_train} examined lines" in note
    assert not (path.parent / "models").exists()


# --- Dagster -----------------------------------------------------------------------------------------------------


def risk_assets() -> list[dg.AssetsDefinition]:
    """Every asset of group `risk` in the project's definitions (new ones included)."""
    found = [
        a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and set(a.group_names_by_key.values()) == {"risk"}
    ]
    assert {key.path[-1] for a in found for key in a.keys} == RISK_TABLES
    return found


@pytest.mark.parametrize("warehouse", ["empty", "one_day"])
def test_every_risk_asset_materialises(warehouse, request, reference_schema, tmp_path):
    path = copy(request.getfixturevalue(warehouse), tmp_path)
    assets = risk_assets()
    result = dg.materialize(assets, resources={"warehouse": WarehouseResource(path=str(path))})
    assert result.success
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialised == {key for a in assets for key in a.keys}
    with connect(path, read_only=True) as con:
        assert risk_schema(con) == reference_schema
        lines = con.execute("select count(*) from marts.fct_entry_lines").fetchone()[0]
        skipped = con.execute("select count(*) from risk.model_runs where status = 'skipped'").fetchone()[0]
    # No line, no cutoff; one day of lines: each of the 5 scheduled cutoffs (4 weeks of history) skipped, and why.
    assert (lines == 0, skipped) == ((True, 0) if warehouse == "empty" else (False, 5))
