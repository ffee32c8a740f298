"""A dbt that does not end on the SIGINT an interrupt forwards to it (one arriving while dbt starts up can be lost) is
killed after `DBT_STOP_SECONDS`, and the step fails as interrupted, so `tradewh run` reports a stop, not a failure.
A stand-in dbt that ignores SIGINT plays the lost signal; the asset and dagster-dbt are the real ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent(
    """
    import sys
    import dagster as dg
    from orchestration.dbt_project import prepare_manifest
    prepare_manifest()
    from orchestration.defs.warehouse.dbt_models import WarehouseDbtResource, warehouse_models
    from orchestration.dbt_project import dbt_project
    from orchestration.resources import WarehouseResource
    result = dg.materialize(
        [warehouse_models],
        resources={
            "dbt": WarehouseDbtResource(project_dir=dbt_project, dbt_executable=sys.argv[1]),
            "warehouse": WarehouseResource(),
        },
        raise_on_error=False,
    )
    failures = [e.step_failure_data.error.cls_name for e in result.all_events if e.is_step_failure]
    print("FAILURES", failures, flush=True)
    """
)


def test_a_dbt_that_ignores_the_forwarded_sigint_is_killed_and_the_step_reads_as_interrupted(tmp_path):
    from orchestration.defs.warehouse.dbt_models import DBT_STOP_SECONDS

    deaf_dbt = tmp_path / "dbt"
    started = tmp_path / "started"
    deaf_dbt.write_text(
        f"#!{sys.executable}\n"
        "import signal, time, os, pathlib\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        f"pathlib.Path({str(started)!r}).write_text(str(os.getpid()))\n"
        "time.sleep(120)\n"
    )
    deaf_dbt.chmod(0o755)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "TRADEWH_WAREHOUSE": str(tmp_path / "w.duckdb")}
    (tmp_path / "dagster").mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(deaf_dbt)],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not started.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), child.communicate()[0][-3000:]
    time.sleep(0.5)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    stopped_after = time.monotonic() - sent
    dbt_pid = int(started.read_text())
    assert "FAILURES ['DagsterExecutionInterruptedError']" in out, out[-3000:]
    assert stopped_after < DBT_STOP_SECONDS + 10
    with pytest.raises(ProcessLookupError):
        os.kill(dbt_pid, 0)  # the stand-in dbt was killed, not left running on the warehouse
