"""The orchestration policy (orchestration/policy.py) and the table-asset factory (orchestration/table_assets.py):
definitions with a step outside the writers' pool are refused, and a factory-made asset opens the warehouse, passes
its config and reports what it wrote, suppressed cells counted one way."""

import dagster as dg
import pandas as pd
import pytest

from orchestration.policy import WRITER_POOL, Group, OutsideWriterPool, in_writer_pool
from orchestration.resources import WarehouseResource
from orchestration.table_assets import Written, estimates, table_asset

TEST_GROUP = Group("test")


def test_definitions_with_an_asset_outside_the_writer_pool_are_refused():
    @TEST_GROUP.asset(key=["test", "inside"])
    def inside() -> None:
        return None

    @dg.asset(key=["test", "outside"])
    def outside() -> None:
        return None

    assert in_writer_pool(dg.Definitions(assets=[inside])).assets == [inside]
    with pytest.raises(OutsideWriterPool, match="test__outside"):
        in_writer_pool(dg.Definitions(assets=[inside, outside]))


def test_a_group_sets_group_kinds_automation_and_pool():
    @TEST_GROUP.asset(key=["test", "table"], kinds={"duckdb"})
    def table() -> None:
        return None

    spec = next(iter(table.specs))
    assert (spec.group_name, set(spec.kinds), table.op.pool) == ("test", {"duckdb"}, WRITER_POOL)
    assert spec.automation_condition is TEST_GROUP.automation_condition is not None


def test_suppressed_rows_count_true_cells_only_and_an_empty_frame_is_zero():
    frame = pd.DataFrame({"suppressed": [True, None, False, True], "measure": ["b", "a", "a", None]})
    written = estimates(frame)
    assert (written.row_count, written.metadata["suppressed_rows"]) == (4, 2)
    assert written.metadata["measures"].value == "a, b"
    assert estimates(frame.iloc[0:0]).metadata["suppressed_rows"] == 0


class RowsConfig(dg.Config):
    rows: int = 2


def test_a_table_asset_writes_through_one_connection_with_its_config(tmp_path):
    def build(con, config: RowsConfig) -> Written:
        con.execute("create schema if not exists risk")
        con.execute(f"create or replace table risk.t as select range as i from range({config.rows})")
        return Written(con.execute("select count(*) from risk.t").fetchone()[0], {"asked": config.rows})

    asset = table_asset(TEST_GROUP, ["risk", "t"], build, deps=[], description="a test table", config=RowsConfig)
    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    result = dg.materialize(
        [asset], resources={"warehouse": warehouse}, run_config={"ops": {"risk__t": {"config": {"rows": 5}}}}
    )
    (materialization,) = result.asset_materializations_for_node("risk__t")
    assert materialization.metadata["row_count"].value == 5
    assert materialization.metadata["asked"].value == 5
    # The connection was closed at the end of the step: the file opens again, here, for writing.
    with warehouse.connect() as con:
        assert con.execute("select max(i) from risk.t").fetchone()[0] == 4
