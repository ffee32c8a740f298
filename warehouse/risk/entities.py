"""Identity resolution: Splink links importer registry versions into real-world entities.

Records are the versions of marts.dim_importers (one per importer number and effective date). Splink scores pairs
of records on name, street, postal code, phone, officer, bond and the manufacturers the importer buys from; pairs at
or above the threshold and all versions of one importer number are joined into connected components. An entity's
id comes from its content, never from the run: the importer number seen first (ties: the smallest number), so
re-runs, and new deliveries that only add importers to an entity, keep every id.

Splink runs on a private in-memory DuckDB database (it creates many work tables); the warehouse connection is only
read from and written to. Training is deterministic: u from seeded random sampling, m from expectation maximisation
over whole blocks (no sampling).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from warehouse.sql_files import query

SCHEMA = "risk"
# Pairs at or above this match probability are the same entity. The evidence of a true link is overwhelming
# (shared phone, officer and address), so the threshold sits high to keep chance collisions of common names apart.
MATCH_THRESHOLD = 0.99
SEED = 20250701
# Least m probability of a comparison level (see _floor_m).
M_FLOOR = 0.01
# Manufacturers per importer used as a linking feature: the ones it files most lines from.
TOP_MANUFACTURERS = 20
# Pairs of random records sampled to estimate u: enough for every level at the default scale, bounded at full scale.
U_SAMPLE_PAIRS = 3e5
# The prior: pairs agreeing on all of these are taken as matches, and about PRIOR_RECALL of the matches do.
PRIOR_RULE = ("phone", "officer_name", "street")
PRIOR_RECALL = 0.9
# Records Splink is trained on at most (training_sample); prediction always covers every record.
TRAINING_RECORDS = 60_000
# EM sessions, one block each: every comparison gets m from a session that does not block on it.
EM_BLOCKS = ("officer_name", "phone")

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["record_id_l", "record_id_r", "importer_number_l", "importer_number_r", "match_probability"]

# Corporate-form words dropped from names: a successor often changes only these ("... LLC" -> "... INC").
_FORM_WORDS = r"\b(INC|LLC|LP|LTD|CO|CORP|CORPORATION|COMPANY|INTL|INTERNATIONAL|HOLDINGS|GROUP)\b"


@dataclass(frozen=True)
class Resolution:
    """The result of one resolution: importer number -> entity, and the entities."""

    importer_entities: pd.DataFrame  # importer_number, entity_id, match_probability, importer_numbers
    entities: pd.DataFrame
    pairs_scored: int
    model: dict  # Splink's trained settings (for the record; not needed to re-run); {} when not trained
    # Why Splink was not trained (every importer number is then its own entity); None when it was.
    note: str | None = None


class TrainingImpossible(Exception):
    """Splink cannot estimate its model from these records (too few pairs of the kinds training needs)."""


def registry_records(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> pd.DataFrame:
    """One linking record per registry version known on `as_of` (all when None), with normalised features and the
    importer's top manufacturers from its entry lines filed by then."""
    params = {"as_of": as_of or date.max, "top_manufacturers": TOP_MANUFACTURERS, "form_words": _FORM_WORDS}
    return con.execute(query(__package__, "entities_registry_records"), params).df()


def _settings():
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.CustomComparison(
                output_column_name="name",
                comparison_levels=_name_levels(),
            ),
            cl.ExactMatch("street"),
            cl.ExactMatch("postal_code"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("officer_name"),
            cl.ExactMatch("bond_number"),
            cl.ArrayIntersectAtSizes("manufacturers", [3, 1]),
        ],
        # Every true link shares at least one of these; together they keep the scored pairs near-linear in records.
        blocking_rules_to_generate_predictions=[
            block_on("phone"),
            block_on("street", "postal_code"),
            block_on("officer_name", "postal_code"),
            block_on("name_core", "postal_code"),
            block_on("importer_number"),
        ],
        additional_columns_to_retain=["importer_number"],
        retain_matching_columns=False,
    )


def _name_levels():
    import splink.comparison_level_library as cll

    return [
        cll.NullLevel("name_compact"),
        cll.ExactMatchLevel("name_compact"),
        cll.ExactMatchLevel("name_core"),
        cll.JaroWinklerLevel("name_compact", 0.93),
        cll.JaroWinklerLevel("name_compact", 0.85),
        cll.ElseLevel(),
    ]


def training_obstacle(records: pd.DataFrame) -> str | None:
    """Why Splink cannot train on `records`, in words, or None when it may. The prior needs pairs agreeing on its
    rule, some and fewer than all (its log weight is undefined at 0 and 1): a first delivery has one version per
    number and rarely any. Whether EM converges on a short history cannot be told in advance: score_pairs raises
    TrainingImpossible when it does not."""
    n, numbers = len(records), records.importer_number.nunique()
    if numbers < 2:
        return f"{n} registry records of {numbers} importer numbers: nothing to link"
    counts = duckdb.connect()
    try:
        counts.register("linking_records", records)
        same_prior_rule = " and ".join(f"l.{c} = r.{c}" for c in PRIOR_RULE)
        prior_pairs = counts.execute(query(__package__, "entities_prior_pairs", same_prior_rule=same_prior_rule))
        prior_pairs = prior_pairs.fetchall()[0][0]
    finally:
        counts.close()
    rule = ", ".join(PRIOR_RULE)
    if prior_pairs == 0:
        return (
            f"no two of the {n} registry records share {rule} (no versions of one number or successors yet), so "
            "Splink cannot estimate how often two records match"
        )
    if prior_pairs >= n * (n - 1) / 2 * PRIOR_RECALL:
        return f"{prior_pairs} of the {n * (n - 1) // 2} pairs of registry records share {rule}: no non-matches"
    return None


def score_pairs(
    records: pd.DataFrame, seed: int = SEED, training_records: int = TRAINING_RECORDS
) -> tuple[pd.DataFrame, dict]:
    """Train Splink on the records (at most `training_records` of them, `training_sample`) and score the blocked
    pairs of all of them: (record_id_l, record_id_r, importer numbers, match_probability) for every blocked pair,
    and the trained model."""
    from splink import DuckDBAPI, Linker, block_on
    from splink.internals.exceptions import SplinkException  # Splink 5 exports no public exceptions module

    work = duckdb.connect()
    try:
        work.execute("set enable_progress_bar = false")
        work.execute("set threads = 1")  # single-threaded sampling and EM: the same input gives the same model
        work.register("records_view", records)
        work.execute("create table records as select * from records_view order by record_id")
        work.unregister("records_view")
        work.execute(f"create table training as {training_sample('records', len(records), training_records)}")
        db_api = DuckDBAPI(connection=work)
        # Splink logs every training step at INFO; the run's log keeps to warnings.
        linker = Linker(db_api.register("training"), _settings(), log_level=logging.WARNING)
        try:
            # The prior: pairs agreeing on phone, officer and street are taken as matches; about nine in ten do.
            linker.training.estimate_probability_two_random_records_match([block_on(*PRIOR_RULE)], recall=PRIOR_RECALL)
            linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
            # Both EM blocks hold a few percent of matches (mostly versions of one number) among chance agreements,
            # which EM separates well.
            for column in EM_BLOCKS:
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(column))
        except (SplinkException, ValueError) as error:
            # What training_obstacle cannot foresee, on a short history: an EM block without pairs, an m probability
            # driven to 0, a block of matches only (an infinite weight). Splink raises these as ValueError or
            # SplinkException (EMTrainingException); the prediction below stays outside, so its errors still fail.
            raise TrainingImpossible(f"Splink could not train: {type(error).__name__}: {error}") from error
        model = _floor_m(linker.misc.save_model_to_json())
        linker = Linker(db_api.register("records", table_name="records_scored"), model, log_level=logging.WARNING)
        predictions = linker.inference.predict()
        pairs = work.execute(query(__package__, "entities_pairs", predictions=predictions.physical_name)).df()
    finally:
        work.close()
    return pairs, model


def training_sample(table: str, rows: int, limit: int) -> str:
    """SQL selecting the records Splink trains on: all of them up to `limit`, else the records of a fixed share of
    importer numbers (by a hash of the number, so every version of a number is in or out together, and the same
    numbers are chosen on every run). EM's block on officer name pairs every record with every namesake: 78 million
    pairs at 250,000 records, each comparing manufacturer lists; training on a share f of the numbers keeps f^2 of
    those pairs and the same mix of matches (versions of one number) and chance agreements, which is what EM
    estimates. The pairs are then predicted on every record."""
    if rows <= limit:
        return f"select * from {table} order by record_id"
    buckets = 10_000
    kept = max(1, int(buckets * limit / rows))
    return f"select * from {table} where hash(importer_number) % {buckets} < {kept} order by record_id"


def _floor_m(model: dict) -> dict:
    """Give every level at least M_FLOOR of the match mass. The matches EM learns from are mostly versions of one
    number, which agree on almost everything, so it sets m = 0 for disagreement levels: one changed field (a
    successor's new phone) would then veto a link whatever else agrees. The floor caps that veto at log2(floor/u).
    A level the u sample never saw (a street shared by chance, in a large registry) gets u = 1 / pairs sampled, an
    upper bound, instead of Splink's default."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, least in (("m_probability", M_FLOOR), ("u_probability", 1 / U_SAMPLE_PAIRS)):
            values = [max(float(lv.get(key) or 0.0), least) for lv in levels]
            total = sum(values)
            for lv, value in zip(levels, values, strict=True):
                lv[key] = value / total
    return model


def cluster(records: pd.DataFrame, pairs: pd.DataFrame, threshold: float = MATCH_THRESHOLD) -> pd.DataFrame:
    """Connected components of importer numbers: linked by a pair at or above the threshold, or by being versions
    of one number. Returns importer_number, entity_id, match_probability (the strongest link to another number of
    the entity; null for an entity of one number)."""
    first_seen = records.groupby("importer_number")["valid_from"].min()
    parent = {number: number for number in first_seen.index}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = pairs[(pairs.match_probability >= threshold) & (pairs.importer_number_l != pairs.importer_number_r)]
    for a, b in zip(links.importer_number_l, links.importer_number_r, strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out = pd.DataFrame({"importer_number": first_seen.index, "first_seen": first_seen.values})
    out["root"] = [find(n) for n in out.importer_number]
    # The id is the first-seen number of the component (ties: the smallest), so it does not depend on the run.
    anchor = out.sort_values(["first_seen", "importer_number"]).groupby("root")["importer_number"].first()
    # Built per row, not as "EN-" + a mapped Series: an empty registry maps to a float Series that str cannot add to.
    out["entity_id"] = [f"EN-{anchor[root]}" for root in out.root]
    strongest = pd.concat(
        [
            links[["importer_number_l", "match_probability"]].set_axis(["importer_number", "p"], axis=1),
            links[["importer_number_r", "match_probability"]].set_axis(["importer_number", "p"], axis=1),
        ]
    )
    best = strongest.groupby("importer_number")["p"].max()
    out["match_probability"] = out.importer_number.map(best)
    out["importer_numbers"] = out.groupby("entity_id")["importer_number"].transform("count")
    return out[["importer_number", "entity_id", "match_probability", "importer_numbers"]].sort_values(
        "importer_number", ignore_index=True
    )


def resolve(
    con: duckdb.DuckDBPyConnection, as_of: date | None = None, threshold: float = MATCH_THRESHOLD, seed: int = SEED
) -> Resolution:
    """Resolve the registry known on `as_of` (all when None) into entities; reads the warehouse only."""
    records = registry_records(con, as_of)
    note = training_obstacle(records)
    if note is None:
        try:
            pairs, model = score_pairs(records, seed)
        except TrainingImpossible as error:
            note = str(error)
    if note is not None:
        # Without a model nothing links: every importer number is its own entity (a later delivery with more
        # history links them, keeping the ids, which are the first-seen numbers).
        log.info("identity resolution without Splink, one entity per importer number: %s", note)
        pairs, model = pd.DataFrame(columns=PAIR_COLUMNS), {}
    members = cluster(records, pairs, threshold)
    return Resolution(members, _entities(con, members, as_of), len(pairs), model, note)


def _entities(con: duckdb.DuckDBPyConnection, members: pd.DataFrame, as_of: date | None) -> pd.DataFrame:
    con.register("resolved_members", members)
    try:
        return con.execute(query(__package__, "entities_entities"), {"as_of": as_of or date.max}).df()
    finally:
        con.unregister("resolved_members")


# The tables' columns, declared: an empty registry gives frames whose columns carry no type.
MEMBER_COLUMNS = {
    "importer_number": "varchar",
    "entity_id": "varchar",
    "match_probability": "double",
    "importer_numbers": "integer",
}
ENTITY_COLUMNS = {
    "entity_id": "varchar",
    "display_name": "varchar",
    "importer_numbers": "bigint",
    "importer_number_list": "varchar[]",
    "first_seen_on": "timestamp",
    "last_seen_on": "timestamp",
    "lines": "bigint",
    "entered_value_usd": "double",
    "declares_prior_number": "boolean",
    "weakest_link_probability": "double",
}


def _typed(columns: dict[str, str]) -> str:
    return ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in columns.items())


def write(con: duckdb.DuckDBPyConnection, resolution: Resolution) -> None:
    """Replace risk.importer_entities and risk.entities in one transaction."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.register("new_importer_entities", resolution.importer_entities)
    con.register("new_entities", resolution.entities)
    try:
        con.execute("begin")
        fragments = {"member_columns": _typed(MEMBER_COLUMNS), "entity_columns": _typed(ENTITY_COLUMNS)}
        con.execute(query(__package__, "entities_write", **fragments))
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("new_importer_entities")
        con.unregister("new_entities")


@dataclass(frozen=True)
class PairwiseScore:
    true_pairs: int
    predicted_pairs: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.true_pairs if self.true_pairs else None


def pairwise_score(predicted: pd.DataFrame, truth: pd.DataFrame) -> PairwiseScore:
    """Pairwise precision and recall of a clustering of importer numbers against the truth's entity ids: a pair of
    distinct numbers is predicted when they share an entity_id in `predicted`, true when they share one in `truth`.
    Only numbers present in both are compared."""
    both = predicted[["importer_number", "entity_id"]].merge(
        truth[["importer_number", "entity_id"]], on="importer_number", suffixes=("_p", "_t")
    )
    con = duckdb.connect()
    try:
        con.register("both_ids", both)
        row = con.execute(query(__package__, "entities_pairwise_score")).fetchall()[0]
    finally:
        con.close()
    return PairwiseScore(int(row[0]), int(row[1]), int(row[2]))
