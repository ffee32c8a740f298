"""Tests of the synthetic feed generator: determinism, the contract's shape and rules, calibration, the CM
sample design, planted schemes and planted dirt. Runs are tiny (scale 0.002-0.05, a few days)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from warehouse.contract import FEEDS, format_of
from warehouse.contract.fees import mpf_limits_clamped
from warehouse.contract.identifiers import make_entry_number
from warehouse.generator import calibration as cal
from warehouse.generator import delivery, generate, top_importer_count
from warehouse.generator.dirt import CORRUPTORS, EXTRA_COLUMN, corrupt, kinds
from warehouse.generator.entries import entry_numbers
from warehouse.generator.schemes import SCHEMES
from warehouse.generator.writers import _csv_bytes_joined, csv_bytes

START = date(2024, 1, 5)


# --- helpers ----------------------------------------------------------------------------------------------


def read_text(path: Path) -> pa.Table:
    """A landing file as a table of strings, the way a careful loader reads it (empty = null, NA is a country)."""
    fmt = format_of(path.name)
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(data))
        return pa.table({n: c.cast(pa.string()) for n, c in zip(table.column_names, table.columns, strict=True)})
    if fmt == "csv":
        header = data.split(b"\n", 1)[0].decode().split(",")
        options = pacsv.ConvertOptions(
            column_types={h: pa.string() for h in header}, null_values=[""], strings_can_be_null=True
        )
        return pacsv.read_csv(io.BytesIO(data), convert_options=options)
    rows = [json.loads(line) for line in data.decode().splitlines() if line]
    names = list(rows[0]) if rows else []
    as_text = {n: [None if r.get(n) is None else _json_text(r[n]) for r in rows] for n in names}
    return pa.table({n: pa.array(v, pa.string()) for n, v in as_text.items()})


def _json_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def landing_files(out: Path, feed: str) -> list[Path]:
    return sorted(p for p in (out / feed).rglob("*") if p.is_file())


def feed_text(out: Path, feed: str) -> pa.Table:
    tables = [read_text(p) for p in landing_files(out, feed)]
    tables = [t.select(list(FEEDS[feed].column_names)) for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else None


def tree_digest(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*") if p.is_file()
    }


def violations(con, feed_name: str, table: pa.Table) -> list[tuple[int, str, str]]:
    """(row index, column, rule) for every contract check a text table breaks, checked in DuckDB."""
    feed = FEEDS[feed_name]
    con.register("t_text", table.append_column("_i", pa.array(np.arange(table.num_rows))))
    typed = ", ".join(f"try_cast({c.name} as {c.sql_type}) as {c.name}" for c in feed.columns)
    con.execute(f"create or replace temp table t_typed as select _i, {typed} from t_text")
    checks = []
    for c in feed.columns:
        if c.required:
            checks.append((c.name, "required", f"t.{c.name} is null"))
        if c.type != "string":
            checks.append((c.name, "type", f"t.{c.name} is not null and y.{c.name} is null"))
        if c.codes:
            codes = ", ".join(f"'{v}'" for v in c.codes)
            checks.append((c.name, "code_list", f"t.{c.name} not in ({codes})"))
        if c.pattern:
            checks.append((c.name, "format", f"not regexp_full_match(t.{c.name}, '{c.pattern}')"))
        if c.minimum is not None:
            checks.append((c.name, "range", f"y.{c.name} < {c.minimum}"))
        if c.maximum is not None:
            checks.append((c.name, "range", f"y.{c.name} > {c.maximum}"))
        if c.reference == "port":
            checks.append((c.name, "unknown_reference", f"t.{c.name} not in (select port_code from reference.ports)"))
        if c.reference == "country":
            checks.append((c.name, "unknown_reference", f"t.{c.name} not in (select iso2 from reference.countries)"))
    found = []
    for column, rule, predicate in checks:
        sql = f"select t._i from t_text t join t_typed y using (_i) where coalesce({predicate}, false)"
        found += [(i, column, rule) for (i,) in con.execute(sql).fetchall()]
    # Rules are evaluated on rows whose columns are all valid, as a loader does (a malformed entry number would
    # otherwise make the check-digit macro fail on the cast).
    bad = {i for i, _, _ in found}
    con.execute(
        "create or replace temp table t_ok as select * from t_typed where not list_contains(?, _i)", [sorted(bad)]
    )
    for rule in feed.error_rules:
        sql = f"select _i from t_ok where coalesce({rule.violation_sql}, false)"
        found += [(i, rule.column, rule.name) for (i,) in con.execute(sql).fetchall()]
    if feed.group_columns:
        group = ", ".join(feed.group_key)
        distinct = " or ".join(f"count(distinct coalesce({c}::varchar, '∅')) > 1" for c in feed.group_columns)
        sql = f"""select _i from t_ok where ({group}) in (
                    select ({group}) from t_ok group by {group} having {distinct})"""
        found += [(i, "port_code", "header_consistency") for (i,) in con.execute(sql).fetchall()]
    con.unregister("t_text")
    return found


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    summary = generate(out, START, 3, scale=0.01, seed=3, fmt="mixed", dirt_rate=0)
    return out, summary


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    out = tmp_path_factory.mktemp("dirty")
    summary = generate(out, START, 3, scale=0.005, seed=4, fmt="mixed", dirt_rate=0.02)
    return out, summary


@pytest.fixture(scope="module")
def moderate(tmp_path_factory):
    out = tmp_path_factory.mktemp("moderate")
    summary = generate(out, START, 2, scale=0.05, seed=5, fmt="csv", dirt_rate=0)
    return out, summary


# --- determinism ------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes_in_every_format(tmp_path):
    for fmt in ("csv", "jsonl", "parquet", "mixed"):
        a = generate(tmp_path / f"a_{fmt}", START, 2, scale=0.002, seed=7, fmt=fmt, dirt_rate=0.01)
        b = generate(tmp_path / f"b_{fmt}", START, 2, scale=0.002, seed=7, fmt=fmt, dirt_rate=0.01)
        assert a.rows == b.rows
        assert tree_digest(tmp_path / f"a_{fmt}") == tree_digest(tmp_path / f"b_{fmt}")
    assert any(p.endswith(".gz") for p in tree_digest(tmp_path / "a_mixed"))


def test_a_writer_process_writes_the_same_bytes_as_the_writer_thread(tmp_path, monkeypatch):
    """Big runs deliver in a forked process, small ones on a thread: the files, truth and summary are the same."""
    threaded = generate(tmp_path / "thread", START, 3, scale=0.003, seed=9, fmt="mixed", dirt_rate=0.01)
    monkeypatch.setattr(delivery, "PROCESS_FROM_LINES", 0)
    spawned: list = []
    monkeypatch.setattr(delivery, "ProcessCourier", _recording(delivery.ProcessCourier, spawned))
    forked = generate(tmp_path / "process", START, 3, scale=0.003, seed=9, fmt="mixed", dirt_rate=0.01)
    assert len(spawned) == 1 and spawned[0].process.exitcode == 0
    assert forked.rows == threaded.rows and forked.files == threaded.files
    assert tree_digest(tmp_path / "process") == tree_digest(tmp_path / "thread")


def _recording(cls, into: list):
    def make(*args):
        courier = cls(*args)
        into.append(courier)
        return courier

    return make


@pytest.mark.parametrize("process", [False, True])
def test_an_error_in_the_delivery_stage_is_raised_by_generate(tmp_path, monkeypatch, process):
    def broken(self, index, *args):
        if index == 1:
            raise ValueError("disk full on day 2")
        return index, []

    monkeypatch.setattr(delivery.Deliverer, "day", broken)
    if process:
        monkeypatch.setattr(delivery, "PROCESS_FROM_LINES", 0)
    with pytest.raises((ValueError, RuntimeError), match="disk full on day 2"):
        generate(tmp_path, START, 4, scale=0.002, seed=1, dirt_rate=0)


def test_a_different_seed_gives_different_feeds(tmp_path):
    generate(tmp_path / "a", START, 1, scale=0.002, seed=1, dirt_rate=0)
    generate(tmp_path / "b", START, 1, scale=0.002, seed=2, dirt_rate=0)
    a = (tmp_path / "a/entries/2024-01-05/entries_20240105_001.csv").read_bytes()
    b = (tmp_path / "b/entries/2024-01-05/entries_20240105_001.csv").read_bytes()
    assert a != b


def test_vectorised_check_digits_agree_with_the_contract_function():
    rng = np.random.default_rng(0)
    filers = np.array(["A1B", "ZZ9", "0KI", "J0K", "999"] * 40, dtype=object)
    serials = rng.integers(0, 10**7, filers.size)
    fast = entry_numbers(filers, serials).to_pylist()
    assert fast == [make_entry_number(f, int(s)) for f, s in zip(filers, serials, strict=True)]


def test_csv_quotes_only_fields_that_need_it_and_round_trips():
    """The fast encoder (quotes only the rows that need it) gives the reference encoder's bytes: spliced chunks, a
    planted comma in a money column, quotes, line breaks, nulls, `NA` and leading zeros, control bytes."""
    values = {
        "code": ["NA", "0401", None, "", "CN", "NA"],
        "description": ["Bolts, nuts", 'Say "hi"', "plain", "a\nb", "Bolts, nuts", None],
        "value_usd": ["12.50", "1,234.50", "0.00", None, "3.10", "7.00"],
    }
    whole = pa.table({k: pa.array(v, pa.string()) for k, v in values.items()})
    chunked = pa.concat_tables([whole.slice(0, 2), whole.slice(2, 1), whole.slice(3)])
    data = csv_bytes(chunked)
    assert data == _csv_bytes_joined(whole)
    assert data.startswith(b'code,description,value_usd\nNA,"Bolts, nuts",12.50\n0401,')
    assert b',"1,234.50"\n' in data and b'"Say ""hi"""' in data and b',"a\nb",' in data
    back = read_text_bytes(data)
    expected = {k: [None if x == "" else x for x in v] for k, v in values.items()}
    assert back.to_pydict() == expected
    odd = pa.table({"a": ["x\x1c,y", "z"]})
    assert csv_bytes(odd) == _csv_bytes_joined(odd) == b'a\n"x\x1c,y"\nz\n'
    # Few distinct values (descriptions) are quoted once per value, then repeated.
    repeated = pa.table({"d": ['a,"b"', "c", None, "e\r"] * 10, "n": [str(i) for i in range(40)]})
    assert csv_bytes(repeated) == _csv_bytes_joined(repeated)
    assert csv_bytes(repeated).startswith(b'd,n\n"a,""b""",0\nc,1\n,2\n"e\r",3\n')


def read_text_bytes(data: bytes) -> pa.Table:
    header = data.split(b"\n", 1)[0].decode().split(",")
    options = pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header}, null_values=[""], strings_can_be_null=True
    )
    return pacsv.read_csv(io.BytesIO(data), convert_options=options)


# --- shape and contract -----------------------------------------------------------------------------------


def test_every_feed_is_delivered_in_day_folders_with_exactly_the_contract_columns(clean):
    out, summary = clean
    for feed in FEEDS:
        files = landing_files(out, feed)
        assert files, f"no files for {feed}"
        for path in files:
            assert path.parent.name == path.parent.name[:10] and date.fromisoformat(path.parent.name) >= START
            table = read_text(path)
            if table.num_rows:
                assert sorted(table.column_names) == sorted(FEEDS[feed].column_names), path
    assert not list((out / "truth").rglob("*.csv"))
    assert set(summary.rows) == set(FEEDS)


def test_clean_feeds_satisfy_every_column_check_and_every_error_rule(clean, raw_tables_con):
    out, _ = clean
    for feed in FEEDS:
        table = feed_text(out, feed)
        found = violations(raw_tables_con, feed, table)
        assert not found, f"{feed}: {found[:5]}"


def test_leading_zeros_and_namibia_survive_in_csv(moderate):
    out, _ = moderate
    raw = b"".join(p.read_bytes() for p in landing_files(out, "entries"))
    assert b",NA," in raw
    table = feed_text(out, "entries")
    hts = table.column("hts_code").to_pylist()
    assert any(h.startswith("0") for h in hts)
    assert all(len(h) == 10 for h in hts)
    assert any(h.startswith(("98", "99")) for h in hts)


# --- calibration ------------------------------------------------------------------------------------------


def _truth_lines(out: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted((out / "truth/entry_lines").glob("*.parquet")))


def test_volumes_value_and_duty_per_day_follow_the_published_figures(moderate):
    out, _ = moderate
    scale, days = 0.05, 2
    entries = feed_text(out, "entries")
    numbers = entries.column("entry_number").to_numpy(zero_copy_only=False)
    n_entries = np.unique(numbers).size
    assert 0.85 < n_entries / (cal.ENTRIES_PER_DAY * scale * days) < 1.15
    assert 2.2 < entries.num_rows / n_entries < 2.8
    value = np.asarray(entries.column("entered_value_usd").to_pylist(), dtype=float).sum() / days / scale
    duty = np.asarray(entries.column("duty_usd").to_pylist(), dtype=float).sum() / days / scale
    assert 4.0e9 < value < 7.0e9
    assert 70e6 < duty < 200e6


def test_compliance_and_concentration_hold(moderate):
    out, _ = moderate
    truth = _truth_lines(out)
    compliance = np.mean(truth.column("is_compliant").to_numpy(zero_copy_only=False))
    assert 0.98 <= compliance <= 0.99
    entries = feed_text(out, "entries").to_pandas()
    entries["value"] = entries["entered_value_usd"].astype(float)
    by_country = entries.groupby("country_of_origin")["value"].sum().sort_values(ascending=False)
    assert by_country.iloc[:5].sum() / by_country.sum() > 0.5
    by_importer = entries.groupby("importer_number")["value"].sum().sort_values(ascending=False)
    top = by_importer.iloc[: top_importer_count(0.05)].sum() / by_importer.sum()
    assert 0.55 < top < 0.85
    assert set(entries["port_code"].value_counts().index[:5]) & {"2704", "2709", "1001", "2304", "5301"}
    assert (entries["entry_type"] == "01").mean() > 0.7


# --- exams ------------------------------------------------------------------------------------------------


def test_cm_weights_sum_to_the_stratum_population_per_stratum_and_day(moderate):
    out, _ = moderate
    exams = feed_text(out, "exams").to_pandas()
    cm = exams[exams["selection_reason"] == "cm_random"].copy()
    cm["day"] = cm["exam_id"].str[2:10]
    cm["w"] = cm["cm_weight"].astype(float)
    sums = cm.groupby(["day", "cm_stratum"])["w"].sum()
    strata = pq.read_table(out / "truth/cm_strata.parquet").to_pandas()
    strata["day"] = strata["date"].astype(str).str.replace("-", "")
    population = strata.set_index(["day", "cm_stratum"])["population_lines"]
    assert len(sums) > 20
    for key, total in sums.items():
        assert total == pytest.approx(population[key], abs=1e-3)
    sampled = strata[strata["population_lines"] > 0]
    assert (sampled["sampled_lines"] >= 1).all()
    assert (cm["w"] >= 1).all()


def test_targeted_exams_find_more_than_the_random_sample(moderate):
    out, _ = moderate
    exams = feed_text(out, "exams").to_pandas()
    hit = exams["result"].eq("discrepancy") & exams["material"].eq("true")
    random_rate = hit[exams["selection_reason"] == "cm_random"].mean()
    targeted_rate = hit[exams["selection_reason"] != "cm_random"].mean()
    assert targeted_rate > 2 * random_rate
    targeted = exams[exams["selection_reason"] == "targeting_rule"]
    assert targeted["rule_id"].notna().all()


# --- schemes ----------------------------------------------------------------------------------------------


def test_every_planted_scheme_is_recorded_in_the_truth(clean):
    out, _ = clean
    truth = _truth_lines(out)
    assert set(SCHEMES) <= set(truth.column("scheme").drop_null().to_pylist())
    undervalued = truth.filter(pa.compute.equal(truth.column("scheme"), "undervaluation")).to_pandas()
    assert (undervalued["true_value_usd"].astype(float) > undervalued["declared_value_usd"].astype(float)).all()
    assert pq.read_table(out / "truth/port_shopping.parquet").num_rows > 0
    successors = pq.read_table(out / "truth/successors.parquet").to_pandas()
    assert len(successors) >= 1
    registry = feed_text(out, "importers").to_pandas()
    assert set(successors["new_importer_number"]) <= set(registry["importer_number"])
    assert pq.read_table(out / "truth/decayed_rules.parquet").num_rows >= 2
    entities = pq.read_table(out / "truth/importer_entities.parquet").to_pandas()
    assert entities["entity_id"].duplicated().sum() >= len(successors)
    shopping = pq.read_table(out / "truth/port_shopping.parquet").to_pandas()
    lines = feed_text(out, "entries").to_pandas()
    first = shopping.iloc[0]
    moved = lines[
        (lines["importer_number"] == first["importer_number"])
        & (lines["manufacturer_id"] == first["manufacturer_id"])
        & (lines["port_code"] == first["second_port"])
    ]
    assert len(moved) >= 1


def test_penalties_respect_the_statutory_maximum_and_mitigation(clean, raw_tables_con):
    out, _ = clean
    penalties = feed_text(out, "penalties")
    assert penalties.num_rows > 0
    assert not violations(raw_tables_con, "penalties", penalties)


# --- dirt -------------------------------------------------------------------------------------------------


def test_every_error_rule_of_every_feed_has_a_corruptor():
    for feed in FEEDS.values():
        for rule in feed.error_rules:
            assert rule.name in CORRUPTORS.get(feed.name, {}), f"{feed.name}.{rule.name} has no corruptor"


def test_every_planted_kind_breaks_exactly_the_check_it_is_recorded_under(clean, raw_tables_con):
    out, _ = clean
    for feed_name, feed in FEEDS.items():
        valid = feed_text(out, feed_name).to_pylist()
        planted = [(c, r) for c, r in kinds(feed) if r != "header_consistency"]
        broken = [corrupt(feed, next((v for v in valid if _fits(r, v)), valid[0]), c, r) for c, r in planted]
        table = pa.Table.from_pylist(broken, schema=pa.schema([(n, pa.string()) for n in feed.column_names]))
        found = {(i, c, r) for i, c, r in violations(raw_tables_con, feed_name, table)}
        for i, (column, rule) in enumerate(planted):
            assert (i, column, rule) in found, f"{feed_name}: planting {rule} on {column} was not detected"


def _fits(rule: str, row: dict) -> bool:
    """A template row on which the corruptor can act (e.g. an entry with a release time)."""
    needs = {
        "released_before_filing": "filed_at",
        "entry_number_check_digit": "entry_number",
        "closed_on_before_opened_on": "opened_on",
        "left_on_before_enrolled_on": "enrolled_on",
    }
    return row.get(needs.get(rule, "")) is not None or rule not in needs


def test_dirty_runs_record_their_malformed_rows_and_odd_deliveries(dirty, raw_tables_con):
    out, _ = dirty
    dirt = pq.read_table(out / "truth/dirt.parquet").to_pandas()
    assert len(dirt) > 0
    assert {"required", "type", "code_list", "format", "range"} <= set(dirt["rule"])
    for _, record in dirt.groupby("file").head(1).iterrows():
        table = read_text(out / record["file"])
        assert 1 <= record["row_number"] <= table.num_rows
    # A planted row really breaks its recorded check.
    sample = dirt[dirt["rule"] != "header_consistency"].iloc[0]
    table = read_text(out / sample["file"]).select(list(FEEDS[sample["feed"]].column_names))
    row = table.slice(int(sample["row_number"]) - 1, 1)
    assert (sample["column"], sample["rule"]) in {(c, r) for _, c, r in violations(raw_tables_con, sample["feed"], row)}
    deliveries = pq.read_table(out / "truth/deliveries.parquet").to_pandas()
    assert {"correction", "late"} <= set(deliveries["kind"])
    for kind in ("duplicate", "extra_column"):
        for _, d in deliveries[deliveries["kind"] == kind].iterrows():
            path = out / d["file"]
            assert path.exists()
            if kind == "duplicate":
                assert path.read_bytes() == (out / d["source_file"]).read_bytes()
            else:
                assert EXTRA_COLUMN in read_text(path).column_names
    corrections = [read_text(out / f) for f in deliveries[deliveries["kind"] == "correction"]["file"]]
    assert all(set(t.column("entry_version").to_pylist()) == {"2"} for t in corrections)


def _mpf_outside_bounds(out: Path, versions: list[str]):
    entries = feed_text(out, "entries").to_pandas()
    entries = entries[entries["entry_version"].isin(versions) & (entries["entry_type"] != "11")]
    mpf = pd.to_numeric(entries["mpf_usd"], errors="coerce")
    per_entry = mpf.groupby([entries["entry_number"], entries["entry_version"]]).agg(["sum", "size"])
    limits = mpf_limits_clamped(START)
    mpf_min, mpf_max = limits.minimum_usd, limits.maximum_usd
    # One cent of rounding per line, as the quality suite allows.
    low = per_entry["sum"] + per_entry["size"] * 0.01 >= mpf_min
    high = per_entry["sum"] - per_entry["size"] * 0.01 <= mpf_max
    return per_entry, per_entry[~(low & high)]


def test_every_entry_pays_an_mpf_within_the_bounds_of_its_fiscal_year(clean):
    per_entry, outside = _mpf_outside_bounds(clean[0], ["1"])
    assert len(per_entry) > 100
    assert outside.empty, outside


def test_a_correction_that_drops_a_line_keeps_the_entry_fee_within_the_mpf_bounds(tmp_path):
    # Enough corrections that some drop a line of an entry whose fee sits at the MPF minimum.
    generate(tmp_path, START, 8, scale=0.01, seed=20251001, fmt="csv", dirt_rate=0.02)
    per_entry, outside = _mpf_outside_bounds(tmp_path, ["2"])
    assert len(per_entry) > 20
    assert outside.empty, outside
