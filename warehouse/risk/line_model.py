"""The line risk model: LightGBM trained on exam outcomes, its files and runs, and the scored lines.

Two boosters per model: a classifier for P(material discrepancy) and a regression of the revenue found given a
material discrepancy; expected revenue at stake = p x predicted revenue. Each scored line keeps its three largest
SHAP contributions (LightGBM `pred_contrib`, in log-odds) as its reasons.

A model with cutoff C trains on every line filed before C whose exam was completed before C, and scores lines filed
on or after C. Labels come from exams of any selection reason; the reason and the rule are never features.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd

from warehouse.risk.features import FEATURES, build_features
from warehouse.sql_files import query

SEED = 20250701
CLASSIFIER_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 4,  # shallow trees: SHAP reasons cost grows with depth squared
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
CLASSIFIER_ROUNDS = 150
REVENUE_PARAMS = {**CLASSIFIER_PARAMS, "objective": "regression", "num_leaves": 7, "min_data_in_leaf": 20}
REVENUE_ROUNDS = 100
MIN_POSITIVES = 20  # fewer material lines than this before a cutoff: no model
MIN_NEGATIVES = 20  # nor with fewer lines without a material discrepancy (one class teaches nothing)
MIN_REVENUE_POSITIVES = 50  # fewer: expected revenue uses the mean revenue of material lines instead of a booster
TOP_REASONS = 3

# status of a run: a model was trained, or the cutoff's training data was too thin and `note` says why (no files).
TRAINED, SKIPPED = "trained", "skipped"
# Lines scored per frame (features, prediction and reasons of about 3 KB a line).
CHUNK_LINES = 500_000


def models_dir(warehouse_file: Path) -> Path:
    return Path(warehouse_file).parent / "models"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(query(__package__, "line_model_tables", trained=TRAINED)).fetchall()


@dataclass
class ExaminedLines:
    """Every examined line's features, and one row per exam with its outcome (for labels at any cutoff)."""

    features: pd.DataFrame  # one row per examined line that is in fct_entry_lines
    exams: pd.DataFrame  # entry_number, line_number, completed_date (NaT while open), material, revenue


def load_examined(con: duckdb.DuckDBPyConnection) -> ExaminedLines:
    con.execute(query(__package__, "line_model_examined")).fetchall()
    exams = con.execute(query(__package__, "line_model_exams")).df()
    return ExaminedLines(build_features(con, "risk_examined"), exams)


def _labelled(examined: ExaminedLines, exams: pd.DataFrame) -> pd.DataFrame:
    """Lines of `exams` with label `material` (any exam material) and `revenue` (largest revenue found)."""
    labels = exams.groupby(["entry_number", "line_number"], as_index=False).agg(
        material=("material", "max"), revenue=("revenue", "max")
    )
    frame = examined.features.merge(labels, on=["entry_number", "line_number"], how="inner")
    frame["material"] = frame["material"].astype(int)
    return frame.sort_values(["filed_date", "entry_number", "line_number"], ignore_index=True)


def training_lines(examined: ExaminedLines, cutoff: date) -> pd.DataFrame:
    """Lines filed before the cutoff whose exam was completed before it (their outcome was known then). A pre-entry
    exam may finish before its line is filed: such a line filed on or after the cutoff belongs to the test window."""
    exams = examined.exams
    known = exams[exams["completed_date"].notna() & (pd.to_datetime(exams["completed_date"]) < pd.Timestamp(cutoff))]
    labelled = _labelled(examined, known)
    return labelled[pd.to_datetime(labelled["filed_date"]) < pd.Timestamp(cutoff)].reset_index(drop=True)


def held_out_lines(examined: ExaminedLines, cutoff: date, until: date | None = None) -> pd.DataFrame:
    """Lines filed on or after the cutoff (and before `until`) that were examined for any reason."""
    labelled = _labelled(examined, examined.exams)
    filed = pd.to_datetime(labelled["filed_date"])
    keep = filed >= pd.Timestamp(cutoff)
    if until is not None:
        keep &= filed < pd.Timestamp(until)
    return labelled[keep].reset_index(drop=True)


@dataclass
class LineModel:
    model_id: str
    cutoff: date
    classifier: lgb.Booster
    revenue: lgb.Booster | None
    revenue_fallback: float
    features: list[str]

    def predict(self, frame: pd.DataFrame, with_reasons: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """P(material), expected revenue and (unless with_reasons is false: SHAP is most of the cost) the top
        reasons of each row of `frame`."""
        x = frame[self.features].to_numpy(dtype="float64")
        # LightGBM's predict is typed for sparse input too; dense in, dense out.
        p = np.asarray(self.classifier.predict(x))
        given = (
            np.asarray(self.revenue.predict(x)) if self.revenue is not None else np.full(len(x), self.revenue_fallback)
        )
        why = []
        if with_reasons:
            contributions = np.asarray(self.classifier.predict(x, pred_contrib=True))
            why = reasons(contributions[:, : len(self.features)], self.features)
        return p, p * np.clip(given, 0, None), why


def reasons(contrib: np.ndarray, names: list[str], top: int = TOP_REASONS) -> list[str]:
    """`name (+0.42); name (-0.10); ...`: the largest contributions by absolute value, signed (log-odds)."""
    order = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :top]
    return [
        "; ".join(f"{names[j]} ({contrib[i, j]:+.3f})" for j in order[i] if contrib[i, j] != 0)
        for i in range(len(contrib))
    ]


def _digest(train: pd.DataFrame) -> str:
    data = pd.util.hash_pandas_object(train[[*FEATURES, "material", "revenue"]], index=False).to_numpy()
    setup = json.dumps([CLASSIFIER_PARAMS, CLASSIFIER_ROUNDS, REVENUE_PARAMS, REVENUE_ROUNDS, FEATURES])
    return hashlib.sha256(data.tobytes() + setup.encode()).hexdigest()[:10]


def training_obstacle(train: pd.DataFrame, cutoff: date) -> str | None:
    """Why no model can be trained on `train` for the cutoff, in words, or None when one can."""
    positives = int(train["material"].sum())
    negatives = len(train) - positives
    if positives < MIN_POSITIVES:
        return (
            f"only {positives} material lines among {len(train)} examined lines known before {cutoff}: "
            f"at least {MIN_POSITIVES} needed to train"
        )
    if negatives < MIN_NEGATIVES:
        return (
            f"only {negatives} of the {len(train)} examined lines known before {cutoff} were not material: "
            f"at least {MIN_NEGATIVES} needed to tell the classes apart"
        )
    return None


def skipped_id(cutoff: date) -> str:
    """One skipped run per cutoff: a later attempt on other data replaces it."""
    return f"line-{cutoff:%Y%m%d}-skipped"


def model_id_for(train: pd.DataFrame, cutoff: date) -> str:
    """Same training data and settings, same id: re-running a training changes nothing."""
    return f"line-{cutoff:%Y%m%d}-{_digest(train)}"


def fit(train: pd.DataFrame, cutoff: date) -> LineModel:
    x = train[FEATURES].to_numpy(dtype="float64")
    y = train["material"].to_numpy()
    classifier = lgb.train(
        CLASSIFIER_PARAMS, lgb.Dataset(x, y, feature_name=FEATURES, free_raw_data=False), CLASSIFIER_ROUNDS
    )
    positive = train[train["material"] == 1]
    fallback = float(positive["revenue"].mean()) if len(positive) else 0.0
    revenue = None
    if len(positive) >= MIN_REVENUE_POSITIVES:
        revenue = lgb.train(
            REVENUE_PARAMS,
            lgb.Dataset(
                positive[FEATURES].to_numpy(dtype="float64"), positive["revenue"].to_numpy(), feature_name=FEATURES
            ),
            REVENUE_ROUNDS,
        )
    return LineModel(model_id_for(train, cutoff), cutoff, classifier, revenue, fallback, list(FEATURES))


def save_run(
    con: duckdb.DuckDBPyConnection, model: LineModel, train: pd.DataFrame, warehouse_file: Path, purpose: str
) -> None:
    """Write the model files beside the warehouse and record the run in risk.model_runs (replacing the same id)."""
    folder = models_dir(warehouse_file)
    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / f"{model.model_id}.txt"
    model.classifier.save_model(str(model_path))
    revenue_path = None
    if model.revenue is not None:
        revenue_path = folder / f"{model.model_id}.revenue.txt"
        model.revenue.save_model(str(revenue_path))
    params = {
        "classifier": CLASSIFIER_PARAMS,
        "classifier_rounds": CLASSIFIER_ROUNDS,
        "revenue": REVENUE_PARAMS,
        "revenue_rounds": REVENUE_ROUNDS,
        "revenue_fallback_usd": model.revenue_fallback,
    }
    ensure_tables(con)
    con.execute("delete from risk.model_runs where model_id = ?", [model.model_id]).fetchall()
    _insert_run(
        con,
        model_id=model.model_id,
        purpose=purpose,
        train=train,
        cutoff=model.cutoff,
        params=json.dumps(params, sort_keys=True),
        features=model.features,
        model_path=str(model_path),
        revenue_model_path=None if revenue_path is None else str(revenue_path),
        status=TRAINED,
    )


def save_skipped(con: duckdb.DuckDBPyConnection, train: pd.DataFrame, cutoff: date, note: str) -> None:
    """Record that the cutoff's scoring model was not trained, and why (replacing the cutoff's previous skip)."""
    ensure_tables(con)
    con.execute("delete from risk.model_runs where model_id = ?", [skipped_id(cutoff)]).fetchall()
    _insert_run(
        con, model_id=skipped_id(cutoff), purpose="scoring", train=train, cutoff=cutoff, status=SKIPPED, note=note
    )


def _insert_run(con: duckdb.DuckDBPyConnection, train: pd.DataFrame, cutoff: date, **values) -> None:
    row = {
        **values,
        "trained_at": datetime.now(UTC),
        "train_from": train["filed_date"].min() if len(train) else None,
        "train_to": cutoff - timedelta(days=1),
        "cutoff": cutoff,
        "n_train": len(train),
        "n_positive": int(train["material"].sum()),
    }
    names = ", ".join(row)
    con.execute(
        f"insert into risk.model_runs ({names}) values ({', '.join('?' for _ in row)})", list(row.values())
    ).fetchall()


def load_model(con: duckdb.DuckDBPyConnection, model_id: str) -> LineModel:
    row = con.execute(
        "select cutoff, params, features, model_path, revenue_model_path from risk.model_runs where model_id = ?",
        [model_id],
    ).fetchall()[0]
    cutoff, params, features, model_path, revenue_path = row
    revenue = lgb.Booster(model_file=revenue_path) if revenue_path else None
    fallback = json.loads(params)["revenue_fallback_usd"]
    return LineModel(model_id, cutoff, lgb.Booster(model_file=model_path), revenue, fallback, list(features))


def weekly_cutoffs(last_filed: date, weeks: int) -> list[date]:
    """The Monday after the last filing day and the `weeks` Mondays before it, oldest first."""
    latest = last_filed + timedelta(days=7 - last_filed.weekday())
    return [latest - timedelta(weeks=w) for w in range(weeks, -1, -1)]


def scheduled_cutoffs(con: duckdb.DuckDBPyConnection, history_weeks: int) -> list[date]:
    """The weekly cutoffs trained for scoring (none before the first filed line)."""
    last = con.execute("select max(filed_date) from marts.fct_entry_lines").fetchall()[0][0]
    return [] if last is None else weekly_cutoffs(last, history_weeks)


def skipped_cutoffs(con: duckdb.DuckDBPyConnection, history_weeks: int) -> dict[str, str]:
    """{cutoff: why} for the scheduled cutoffs left without a scoring model."""
    ids = [skipped_id(cutoff) for cutoff in scheduled_cutoffs(con, history_weeks)]
    if not ids:
        return {}
    rows = con.execute(
        "select cast(cutoff as varchar), note from risk.model_runs where list_contains(?, model_id) order by cutoff",
        [ids],
    ).fetchall()
    return dict(rows)


def settled_cutoffs(con: duckdb.DuckDBPyConnection, cutoffs: list[date]) -> dict[date, tuple[str, str]]:
    """{cutoff: (model_id, status)} of the cutoffs whose latest run (a model or a skip) is settled: recorded after
    lines filed on or after the cutoff had been loaded, so its week was complete when it trained; or, for a cutoff
    no line has reached yet (the coming Monday's), any run at all, since it scores nothing until its week comes."""
    if not cutoffs:
        return {}
    latest = con.execute(query(__package__, "line_model_latest_runs"), {"cutoffs": cutoffs}).fetchall()
    settled = {}
    for cutoff, model_id, status, trained_at in latest:
        first_loaded = con.execute(
            "select min(loaded_at) from marts.fct_entry_lines where filed_date >= ?", [cutoff]
        ).fetchall()[0][0]
        if first_loaded is None or first_loaded < trained_at:
            settled[cutoff] = (model_id, status)
    return settled


def train_scheduled(
    con: duckdb.DuckDBPyConnection, warehouse_file: Path, history_weeks: int, retrain: bool = True
) -> list[str]:
    """Train the scoring model of each weekly cutoff (those already recorded with the same data are kept); a cutoff
    with too little training data gets a `skipped` run saying why, and no model. Returns the model ids in force,
    oldest first.

    With `retrain` off (a daily load) a settled cutoff keeps its run and nothing is read for it: a cutoff trains
    once when it first appears and once more on the first load after its Monday, so a day's load does not pay for
    reading and fitting every examined line of the history; outcomes arriving later for an old week are taken in by
    the weekly retraining (`retrain` on)."""
    ensure_tables(con)
    cutoffs = scheduled_cutoffs(con, history_weeks)
    if not cutoffs:
        return []
    settled = {} if retrain else settled_cutoffs(con, cutoffs)
    examined = None
    known = {r[0] for r in con.execute("select model_id from risk.model_runs").fetchall()}
    ids = []
    for cutoff in cutoffs:
        if cutoff in settled:
            model_id, status = settled[cutoff]
            if status == TRAINED:
                ids.append(model_id)
            continue
        examined = load_examined(con) if examined is None else examined
        train = training_lines(examined, cutoff)
        note = training_obstacle(train, cutoff)
        if note is not None:
            save_skipped(con, train, cutoff, note)
            continue
        model_id = model_id_for(train, cutoff)
        if model_id not in known:
            save_run(con, fit(train, cutoff), train, warehouse_file, "scoring")
        else:
            # The same data as a recorded run: keep its model, but mark it trained now so the cutoff counts as
            # settled once its week has come.
            con.execute(
                "update risk.model_runs set trained_at = ? where model_id = ?", [datetime.now(UTC), model_id]
            ).fetchall()
        # A skip recorded on earlier, thinner data no longer describes the cutoff.
        con.execute("delete from risk.model_runs where model_id = ?", [skipped_id(cutoff)]).fetchall()
        ids.append(model_id)
    return ids


def score_lines(con: duckdb.DuckDBPyConnection, model_ids: list[str], chunk_lines: int = CHUNK_LINES) -> int:
    """Bring risk.line_scores up to date: every line filed on or after the oldest model's cutoff, scored by the model
    with the latest cutoff on or before its filing date. Only what changed is scored: lines without a score by their
    model, and lines loaded again (a correction) since they were scored; scores of lines gone or now under another
    model are deleted. Scoring runs `chunk_lines` lines at a time, so memory is bounded by the chunk, not by the
    weeks in force (five weeks of full-scale lines in one frame took 23 GB and the OOM killer). One transaction:
    a failure leaves the scores as they were. Returns the number of lines scored by this call."""
    ensure_tables(con)
    con.execute("create or replace temp table risk_models_in_force (model_id varchar, cutoff date)").fetchall()
    if model_ids:
        con.executemany(
            "insert into risk_models_in_force select model_id, cutoff from risk.model_runs where model_id = ?",
            [[m] for m in model_ids],
        ).fetchall()
    con.execute("begin transaction").fetchall()
    try:
        con.execute(query(__package__, "line_model_assign")).fetchall()
        con.execute(query(__package__, "line_model_drop_stale")).fetchall()
        con.execute(query(__package__, "line_model_to_score")).fetchall()
        pending = con.execute("select count(*) from risk_to_score").fetchall()[0][0]
        for start in range(0, pending, chunk_lines):
            con.execute(
                "create or replace temp table risk_chunk as select entry_number, line_number, model_id "
                "from risk_to_score where chunk_position >= ? and chunk_position < ?",
                [start, start + chunk_lines],
            ).fetchall()
            _score_chunk(con)
        con.execute("commit").fetchall()
    except BaseException:
        con.execute("rollback").fetchall()
        raise
    return pending


def _score_chunk(con: duckdb.DuckDBPyConnection) -> None:
    """Score the lines of temp table risk_chunk (entry_number, line_number, model_id) into risk.line_scores."""
    frame = build_features(con, "risk_chunk")
    assigned = con.execute("select entry_number, line_number, model_id from risk_chunk").df()
    frame = frame.merge(assigned, on=["entry_number", "line_number"])
    for model_id, part in frame.groupby("model_id", sort=True):
        p, expected, why = load_model(con, str(model_id)).predict(part)
        scored = part[["entry_number", "line_number", "importer_number", "filed_date", "model_id"]].assign(
            p_material=p, expected_revenue_usd=expected, top_reasons=why
        )
        con.register("risk_scored_part", scored)
        con.execute(
            "insert into risk.line_scores by name select *, current_timestamp as scored_at from risk_scored_part"
        ).fetchall()
        con.unregister("risk_scored_part")
