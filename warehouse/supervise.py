"""Run a server command (`dagster dev`) so that stopping `tradewh` stops everything it started, within seconds.

`dagster dev` starts a webserver, a daemon and code servers. Sent SIGTERM itself, it took about two minutes to wind
them down. Here it runs in a process group of its own; SIGINT or SIGTERM to `tradewh` is passed to that whole process
group, and whatever is still alive after a grace period is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 5.0


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(leader: subprocess.Popen, grace_seconds: float = GRACE_SECONDS) -> None:
    """SIGTERM the leader's process group, then SIGKILL what is left after `grace_seconds`."""
    _signal_group(leader.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    # poll() reaps the leader once it exits: a zombie would still count as a member of the group.
    while (leader.poll() is None or _group_alive(leader.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(leader.pid, signal.SIGKILL)


def run_supervised(command: list[str], grace_seconds: float = GRACE_SECONDS) -> int:
    """Run `command` in its own process group until it ends or this process is told to stop; returns its exit code (or
    128 + the signal that stopped it)."""
    # A process group of its own, in the caller's session: signals to the group reach every process it starts.
    child = subprocess.Popen(command, process_group=0)
    stop: list[int] = []

    def handler(signum, _frame):
        stop.append(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while child.poll() is None and not stop:
            time.sleep(0.2)
        if stop:
            print(f"\nstopping {command[0]} ({signal.Signals(stop[0]).name})", file=sys.stderr)
            stop_group(child, grace_seconds)
            child.wait()
            return 128 + stop[0]
        _signal_group(child.pid, signal.SIGKILL)  # the leader ended: nothing it started may outlive it
        return child.returncode
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
