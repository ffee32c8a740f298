"""Account and entity risk scores on the generated warehouse, against the generator's truth."""

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from generated_warehouse import copy_warehouse
from scipy.stats import mannwhitneyu, spearmanr

from orchestration.defs.risk.accounts import account_scores
from orchestration.resources import WarehouseResource
from warehouse.db import connect
from warehouse.risk import entities
from warehouse.risk.account_risk import REASON_SEPARATOR, build_account_scores, event_points, score_accounts

# A neutral stand-in for the line model's risk.line_scores (same layout): real lines of the last two months, with a
# P(material) that depends only on a hash of the line, so it cannot leak the truth into the ranking measured below.
NEUTRAL_LINE_SCORES = """
create or replace table risk.line_scores as
select entry_number, line_number, importer_number, filed_date, 'neutral' as model_id,
    0.02 * (0.5 + (hash(entry_number || line_number::varchar) % 1000) / 1000.0) as p_material,
    10.0 as expected_revenue_usd, 'none' as top_reasons
from marts.fct_entry_lines where filed_date >= date '2025-11-01'
"""


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half), from the Mann-Whitney U statistic."""
    return mannwhitneyu(scores[labels], scores[~labels]).statistic / (labels.sum() * (~labels).sum())


@pytest.fixture(scope="module")
def scored(generated_warehouse, tmp_path_factory):
    """A copy with real entity resolution (Splink), neutral line scores and the account assets materialised."""
    path = copy_warehouse(generated_warehouse, tmp_path_factory.mktemp("accounts"))
    con = connect(path)
    try:
        entities.write(con, entities.resolve(con))
        con.execute(NEUTRAL_LINE_SCORES)
    finally:
        con.close()
    result = dg.materialize([account_scores], resources={"warehouse": WarehouseResource(path=str(path))})
    assert result.success
    con = connect(path, read_only=True)
    try:
        frames = {
            name: con.execute(query).df()
            for name, query in {
                "accounts": "select * from risk.account_scores",
                "entities": "select * from risk.entity_scores",
                "links": "select importer_number, entity_id from risk.importer_entities",
                "registry": "select importer_number from marts.mart_importer_accounts "
                "where account_period = 'all_time'",
                "exams": """select l.importer_number, count(*) as n, count(*) filter (where e.is_material) as k
                            from marts.fct_exams e join marts.fct_entry_lines l using (entry_number, line_number)
                            group by all""",
                "penalties": "select importer_number, count(*) as n from marts.fct_penalties group by all",
            }.items()
        }
    finally:
        con.close()
    frames["truth"] = pd.read_parquet(generated_warehouse.truth / "importer_entities.parquet")
    frames["successors"] = pd.read_parquet(generated_warehouse.truth / "successors.parquet")
    return frames


def test_one_row_per_importer_and_entity(scored):
    accounts, ents = scored["accounts"], scored["entities"]
    assert accounts["importer_number"].is_unique and ents["entity_id"].is_unique
    assert set(accounts["importer_number"]) == set(scored["registry"]["importer_number"])
    assert accounts["score"].between(0, 100).all() and ents["score"].between(0, 100).all()
    assert set(accounts["band"]) <= {"low", "medium", "high", "very high"}
    assert (accounts["top_reasons"].str.len() > 0).all()
    # Entities pool their numbers: the counts add up.
    assert ents["importer_count"].sum() == len(accounts)
    assert ents["examined_lines"].sum() == accounts["examined_lines"].sum()
    assert ents["penalty_count"].sum() == accounts["penalty_count"].sum()


def test_history_counts_and_reasons(scored):
    accounts = scored["accounts"].set_index("importer_number")
    exams = scored["exams"].set_index("importer_number")
    got = accounts.loc[exams.index]
    assert (got["examined_lines"].to_numpy() == exams["n"].to_numpy()).all()
    assert (got["material_lines"].to_numpy() == exams["k"].to_numpy()).all()
    penalties = scored["penalties"].set_index("importer_number")
    assert (accounts.loc[penalties.index, "penalty_count"].to_numpy() == penalties["n"].to_numpy()).all()
    # The top account's reasons are in words, with counts and rates, and at most three.
    top = accounts.sort_values("score_rank").iloc[0]
    reasons = top["top_reasons"].split(REASON_SEPARATOR)
    assert 1 <= len(reasons) <= 3
    assert any("material discrepanc" in r and "examined lines" in r for r in reasons)
    # An account with no exams and no enforcement sits at the average (score 20), with no adverse reason.
    quiet = accounts[(accounts["examined_lines"] == 0) & accounts["last_enforcement_on"].isna()]
    quiet = quiet[quiet["scored_lines"] == 0]
    assert len(quiet) and np.allclose(quiet["score"], 20.0)
    assert quiet["top_reasons"].str.startswith("no adverse record").all()


def test_score_ranks_risky_importers_higher(scored):
    """Against the truth's risk propensity: rank correlation and the AUC of finding the riskiest decile."""
    merged = scored["accounts"].merge(scored["truth"][["importer_number", "risk_propensity"]], on="importer_number")
    rho = spearmanr(merged["score"], merged["risk_propensity"]).statistic
    risky = (merged["risk_propensity"] >= merged["risk_propensity"].quantile(0.9)).to_numpy()
    auc = _auc(risky, merged["score"].to_numpy())
    top = merged["score"].rank(ascending=False, method="first") <= len(merged) // 10
    lift = merged.loc[top, "risk_propensity"].mean() / merged["risk_propensity"].mean()
    print(f"spearman {rho:.3f}, AUC(top propensity decile) {auc:.3f}, top score decile propensity x{lift:.2f}")
    assert rho > 0.25 and auc > 0.75 and lift > 2.5


def test_entity_carries_a_predecessors_record(scored):
    """A successor number resolved into its penalised predecessor's entity inherits the predecessor's penalties."""
    accounts = scored["accounts"].set_index("importer_number")
    ents = scored["entities"].set_index("entity_id")
    links = scored["links"].set_index("importer_number")["entity_id"]
    checked = 0
    for s in scored["successors"].itertuples():
        if s.old_importer_number not in links or links.get(s.new_importer_number) != links[s.old_importer_number]:
            continue
        entity = ents.loc[links[s.new_importer_number]]
        assert entity["penalty_count"] >= accounts.loc[s.old_importer_number, "penalty_count"] >= 1
        assert entity["score"] >= accounts.loc[s.new_importer_number, "score"]
        assert s.new_importer_number in entity["importer_numbers"]
        checked += 1
    assert checked >= 1


def test_missing_inputs_fail_clearly(tmp_path):
    con = connect(tmp_path / "empty.duckdb")
    try:
        with pytest.raises(RuntimeError, match=r"risk\.line_scores is missing"):
            build_account_scores(con)
    finally:
        con.close()


def test_accounts_without_any_record_score_the_average():
    """No exams, no line scores, no events at all (a fresh warehouse): every account sits at 20, no adverse record."""
    frame = pd.DataFrame({"importer_number": ["A", "B"], "examined_lines": [0, 0], "material_lines": [0, 0]})
    frame = frame.assign(revenue_found_usd=0.0, scored_lines=0, sum_p_material=0.0, expected_revenue_usd=0.0)
    events = event_points(
        pd.DataFrame(
            {
                "importer_number": pd.Series([], dtype=str),
                "kind": pd.Series([], dtype=str),
                "event_on": pd.Series([], dtype="datetime64[us]"),
                "detail": pd.Series([], dtype=str),
                "amount_usd": pd.Series([], dtype=float),
                "referral": pd.Series([], dtype=bool),
            }
        ),
        pd.Timestamp("2026-01-01"),
    )
    out = score_accounts(frame, events, "importer_number")
    assert np.allclose(out["score"], 20.0) and (out["band"] == "low").all()
    assert (out["top_reasons"] == "no adverse record").all() and out["last_enforcement_on"].isna().all()
