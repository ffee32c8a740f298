"""Identity resolution (Splink) and successor flags on the generated warehouse, against the generator's truth."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from generated_warehouse import copy_warehouse, materialised_copy

from orchestration.defs.risk.entities import importer_entities, successor_flags
from warehouse.db import connect
from warehouse.risk import entities


@pytest.fixture(scope="module")
def resolved(generated_warehouse, tmp_path_factory):
    """A copy of the generated warehouse with the entity and successor assets materialised by Dagster."""
    path = materialised_copy(
        generated_warehouse, tmp_path_factory.mktemp("entities"), [importer_entities, successor_flags]
    )
    con = connect(path, read_only=True)
    try:
        tables = {
            name: con.execute(f"select * from risk.{name}").df()
            for name in ("importer_entities", "entities", "successor_flags")
        }
        registry = con.execute("select distinct importer_number from marts.dim_importers").df()
    finally:
        con.close()
    return path, tables, registry


@pytest.fixture(scope="module")
def truth(generated_warehouse):
    return {
        name: pd.read_parquet(generated_warehouse.truth / f"{name}.parquet")
        for name in ("importer_entities", "successors")
    }


def test_every_registered_number_has_one_entity_and_entities_add_up(resolved):
    _, tables, registry = resolved
    members, ents = tables["importer_entities"], tables["entities"]
    assert sorted(members.importer_number) == sorted(registry.importer_number)
    assert members.importer_number.is_unique
    assert members.resolved_at.notna().all()
    sizes = members.groupby("entity_id").size()
    assert (members.importer_numbers == members.entity_id.map(sizes)).all()
    assert sorted(ents.entity_id) == sorted(sizes.index)
    assert (ents.set_index("entity_id").importer_numbers == sizes).all()
    # An entity of several numbers names its strongest link; a lone number has none.
    assert members.loc[members.importer_numbers > 1, "match_probability"].ge(entities.MATCH_THRESHOLD).all()
    assert members.loc[members.importer_numbers == 1, "match_probability"].isna().all()
    # The id is the entity's first-seen number: it is one of its own members.
    anchors = ents.entity_id.str.removeprefix("EN-")
    assert all(a in lst for a, lst in zip(anchors, ents.importer_number_list, strict=True))


def test_pairwise_precision_and_recall_against_the_truth(resolved, truth):
    score = entities.pairwise_score(resolved[1]["importer_entities"], truth["importer_entities"])
    # Every planted successor pair is a true pair; the scale-0.01 population plants three.
    assert score.true_pairs == len(truth["successors"]) == 3
    assert score.recall == 1.0
    assert score.precision == 1.0


def test_pairwise_score_counts_pairs():
    predicted = pd.DataFrame({"importer_number": list("abcd"), "entity_id": ["1", "1", "1", "2"]})
    real = pd.DataFrame({"importer_number": list("abcde"), "entity_id": ["X", "X", "Y", "Y", "Y"]})
    score = entities.pairwise_score(predicted, real)
    # Predicted pairs ab, ac, bc; true pairs (among numbers in both) ab, cd; only ab is in both.
    assert (score.predicted_pairs, score.true_pairs, score.true_positives) == (3, 2, 1)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall == pytest.approx(1 / 2)


def test_entity_ids_are_the_same_in_a_second_run(resolved):
    path, tables, _ = resolved
    con = connect(path, read_only=True)
    try:
        again = entities.resolve(con)
    finally:
        con.close()
    first = tables["importer_entities"].sort_values("importer_number", ignore_index=True)
    second = again.importer_entities.sort_values("importer_number", ignore_index=True)
    pd.testing.assert_series_equal(first.importer_number, second.importer_number)
    pd.testing.assert_series_equal(first.entity_id, second.entity_id)
    pd.testing.assert_series_equal(first.match_probability, second.match_probability, check_exact=False, rtol=1e-9)


def test_entity_ids_survive_later_deliveries(resolved, truth):
    """Resolving only what was known on 2025-07-05 (before two of the three successors appeared) gives the ids the
    full run gives, and the later successor joins its predecessor's existing entity."""
    path, tables, _ = resolved
    con = connect(path, read_only=True)
    try:
        early = entities.resolve(con, as_of=date(2025, 7, 5)).importer_entities
    finally:
        con.close()
    full = tables["importer_entities"].set_index("importer_number").entity_id
    assert len(early) < len(full)
    assert (early.set_index("importer_number").entity_id == full.loc[early.importer_number]).all()
    late = truth["successors"][truth["successors"].new_number_from > pd.Timestamp("2025-07-05").date()]
    assert len(late) == 2
    for old, new in zip(late.old_importer_number, late.new_importer_number, strict=True):
        assert new not in set(early.importer_number)
        assert full[new] == full[old] == early.set_index("importer_number").entity_id[old]


def test_a_new_number_sharing_phone_officer_and_address_joins_and_a_namesake_does_not(
    generated_warehouse, resolved, tmp_path
):
    """Two registry rows delivered later: a successor-like number (other name and bond, same phone, officer and
    address) joins the existing entity under its existing id; a namesake in the same postal code (so the pair is
    scored) with another street, phone, officer and bond stays alone."""
    before = resolved[1]["importer_entities"].set_index("importer_number").entity_id  # the same data, resolved
    path = copy_warehouse(generated_warehouse, tmp_path)
    con = connect(path)
    try:
        base = con.execute(
            "select * from marts.dim_importers where is_current and prior_importer_number is null "
            "order by importer_number limit 2"
        ).df()
        successor, namesake = base.iloc[0].copy(), base.iloc[1].copy()
        successor["importer_number"], successor["legal_name"] = "99-000000100", f"{successor.legal_name} INTL"
        successor["bond_number"] = "900000001"
        namesake["importer_number"], namesake["street"], namesake["phone"] = "99-000000200", "1 NOWHERE RD", "+1-999"
        namesake["officer_name"], namesake["bond_number"] = "NOBODY ATALL", "900000002"  # same postal code
        for row in (successor, namesake):
            row["importer_version_key"] = f"{row.importer_number}@2025-12-31"
            row["valid_from"], row["valid_to"], row["is_current"] = date(2025, 12, 31), None, True
        added = pd.DataFrame([successor, namesake])
        con.register("added", added)
        con.execute("insert into marts.dim_importers by name select * from added")
        after = entities.resolve(con).importer_entities.set_index("importer_number").entity_id
    finally:
        con.close()
    assert (after.loc[before.index] == before).all()
    assert after["99-000000100"] == before[base.importer_number[0]]
    assert after["99-000000200"] == "EN-99-000000200"


def test_successors_of_penalised_importers_are_flagged_with_reasons(resolved, truth):
    flags = resolved[1]["successor_flags"]
    planted = truth["successors"]
    found = set(zip(flags.importer_number, flags.predecessor_importer_number, strict=True))
    expected = set(zip(planted.new_importer_number, planted.old_importer_number, strict=True))
    assert found == expected  # recall and precision 1 on the three planted successors
    members = resolved[1]["importer_entities"].set_index("importer_number").entity_id
    for row in flags.itertuples():
        assert row.entity_id == members[row.importer_number] == members[row.predecessor_importer_number]
        assert row.adverse_action in {"penalty", "seizure"}
        assert row.adverse_on < row.first_activity_on
        assert row.predecessor_first_activity_on < row.first_activity_on
        assert any(r.startswith("resolves to the same entity") for r in row.reasons)
        assert {"same phone", "same officer", "same street and postal code"} <= set(row.reasons)
    declared = flags.set_index("importer_number").declared_predecessor
    for new, was_declared in zip(planted.new_importer_number, planted.prior_number_declared, strict=True):
        assert declared[new] == was_declared


def test_a_registry_of_one_importer_resolves_without_splink(generated_warehouse, tmp_path):
    path = copy_warehouse(generated_warehouse, tmp_path)
    con = connect(path)
    try:
        keep = con.execute("select min(importer_number) from marts.dim_importers").fetchall()[0][0]
        con.execute("delete from marts.dim_importers where importer_number <> ?", [keep])
        resolution = entities.resolve(con)
    finally:
        con.close()
    members = resolution.importer_entities
    assert members[["importer_number", "entity_id", "importer_numbers"]].to_dict("records") == [
        {"importer_number": keep, "entity_id": f"EN-{keep}", "importer_numbers": 1}
    ]
    assert members.match_probability.isna().all()
    assert resolution.pairs_scored == 0


def test_only_adverse_actions_before_the_first_activity_make_a_successor(resolved, truth, tmp_path):
    """Without its predecessor's penalty a planted successor is not flagged; a seizure after the successor's first
    activity does not flag it either; a seizure before it does."""
    from warehouse.risk import successors

    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(resolved[0].read_bytes())
    row = truth["successors"].sort_values("new_importer_number").iloc[0]
    old, new = row.old_importer_number, row.new_importer_number
    con = connect(path)
    try:
        first = con.execute(
            "select first_activity_on from risk.successor_flags where importer_number = ?", [new]
        ).fetchall()[0][0]
        con.execute("delete from marts.fct_penalties where importer_number = ?", [old])
        con.execute("delete from marts.fct_seizures where importer_number = ?", [old])
        flagged = {}
        for label, seized_on in (("none", None), ("after", first), ("before", first - timedelta(days=1))):
            if seized_on is not None:
                con.execute("delete from marts.fct_seizures where seizure_id = 'SZ-TEST'")
                con.execute(
                    "insert into marts.fct_seizures (seizure_id, importer_number, seized_on) values ('SZ-TEST', ?, ?)",
                    [old, seized_on],
                )
            successors.build(con)
            flagged[label] = con.execute(
                "select adverse_action, adverse_reference from risk.successor_flags where importer_number = ?", [new]
            ).fetchall()
    finally:
        con.close()
    assert flagged == {"none": [], "after": [], "before": [("seizure", "SZ-TEST")]}


def test_training_on_a_share_of_the_numbers_finds_the_same_successors(generated_warehouse, truth):
    """Above TRAINING_RECORDS records Splink trains on a hashed share of the importer numbers (every version of a
    number in or out together) and still predicts on every record: here on about four fifths of them."""
    with connect(generated_warehouse.warehouse, read_only=True) as con:
        records = entities.registry_records(con)
    sql = entities.training_sample("records", len(records), len(records) * 4 // 5)
    work = duckdb.connect()
    work.register("records", records)
    chosen = work.execute(f"select importer_number, count(*) from ({sql}) group by all").df()
    by_number = records.groupby("importer_number").size()
    assert 0.7 * len(records) < chosen["count_star()"].sum() < 0.9 * len(records)
    assert (chosen.set_index("importer_number")["count_star()"] == by_number[chosen.importer_number]).all()

    pairs, _ = entities.score_pairs(records, training_records=len(records) * 4 // 5)
    members = entities.cluster(records, pairs)
    score = entities.pairwise_score(members, truth["importer_entities"])
    assert (score.recall, score.precision) == (1.0, 1.0)
