"""Account risk: one score per importer number and per resolved entity (risk.account_scores, risk.entity_scores)."""

import dagster as dg

from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, marts
from orchestration.resources import WarehouseResource
from warehouse.risk.account_risk import build_account_scores

ACCOUNT_INPUTS = [
    *marts("mart_importer_accounts", "fct_exams", "fct_entry_lines"),
    *marts("fct_penalties", "fct_seizures", "fct_audits"),
    dg.AssetKey(["risk", "line_scores"]),
    dg.AssetKey(["risk", "importer_entities"]),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["risk", "account_scores"],
            deps=ACCOUNT_INPUTS,
            group_name="risk",
            kinds={"duckdb", "python"},
            automation_condition=EAGER_WHEN_CHECKS_PASS,
            description="One risk score (0-100) per importer number, with its band and top reasons in words.",
        ),
        dg.AssetSpec(
            ["risk", "entity_scores"],
            deps=ACCOUNT_INPUTS,
            group_name="risk",
            kinds={"duckdb", "python"},
            automation_condition=EAGER_WHEN_CHECKS_PASS,
            description="The same score per resolved entity, pooling the history of all its importer numbers.",
        ),
    ],
    pool=WRITER_POOL,
)
def account_scores(warehouse: WarehouseResource):
    """Score every importer account and every resolved entity from its exam history, its lines' model scores and
    its enforcement record (penalties, seizures, audit findings, decayed by age)."""
    with warehouse.connect() as con:
        accounts, entities = build_account_scores(con)
    for key, frame in ((["risk", "account_scores"], accounts), (["risk", "entity_scores"], entities)):
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "row_count": len(frame),
                "bands": dg.MetadataValue.json({str(band): int(n) for band, n in frame["band"].value_counts().items()}),
                "as_of_date": str(frame["as_of_date"].iloc[0]) if len(frame) else "none",
            },
        )
