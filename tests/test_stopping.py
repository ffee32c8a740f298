"""Clean stops and visible waits: SIGTERM stops `tradewh demo` and `tradewh ui` within 10 s and leaves no process
behind; a run that cannot get the warehouse in time gives up with one line. (That a second `tradewh run` on the same
warehouse says which run it waits for, then finishes, is tested on the reference run of tests/test_crash_recovery.py,
which a run of its own here would repeat: each run of the platform costs about a minute.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
TRADEWH = str(Path(sys.executable).with_name("tradewh"))
STOP_LIMIT_SECONDS = 10


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    return {**env, "GX_ANALYTICS_ENABLED": "False"}


def _session_processes(sid: int) -> list[str]:
    """Live processes of session `sid` (zombies waiting to be reaped do not count)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields[3] is the session id, fields[0] the state
            found.append(stat.parent.name)
    return found


def _stop(proc: subprocess.Popen) -> float:
    """SIGTERM the command alone (not its group, as a supervisor does); seconds until it and its session end."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    while _session_processes(proc.pid) and time.monotonic() - sent < 60:
        time.sleep(0.1)
    return time.monotonic() - sent


def _wait_for(predicate, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_ui_and_everything_it_started_within_seconds(tmp_path):
    port = _free_port()
    command = [TRADEWH, "ui", "--warehouse", str(tmp_path / "w.duckdb"), "--port", str(port)]
    with (tmp_path / "ui.log").open("w") as log:
        proc = subprocess.Popen(command, env=_env(tmp_path), stdout=log, stderr=log, start_new_session=True)
    try:
        _wait_for(lambda: _listening(port) or proc.poll() is not None, 180)
        assert proc.poll() is None, (tmp_path / "ui.log").read_text()[-3000:]
        assert len(_session_processes(proc.pid)) > 1  # dagster dev, its webserver, daemon and code servers
        assert _stop(proc) < STOP_LIMIT_SECONDS
        assert _session_processes(proc.pid) == []
        assert not _listening(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_sigterm_stops_the_demo_within_seconds(tmp_path):
    command = [TRADEWH, "demo", "--warehouse", str(tmp_path / "w.duckdb"), "--scale", "0.01"]
    with (tmp_path / "demo.log").open("w") as log:
        proc = subprocess.Popen(command, env=_env(tmp_path), stdout=log, stderr=log, start_new_session=True)
    try:
        # Inside the generator (it writes the landing folder day by day), then inside the run.
        _wait_for(lambda: (tmp_path / "demo-landing" / "entries").exists() or proc.poll() is not None, 60)
        time.sleep(1.0)
        assert proc.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
        assert _stop(proc) < STOP_LIMIT_SECONDS
        assert proc.returncode in (130, 143)
        assert _session_processes(proc.pid) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_run_that_cannot_get_the_warehouse_in_time_gives_up_with_one_line(tmp_path):
    from warehouse.writer_lock import writer_lock

    landing = tmp_path / "landing"
    (landing / "entries" / "2025-10-01").mkdir(parents=True)
    command = [TRADEWH, "run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"), "--wait", "1"]
    with writer_lock(tmp_path / "w.duckdb", wait_seconds=0):
        done = subprocess.run(command, env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 3
    assert done.stderr.strip().startswith("error: ") and "still in use by" in done.stderr
    assert "Traceback" not in done.stderr
