"""The line risk model on the generated warehouse: point-in-time profiles, the time-split evaluation against the
rules and random selection (CLI and metrics table), and the Dagster assets."""

import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from generated_warehouse import copy_warehouse

from orchestration.defs.risk.line_model import (
    risk_line_scores,
    risk_model_evaluation,
    risk_model_runs,
    risk_profiles,
)
from orchestration.resources import WarehouseResource
from tradewh.cli import main as tradewh
from warehouse.access.publish import publish_copies
from warehouse.db import connect
from warehouse.risk.evaluation import K_PCTS, at_k, auc, evaluate
from warehouse.risk.features import FEATURES, build_features
from warehouse.risk.line_model import held_out_lines, load_examined, train_scheduled, training_lines
from warehouse.risk.rule_baseline import criteria_rows, parse_criteria

CUTOFF = date(2025, 11, 3)  # about 30% of the generated warehouse's examined lines are filed after it


# --- metrics and rule criteria (no warehouse) ---


def test_top_k_takes_boundary_ties_pro_rata():
    score = np.array([3.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    label = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    revenue = np.array([10.0, 30.0, 0.0, 60.0, 0, 0, 0, 0, 0, 0])
    # top 20% = 2 lines: the 3.0 line, then half of each 2.0 line (1 material of 2) -> 1.5 material lines.
    precision, recall, revenue_share = at_k(score, label, revenue, 20)
    assert precision == pytest.approx(1.5 / 2)
    assert recall == pytest.approx(1.5 / 3)
    assert revenue_share == pytest.approx((10 + 15) / 100)
    # A constant score is random selection's expectation: precision = base rate, recall = revenue = k%.
    for k in K_PCTS:
        assert at_k(np.zeros(10), label, revenue, k) == pytest.approx((0.3, k / 100, k / 100))


def test_auc_counts_ties_as_half():
    label = np.array([1, 0, 1, 0])
    assert auc(np.array([0.9, 0.1, 0.8, 0.2]), label) == 1.0
    assert auc(np.array([0.1, 0.9, 0.2, 0.8]), label) == 0.0
    assert auc(np.zeros(4), label) == 0.5
    # pairs (positive, negative): (.9,.5) 1, (.9,.1) 1, (.5,.5) half, (.5,.1) 1 -> 3.5 / 4
    assert auc(np.array([0.9, 0.5, 0.5, 0.1]), label) == pytest.approx(0.875)


def test_rule_criteria_from_description():
    assert parse_criteria("ipr lines in chapters 42, 71, 95 from CN") == (["42", "71", "95"], "CN", False)
    assert parse_criteria("ipr lines in chapters 42, 71, 95 or from CN") == (["42", "71", "95"], "CN", True)
    assert parse_criteria("textiles lines in chapters 50, 51, 59") == (["50", "51", "59"], None, False)
    assert parse_criteria("anything the officer finds suspicious") == ([], None, False)
    # Both chapters and origin, or either: one row per way to match (null = any).
    assert criteria_rows("R1", "ipr lines in chapters 42, 71 from CN") == [("R1", "42", "CN"), ("R1", "71", "CN")]
    assert criteria_rows("R2", "ipr lines in chapters 42, 71 or from CN") == [
        ("R2", "42", None), ("R2", "71", None), ("R2", None, "CN"),
    ]  # fmt: skip


# --- point in time ---


def _features_of(con, lines: pd.DataFrame) -> pd.DataFrame:
    con.register("pit_targets", lines)
    try:
        frame = build_features(con, "pit_targets")
    finally:
        con.unregister("pit_targets")
    return frame.set_index(["entry_number", "line_number"]).sort_index()


def test_profiles_are_point_in_time(generated_warehouse, tmp_path):
    """A line's features do not change when the exams completed on or after its filing day (and lines filed more
    than two weeks later) are removed, i.e. when the later outcomes are added; lines filed after them do change."""
    day = date(2025, 10, 15)
    copy = copy_warehouse(generated_warehouse, tmp_path)
    with connect(copy) as con:
        before = con.execute(
            """
            select entry_number, line_number, filed_date from marts.fct_entry_lines
            where filed_date between ? and ? and hash(entry_number) % 4 = 0
            """,
            [day - timedelta(days=14), day],
        ).df()
        after = con.execute(
            "select entry_number, line_number from marts.fct_entry_lines where filed_date between ? and ?",
            [day + timedelta(days=7), day + timedelta(days=14)],
        ).df()
        lines = pd.concat([before[["entry_number", "line_number"]], after], ignore_index=True)
        full = _features_of(con, lines)
        removed_exams = con.execute(
            """
            delete from marts.fct_exams as x
            where x.completed_at is null or cast(x.completed_at as date) >= ?
               or exists (select 1 from marts.fct_entry_lines as l
                          where l.entry_number = x.entry_number and l.line_number = x.line_number
                            and l.filed_date > ?)
            """,
            [day, day + timedelta(days=14)],
        ).fetchall()[0][0]
        con.execute("delete from marts.fct_entry_lines where filed_date > ?", [day + timedelta(days=14)]).fetchall()
        truncated = _features_of(con, lines)
    assert removed_exams > 5000
    assert len(before) > 2000 and len(after) > 2000
    keys_before = pd.MultiIndex.from_frame(before[["entry_number", "line_number"]])
    pd.testing.assert_frame_equal(full.loc[keys_before].sort_index(), truncated.loc[keys_before].sort_index())
    # The check can fail: lines filed after the removed outcomes see different profiles.
    keys_after = pd.MultiIndex.from_frame(after)
    changed = (full.loc[keys_after, FEATURES] != truncated.loc[keys_after, FEATURES]).any(axis=1)
    assert changed.mean() > 0.5
    # New keys fall back to their parent, not to zero.
    new_subheading = full[full["hs_subheading_exams"] == 0]
    assert len(new_subheading) > 100
    assert np.allclose(new_subheading["hs_subheading_rate"], new_subheading["hs_heading_rate"])
    new_crossing = full[full["importer_chapter_exams"] == 0]
    assert np.allclose(new_crossing["importer_chapter_rate"], new_crossing["importer_rate"])
    assert (full["importer_rate"] > 0).all()


# --- evaluation on a time split ---


def test_evaluate_cli_model_beats_rules_and_random(generated_warehouse, tmp_path, capsys):
    """`tradewh risk evaluate` reads the published (masked) copy and writes nothing; the pipeline's call, on the
    warehouse, records the same split in risk.model_evaluation and risk.model_runs."""
    copy = copy_warehouse(generated_warehouse, tmp_path)
    publish_copies(copy)
    out = tmp_path / "evaluation.json"
    assert tradewh(["risk", "evaluate", "--warehouse", str(copy), "--cutoff", str(CUTOFF), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + printed)
    assert "model" in printed and "rules" in printed and "random" in printed

    metrics = json.loads(out.read_text())
    assert set(metrics) == {"model", "rules", "random"}
    for selector in metrics.values():
        for k in K_PCTS:
            assert {f"precision_at_{k}", f"recall_at_{k}", f"revenue_at_{k}"} <= set(selector)
        assert "auc" in selector
    model, rules, random = metrics["model"], metrics["rules"], metrics["random"]
    # Random selection is the analytic expectation.
    assert random["precision_at_5"] == pytest.approx(random["n_test_positive"] / random["n_test_lines"])
    assert random["recall_at_5"] == pytest.approx(0.05) and random["revenue_at_5"] == pytest.approx(0.05)
    assert random["auc"] == 0.5
    # A clear margin at 5% of the lines, on precision and on revenue.
    assert model["precision_at_5"] >= 3 * max(rules["precision_at_5"], random["precision_at_5"])
    assert model["revenue_at_5"] >= 2 * max(rules["revenue_at_5"], random["revenue_at_5"])
    assert model["auc"] > 0.75 > rules["auc"]

    with connect(copy) as con:
        assert not con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'risk' and table_name = 'model_evaluation'"
        ).fetchall()[0][0], "the command wrote to the warehouse"
        recorded = evaluate(con, copy, CUTOFF)  # as the pipeline's asset does
        # Masked importer numbers join as the clear ones do: the same split, line for line.
        for name in ("n_test_lines", "n_test_positive"):
            assert recorded.metrics["model"][name] == model[name]
        metrics = recorded.metrics
        model = metrics["model"]
        table = con.execute(
            "select selector, k_pct, precision, recall, revenue_share, auc, model_id from risk.model_evaluation "
            "where cutoff = ?",
            [CUTOFF],
        ).df()
        run = con.execute(
            "select m.train_to, m.cutoff, m.n_train, m.model_path from risk.model_runs as m "
            "where m.model_id = ? and m.purpose = 'evaluation'",
            [table["model_id"].iloc[0]],
        ).fetchall()[0]
        examined = load_examined(con)
    assert len(table) == 3 * len(K_PCTS)
    for row in table.itertuples():
        assert row.precision == pytest.approx(metrics[row.selector][f"precision_at_{row.k_pct}"])
        assert row.revenue_share == pytest.approx(metrics[row.selector][f"revenue_at_{row.k_pct}"])
    # The model never trained on its test window: every training line was filed and its exam completed before
    # the cutoff, and no test line is a training line.
    train_to, cutoff, n_train, model_path = run
    assert train_to < cutoff == CUTOFF and Path(model_path).exists()
    train, test = training_lines(examined, CUTOFF), held_out_lines(examined, CUTOFF)
    assert len(train) == n_train and len(test) == model["n_test_lines"]
    assert pd.to_datetime(train["filed_date"]).max() < pd.Timestamp(CUTOFF) <= pd.to_datetime(test["filed_date"]).min()
    known = examined.exams.merge(train[["entry_number", "line_number"]], on=["entry_number", "line_number"])
    assert (pd.to_datetime(known["completed_date"].dropna()) < pd.Timestamp(CUTOFF)).any()
    assert not set(zip(train.entry_number, train.line_number, strict=True)) & set(
        zip(test.entry_number, test.line_number, strict=True)
    )


def test_evaluate_cli_refuses_a_cutoff_with_no_history(generated_warehouse, tmp_path, capsys):
    copy = copy_warehouse(generated_warehouse, tmp_path)
    publish_copies(copy)
    assert tradewh(["risk", "evaluate", "--warehouse", str(copy), "--cutoff", "2025-07-02"]) == 1
    assert "too few to train" in capsys.readouterr().err


# --- Dagster ---


def test_assets_materialise(generated_warehouse, tmp_path):
    copy = copy_warehouse(generated_warehouse, tmp_path)
    result = dg.materialize(
        [risk_profiles, risk_model_runs, risk_line_scores, risk_model_evaluation],
        resources={"warehouse": WarehouseResource(path=str(copy))},
        run_config={
            "ops": {
                "risk__model_runs": {"config": {"history_weeks": 1}},
                "risk__model_evaluation": {"config": {"cutoff": "2025-12-01"}},
            }
        },
    )
    assert result.success
    with connect(copy, read_only=True) as con:
        runs = con.execute(
            "select model_id, cutoff, train_to, n_train, model_path from risk.model_runs where purpose = 'scoring' "
            "order by cutoff"
        ).df()
        scores = con.execute(
            "select s.*, m.cutoff from risk.line_scores as s join risk.model_runs as m using (model_id)"
        ).df()
        unscored = con.execute(
            "select count(*) from marts.fct_entry_lines where filed_date >= ? and (entry_number, line_number) not in "
            "(select (entry_number, line_number) from risk.line_scores)",
            [runs["cutoff"].min()],
        ).fetchall()[0][0]
        profiles = con.execute("select dimension, count(*) as keys from risk.profiles group by 1").df()
        evaluation = con.execute("select distinct cutoff, selector from risk.model_evaluation").df()
    # Retraining on unchanged data keeps the recorded models (same ids, no new runs).
    with connect(copy) as con:
        again = train_scheduled(con, copy, history_weeks=1)
        n_runs = con.execute("select count(*) from risk.model_runs where purpose = 'scoring'").fetchall()[0][0]
    assert again == list(runs["model_id"]) and n_runs == 2
    # Two weekly models (the Monday after the last filing day and the one before), each with its file.
    assert len(runs) == 2 and (pd.to_datetime(runs["cutoff"]).dt.day_of_week == 0).all()
    assert (runs["train_to"] < runs["cutoff"]).all() and all(Path(p).exists() for p in runs["model_path"])
    # Every line filed since the oldest cutoff is scored, by the latest model trained before its filing day.
    assert len(scores) > 1000 and unscored == 0
    assert (pd.to_datetime(scores["filed_date"]) >= pd.to_datetime(scores["cutoff"])).all()
    assert scores["p_material"].between(0, 1).all() and (scores["expected_revenue_usd"] >= 0).all()
    assert scores["top_reasons"].str.count(";").eq(2).all()
    assert set(profiles["dimension"]) >= {"importer", "filer", "manufacturer", "hs_subheading", "port_country"}
    assert set(evaluation["selector"]) == {"model", "rules", "random"}


def test_line_scores_score_only_new_and_corrected_lines_in_bounded_chunks(generated_warehouse, tmp_path):
    """Scored in chunks of 500 lines, the table is what one pass gives; a second call scores nothing; a corrected
    line (loaded again) and a line whose score went missing are scored again, and nothing else."""
    from warehouse.risk.line_model import score_lines

    copy = copy_warehouse(generated_warehouse, tmp_path)
    columns = "entry_number, line_number, model_id, p_material, expected_revenue_usd, top_reasons"
    with connect(copy) as con:
        ids = train_scheduled(con, copy, history_weeks=1)
        whole = score_lines(con, ids, chunk_lines=10**9)
        one_pass = con.execute(f"select {columns} from risk.line_scores order by all").df()
        con.execute("delete from risk.line_scores")
        assert score_lines(con, ids, chunk_lines=500) == whole > 1000
        chunked = con.execute(f"select {columns} from risk.line_scores order by all").df()
        assert score_lines(con, ids) == 0
        corrected = con.execute(
            "select entry_number, line_number from risk.line_scores order by all limit 1"
        ).fetchall()[0]
        con.execute(
            "update marts.fct_entry_lines set loaded_at = now() + interval 1 hour "
            "where entry_number = ? and line_number = ?",
            list(corrected),
        )
        con.execute(
            "delete from risk.line_scores where (entry_number, line_number) in "
            "(select (entry_number, line_number) from risk.line_scores order by all desc limit 2)"
        )
        assert score_lines(con, ids) == 3
        assert con.execute("select count(*) from risk.line_scores").fetchall()[0][0] == whole
    pd.testing.assert_frame_equal(chunked, one_pass)


def test_a_daily_load_trains_a_cutoff_only_when_it_appears_and_when_its_week_comes(
    generated_warehouse, tmp_path, monkeypatch
):
    """Without `retrain` (a daily load), settled cutoffs keep their runs and no examined line is read; lines filed on
    the coming Monday unsettle its provisional model (trained again) and bring the next Monday's cutoff; the weekly
    retraining reads everything again. The evaluation of a recorded cutoff is kept by a daily load."""
    from warehouse.risk import line_model

    copy = copy_warehouse(generated_warehouse, tmp_path)
    reads = []
    real_load = line_model.load_examined
    monkeypatch.setattr(line_model, "load_examined", lambda con: reads.append(1) or real_load(con))
    with connect(copy) as con:
        first = train_scheduled(con, copy, history_weeks=1, retrain=False)
        assert len(reads) == 1 and len(first) == 2
        coming = con.execute("select max(cutoff) from risk.model_runs").fetchall()[0][0]
        assert train_scheduled(con, copy, history_weeks=1, retrain=False) == first and len(reads) == 1
        # A line filed on the coming Monday arrives: that cutoff's week has come.
        con.execute(
            "insert into marts.fct_entry_lines select * replace ('X-NEW' as entry_number, ?::date as filed_date, "
            "now() as loaded_at) from marts.fct_entry_lines limit 1",
            [coming],
        )
        second = train_scheduled(con, copy, history_weeks=1, retrain=False)
        assert len(reads) == 2 and second[0] == first[1]
        assert con.execute("select max(cutoff) from risk.model_runs").fetchall()[0][0] == coming + timedelta(days=7)
        assert train_scheduled(con, copy, history_weeks=1, retrain=False) == second and len(reads) == 2
        assert train_scheduled(con, copy, history_weeks=1, retrain=True) == second and len(reads) == 3

    def evaluate_once(reevaluate: bool) -> dict:
        result = dg.materialize(
            [risk_model_evaluation],
            resources={"warehouse": WarehouseResource(path=str(copy))},
            run_config={"ops": {"risk__model_evaluation": {"config": {"reevaluate": reevaluate}}}},
        )
        return result.asset_materializations_for_node("risk__model_evaluation")[0].metadata

    assert "auc_model" in evaluate_once(False)
    kept = evaluate_once(False)
    assert kept["kept"].value is True and "auc_model" not in kept
    assert "auc_model" in evaluate_once(True)
