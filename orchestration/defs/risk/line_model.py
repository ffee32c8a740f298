"""The line risk model as assets: profiles, weekly-cutoff models, line scores and the time-split evaluation; a
weekly schedule retrains and rescores."""

from datetime import date

import dagster as dg

from orchestration.defs.risk import RISK
from orchestration.policy import marts
from orchestration.resources import WarehouseResource
from orchestration.table_assets import Written, table_asset
from warehouse.risk import evaluation, line_model, profiles

OUTCOME_INPUTS = marts("fct_exams", "fct_entry_lines")
MODEL_INPUTS = [*OUTCOME_INPUTS, *marts("dim_adcvd_orders")]


def _profiles(con) -> Written:
    rows = profiles.build_current_profiles(con)
    dims = dict(con.execute("select dimension, count(*) from risk.profiles group by 1 order by 1").fetchall())
    return Written(rows, {"keys_per_dimension": dg.MetadataValue.json(dims)})


risk_profiles = table_asset(
    RISK,
    ["risk", "profiles"],
    _profiles,
    deps=OUTCOME_INPUTS,
    kinds={"duckdb"},
    description="Current smoothed discrepancy rate and revenue per exam of every importer, filer, manufacturer, HS "
    "level, origin, port and crossing, shrunk toward its parent.",
)


class ModelRunsConfig(dg.Config):
    history_weeks: int = 4  # weekly cutoffs trained before the latest one (lines filed since the oldest get scores)
    # Off for a daily load: each cutoff trains when it appears and once its week has come, then keeps its model.
    # On in the weekly retraining job: every cutoff whose training data changed (late outcomes) is trained again.
    retrain: bool = False


@RISK.asset(key=["risk", "model_runs"], deps=MODEL_INPUTS, kinds={"duckdb", "lightgbm"})
def risk_model_runs(
    context: dg.AssetExecutionContext, config: ModelRunsConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Train the line model for each weekly cutoff (Mondays) that needs it (every one whose data changed, in the
    weekly retraining); model files go to `models/` beside the warehouse, runs to risk.model_runs."""
    with warehouse.connect() as con:
        line_model.ensure_tables(con)
        before = con.execute("select count(*) from risk.model_runs").fetchall()[0][0]
        ids = line_model.train_scheduled(con, warehouse.warehouse_file, config.history_weeks, config.retrain)
        recorded = con.execute("select count(*) from risk.model_runs").fetchall()[0][0]
        latest = (
            con.execute(
                "select model_id, cutoff, n_train, n_positive from risk.model_runs where model_id = ?", [ids[-1]]
            ).fetchall()[0]
            if ids
            else None
        )
        skipped = line_model.skipped_cutoffs(con, config.history_weeks)
    context.log.info(f"models in force: {ids}")
    for cutoff, note in skipped.items():
        context.log.warning(f"no model for cutoff {cutoff}: {note}")
    metadata = {
        "models_in_force": len(ids),
        "runs_added": recorded - before,
        "retrain": config.retrain,
        "cutoffs_skipped": dg.MetadataValue.json(skipped),
    }
    if latest:
        metadata.update(latest_model=latest[0], latest_cutoff=str(latest[1]), n_train=latest[2], n_positive=latest[3])
    return dg.MaterializeResult(metadata=metadata)


def _line_scores(con) -> Written:
    line_model.ensure_tables(con)
    # Per cutoff, the latest training (a re-run on corrected data adds a newer model for the same week); a cutoff
    # skipped for lack of data has no model, and its lines no score.
    ids = [
        r[0]
        for r in con.execute(
            "select arg_max(model_id, trained_at) from risk.model_runs where purpose = 'scoring' and status = ? "
            "group by cutoff order by cutoff",
            [line_model.TRAINED],
        ).fetchall()
    ]
    scored = line_model.score_lines(con, ids)
    rows = con.execute("select count(*) from risk.line_scores").fetchall()[0][0]
    return Written(rows, {"lines_scored_now": scored, "models_used": len(ids)})


risk_line_scores = table_asset(
    RISK,
    ["risk", "line_scores"],
    _line_scores,
    deps=[dg.AssetKey(["risk", "model_runs"]), *MODEL_INPUTS],
    kinds={"duckdb", "lightgbm"},
    description="P(material discrepancy), expected revenue at stake and top reasons of every line filed since the "
    "oldest model in force, each by the latest model trained before its filing day; only new and corrected lines (and "
    "lines whose model changed) are scored on a run.",
)


class EvaluationConfig(dg.Config):
    cutoff: str | None = None  # YYYY-MM-DD; default: the Monday leaving ~30% of the examined lines after it
    # Off for a daily load: an evaluation already recorded for the default cutoff is kept (the cutoff moves a
    # Monday at a time, so it is re-evaluated about weekly); on in the weekly retraining job.
    reevaluate: bool = False


@RISK.asset(key=["risk", "model_evaluation"], deps=[*MODEL_INPUTS, *marts("dim_rules")], kinds={"duckdb", "lightgbm"})
def risk_model_evaluation(
    context: dg.AssetExecutionContext, config: EvaluationConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Precision, recall and revenue captured at 1, 2, 5 and 10% of the examined lines after a cutoff, for the
    model trained before it, the targeting rules alone and random selection; plus AUC."""
    with warehouse.connect() as con:
        try:
            cutoff = date.fromisoformat(config.cutoff) if config.cutoff else evaluation.default_cutoff(con)
            if not (config.cutoff or config.reevaluate) and evaluation.recorded(con, cutoff):
                context.log.info(f"the evaluation of {cutoff} is recorded; kept until the weekly retraining")
                return dg.MaterializeResult(metadata={"cutoff": str(cutoff), "kept": True})
            result = evaluation.evaluate(con, warehouse.warehouse_file, cutoff)
        except ValueError as error:
            # Too little history for a time split (a new warehouse): nothing to report yet, the rest of the run
            # goes on; an explicit bad cutoff still fails.
            if config.cutoff:
                raise
            evaluation.ensure_evaluation_table(con)
            context.log.warning(f"no evaluation: {error}")
            return dg.MaterializeResult(metadata={"skipped": str(error)})
    context.log.info("\n" + result.table())
    at5 = {s: round(float(result.metrics[s]["precision_at_5"]), 4) for s in evaluation.SELECTORS}
    return dg.MaterializeResult(
        metadata={
            "cutoff": str(cutoff),
            "model_id": result.model_id,
            "n_test_lines": len(result.test),
            "precision_at_5": dg.MetadataValue.json(at5),
            "auc_model": round(float(result.metrics["model"]["auc"]), 4),
        }
    )


risk_retrain_job = dg.define_asset_job(
    "risk_retrain_job",
    selection=dg.AssetSelection.assets(risk_model_runs, risk_line_scores, risk_model_evaluation).downstream(),
    description="Retrain the line model on the outcomes known today, re-evaluate it and rescore the lines (then "
    "everything that reads the scores).",
    config={
        "ops": {
            "risk__model_runs": {"config": {"retrain": True}},
            "risk__model_evaluation": {"config": {"reevaluate": True}},
        }
    },
)

risk_retrain_schedule = dg.ScheduleDefinition(
    job=risk_retrain_job,
    cron_schedule="0 4 * * 1",  # Mondays 04:00 UTC: the new week's cutoff, after the nightly loads
    execution_timezone="UTC",
)
