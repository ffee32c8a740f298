"""Evaluation of the line risk model as the field reports it, on a time split.

Train on outcomes completed before the cutoff; test on every line filed on or after it that was examined for any
reason (label: any exam of the line found a material discrepancy; revenue: correct - declared duty). Rank the test
lines by a selector's score and take the top k% (k = 1, 2, 5, 10):

    precision@k = material lines in the top k% / lines in the top k%
    recall@k    = material lines in the top k% / material test lines
    revenue@k   = revenue of the top k% / revenue of all test lines

k% of N lines is k*N/100 lines, fractional if need be, and lines tied on a score at the boundary are taken in
proportion (the expected value of breaking ties at random), so a coarse score (the rules: most lines score 0) is
neither flattered nor penalised by an arbitrary order. Selectors: `model` (P(material)), `rules`
(warehouse.risk.rule_baseline) and `random`: the analytic expectation of random selection, i.e. one constant score
through the same formulas (precision = base rate, recall@k = revenue@k = k%, AUC 0.5). AUC counts ties as half.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import rankdata

from warehouse.risk.line_model import (
    MIN_POSITIVES,
    ensure_tables,
    fit,
    held_out_lines,
    load_examined,
    save_run,
    training_lines,
    training_obstacle,
)
from warehouse.risk.rule_baseline import rule_scores
from warehouse.sql_files import query

K_PCTS = (1, 2, 5, 10)
SELECTORS = ("model", "rules", "random")
EVALUATION_COLUMNS = """
    cutoff date, selector varchar, k_pct integer, precision double, recall double, revenue_share double, auc double,
    n_test_lines bigint, n_test_positive bigint, model_id varchar, test_from date, test_to date,
    evaluated_at timestamp with time zone
"""


def at_k(score: np.ndarray, label: np.ndarray, revenue: np.ndarray, k_pct: float) -> tuple[float, float, float]:
    """(precision, recall, revenue share) of the top k_pct% of lines by score, boundary ties taken pro rata."""
    take = len(score) * k_pct / 100.0
    # One group per distinct score, highest first: its size, material lines and revenue.
    values, group = np.unique(-np.asarray(score, dtype="float64"), return_inverse=True)
    sizes = np.bincount(group, minlength=len(values)).astype("float64")
    pos = np.bincount(group, weights=label.astype("float64"), minlength=len(values))
    rev = np.bincount(group, weights=revenue.astype("float64"), minlength=len(values))
    before = np.cumsum(sizes) - sizes
    share = np.clip((take - before) / sizes, 0.0, 1.0)
    positives = float((share * pos).sum())
    found = float((share * rev).sum())
    total_pos, total_rev = float(label.sum()), float(revenue.sum())
    precision = positives / take if take > 0 else float("nan")
    recall = positives / total_pos if total_pos > 0 else float("nan")
    revenue_share = found / total_rev if total_rev != 0 else float("nan")
    return precision, recall, revenue_share


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted as half)."""
    positives = int(label.sum())
    negatives = len(label) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[label == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass
class Evaluation:
    cutoff: date
    model_id: str
    test: pd.DataFrame  # test lines with label, revenue and one score column per selector
    metrics: dict[str, dict[str, float | str]]

    def to_json(self) -> dict:
        return self.metrics

    def table(self) -> str:
        n, pos = len(self.test), int(self.test["material"].sum())
        lines = [
            f"cutoff {self.cutoff}  model {self.model_id}  test lines {n:,}  material {pos:,} ({pos / n:.2%})",
            f"{'selector':<8} "
            + " ".join(f"{'P@' + str(k):>7} {'R@' + str(k):>7} {'$@' + str(k):>7}" for k in K_PCTS)
            + f" {'AUC':>6}",
        ]
        for selector in SELECTORS:
            m = self.metrics[selector]
            cells = " ".join(
                f"{m[f'precision_at_{k}']:>7.3f} {m[f'recall_at_{k}']:>7.3f} {m[f'revenue_at_{k}']:>7.3f}"
                for k in K_PCTS
            )
            lines.append(f"{selector:<8} {cells} {m['auc']:>6.3f}")
        return "\n".join(lines)


def selector_metrics(score: np.ndarray, label: np.ndarray, revenue: np.ndarray) -> dict[str, float | str]:
    # float | str: the caller adds the test's cutoff date beside the measures.
    out: dict[str, float | str] = {}
    for k in K_PCTS:
        out[f"precision_at_{k}"], out[f"recall_at_{k}"], out[f"revenue_at_{k}"] = at_k(score, label, revenue, k)
    out["auc"] = auc(score, label)
    return out


def evaluate(
    con: duckdb.DuckDBPyConnection,
    warehouse_file: Path,
    cutoff: date,
    until: date | None = None,
    record_results: bool = True,
) -> Evaluation:
    """Train a model on outcomes before `cutoff` (recorded in risk.model_runs, purpose 'evaluation'), score the
    lines examined after it with the model, the rules and random selection, and record risk.model_evaluation.
    With `record_results` False nothing is written (the `tradewh risk evaluate` command, on the read-only copy)."""
    # Refuse early (before building features) when the history before the cutoff is too thin.
    positives = con.execute(query(__package__, "evaluation_known_positives"), {"cutoff": cutoff}).fetchall()[0][0]
    if positives < MIN_POSITIVES:
        raise ValueError(f"only {positives} material lines before {cutoff}: too few to train")
    examined = load_examined(con)
    train = training_lines(examined, cutoff)
    test = held_out_lines(examined, cutoff, until)
    if int(train["material"].sum()) != positives:
        raise RuntimeError("training labels disagree with the exams before the cutoff")
    obstacle = training_obstacle(train, cutoff)
    if obstacle is not None:
        raise ValueError(obstacle)
    if test.empty:
        raise ValueError(f"no examined lines filed on or after {cutoff}")
    # The split itself, checked on the data: no line is on both sides and none crosses the cutoff.
    if not pd.to_datetime(train["filed_date"]).max() < pd.Timestamp(cutoff) <= pd.to_datetime(test["filed_date"]).min():
        raise RuntimeError("the training and test windows overlap")
    model = fit(train, cutoff)
    if record_results:
        save_run(con, model, train, warehouse_file, "evaluation")
    p, _, _ = model.predict(test, with_reasons=False)
    test = test.assign(
        score_model=p, score_rules=rule_scores(con, test, cutoff).to_numpy(), score_random=np.zeros(len(test))
    )
    label, revenue = test["material"].to_numpy(), test["revenue"].to_numpy()
    metrics = {s: selector_metrics(test[f"score_{s}"].to_numpy(), label, revenue) for s in SELECTORS}
    for values in metrics.values():
        values.update(n_test_lines=len(test), n_test_positive=int(label.sum()), cutoff=str(cutoff))
    result = Evaluation(cutoff, model.model_id, test, metrics)
    if record_results:
        record(con, result)
    return result


def ensure_evaluation_table(con: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(con)
    con.execute(f"create table if not exists risk.model_evaluation ({EVALUATION_COLUMNS})").fetchall()


def recorded(con: duckdb.DuckDBPyConnection, cutoff: date) -> bool:
    """Whether risk.model_evaluation holds an evaluation of `cutoff`."""
    ensure_evaluation_table(con)
    return con.execute("select count(*) from risk.model_evaluation where cutoff = ?", [cutoff]).fetchall()[0][0] > 0


def record(con: duckdb.DuckDBPyConnection, result: Evaluation) -> None:
    """Replace the cutoff's rows in risk.model_evaluation."""
    ensure_evaluation_table(con)
    con.execute("delete from risk.model_evaluation where cutoff = ?", [result.cutoff]).fetchall()
    n, pos = len(result.test), int(result.test["material"].sum())
    now = datetime.now(UTC)
    first, last = result.test["filed_date"].min(), result.test["filed_date"].max()
    rows = []
    for selector in SELECTORS:
        m = result.metrics[selector]
        for k in K_PCTS:
            rows.append(
                [
                    result.cutoff,
                    selector,
                    k,
                    m[f"precision_at_{k}"],
                    m[f"recall_at_{k}"],
                    m[f"revenue_at_{k}"],
                    m["auc"],
                    n,
                    pos,
                    result.model_id,
                    first,
                    last,
                    now,
                ]
            )
    con.executemany("insert into risk.model_evaluation values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows).fetchall()


def write_json(result: Evaluation, path: Path) -> None:
    path.write_text(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n")


def default_cutoff(con: duckdb.DuckDBPyConnection, test_share: float = 0.3) -> date:
    """The Monday on or before the filing date that leaves about `test_share` of the examined lines after it."""
    day = con.execute(query(__package__, "evaluation_filing_quantile"), {"share": 1 - test_share}).fetchall()[0][0]
    if day is None:
        raise ValueError("no examined lines in the warehouse")
    return day - pd.Timedelta(days=day.weekday()).to_pytimedelta()
