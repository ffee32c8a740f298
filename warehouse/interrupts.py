"""Clean stops for long commands: SIGTERM behaves like Ctrl-C, and a second signal exits at once.

The first SIGINT or SIGTERM raises KeyboardInterrupt in the main thread, so the command unwinds: Dagster stops the
step, the runner marks its runs canceled and frees the writer pool, DuckDB rolls back what was not committed. A
second signal (an impatient user, a supervisor's follow-up) ends the process immediately with the usual 128 + signal
status, when Python gets to run the handler (between bytecodes of the main thread; Dagster handles signals itself
inside a step): nothing is left that a later run could not repair (see docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(KeyboardInterrupt):
    """The command was asked to stop by a signal; `exit_code` is the shell's 128 + signal number. Without a known
    signal (Dagster handled it inside a run, and maps SIGTERM to SIGINT there) it reads as SIGINT's 130."""

    def __init__(self, signum: int | None = None):
        super().__init__(signal.Signals(signum).name if signum else "an interrupt")
        self.exit_code = 128 + (signum or signal.SIGINT)


# Signals received inside `stop_on_signals`: code that catches interrupts itself (Dagster turns one into a failed
# run and returns) asks `stop_requested` whether to go on.
_received: list[int] = []


def stop_requested() -> int | None:
    """The first stop signal received, or None."""
    return _received[0] if _received else None


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Stopped` once, then exit the process at once."""

    def handler(signum, _frame):
        _received.append(signum)
        if len(_received) > 1:
            os._exit(128 + signum)
        print(f"\nstopping ({signal.Signals(signum).name}); send it again to exit at once", file=sys.stderr)
        raise Stopped(signum)

    _received.clear()
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        # After a stop, the process still joins its threads and child processes on the way out (a second or two):
        # a further signal then ends it at once instead of waiting for that.
        stopping = bool(_received)
        for sig, old in previous.items():
            signal.signal(sig, _exit_now if stopping else old)
        _received.clear()


def _exit_now(signum, _frame) -> None:
    os._exit(128 + signum)
