"""Account risk: one score per importer number and per resolved entity (risk.account_scores, risk.entity_scores)."""

import dagster as dg
import pandas as pd

from orchestration.defs.risk import RISK
from orchestration.policy import marts
from orchestration.table_assets import Written, tables_asset
from warehouse.risk.account_risk import build_account_scores

ACCOUNT_INPUTS = [
    *marts("mart_importer_accounts", "fct_exams", "fct_entry_lines"),
    *marts("fct_penalties", "fct_seizures", "fct_audits"),
    dg.AssetKey(["risk", "line_scores"]),
    dg.AssetKey(["risk", "importer_entities"]),
]


def _scores(frame: pd.DataFrame) -> Written:
    return Written(
        len(frame),
        {
            "bands": dg.MetadataValue.json({str(band): int(n) for band, n in frame["band"].value_counts().items()}),
            "as_of_date": str(frame["as_of_date"].iloc[0]) if len(frame) else "none",
        },
    )


def _account_scores(con) -> dict[str, Written]:
    accounts, entities = build_account_scores(con)
    return {"account_scores": _scores(accounts), "entity_scores": _scores(entities)}


# Scored from each importer's exam history, its lines' model scores and its enforcement record (penalties,
# seizures, audit findings, decayed by age); the entity scores pool the importer numbers of one entity.
account_scores = tables_asset(
    RISK,
    "account_scores",
    {
        "account_scores": "One risk score (0-100) per importer number, with its band and top reasons in words.",
        "entity_scores": "The same score per resolved entity, pooling the history of all its importer numbers.",
    },
    _account_scores,
    schema="risk",
    deps=ACCOUNT_INPUTS,
)
