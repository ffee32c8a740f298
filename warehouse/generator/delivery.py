"""The delivery stage of the day loop: dirt, file splitting, encoding and writing of each day.

It runs beside the drawing of the next day, days strictly in order, so file names, sequence numbers and bytes do
not depend on timing. Big runs deliver in a forked process (a second core, no shared interpreter lock); small
ones on a thread (forking costs more than it saves there). Both run the same `Deliverer`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import pickle
import traceback
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pyarrow as pa

from warehouse.contract import FEEDS
from warehouse.generator import accounts, dirt, entries
from warehouse.generator.files import Writer, split

# Expected entry lines a day (85,000 entries x 2.5 lines at scale 1.0) from which a process pays off.
PROCESS_FROM_LINES = 20_000


# What the delivery stage reads of a `Day` (dirt: corrections and late entries; the corrections' truth lines).
DAY_FIELDS = (
    "index", "day", "importer", "port", "filed", "entry", "line", "hs_true", "origin_true", "value_true", "value",
    "order_true", "scheme", "duty", "deposit", "mpf", "duty_true", "deposit_true", "numbers",
)  # fmt: skip


def for_delivery(day):
    """The day without the arrays the delivery stage does not read (less to send to a writer process)."""
    return dataclasses.replace(day, **{f.name: None for f in dataclasses.fields(day) if f.name not in DAY_FIELDS})


class Deliverer:
    """Plants each day's dirt and writes its files; at the end the run's dirt and delivery truth.

    Day 1's account snapshots (the whole importer registry) depend only on the population: `prepare` builds them
    while the first day is drawn, when this stage would otherwise wait; day 1 arrives with those feeds as None.
    """

    def __init__(self, writer: Writer, pop, tariff, dirt_rate: float, start: date, days: int):
        self.writer, self.pop, self.tariff, self.start = writer, pop, tariff, start
        self.planter = dirt.Planter(pop, writer, dirt_rate, start, days)
        self.first_accounts: dict[str, pa.Table] = {}

    def prepare(self) -> None:
        self.first_accounts = accounts.accounts(self.pop, 0, entries.day_number(self.start))

    def day(self, index: int, delivered: date, day, tables: dict[str, pa.Table]) -> tuple[int, list[pa.Table]]:
        """Deliver the day's files; returns the truth lines of its corrections (the drawing side writes the day's
        truth lines, which it already holds, so they need not travel to this stage)."""
        if index == 0:
            tables.update(self.first_accounts)  # the keys are there already, so the feeds' order is kept
            self.first_accounts = {}
        corrections = self.planter.plant_day(index, delivered, day, self.tariff, tables)
        for feed in FEEDS:
            table = tables[feed]
            if FEEDS[feed].kind == "account" and table.num_rows == 0 and index > 0:
                continue
            for part in split(table, feed):
                self.planter.deliver(feed, index, delivered, part)
        return index, corrections

    def finish(self, truth_dir: Path) -> tuple[dict[str, int], int, dict[str, Path]]:
        """Rows per feed, files written, and the truth files of the planter."""
        files = self.planter.finish(truth_dir)
        return self.writer.summary.rows, self.writer.summary.files, files


class ThreadCourier:
    """Delivers on one background thread; at most two days in flight (the one drawn and the one delivered)."""

    def __init__(self, deliverer: Deliverer):
        self.deliverer = deliverer
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator-writer")
        self.jobs: deque[Future] = deque([self.pool.submit(deliverer.prepare)])

    def send(self, index: int, delivered: date, day, tables) -> list[tuple[int, list[pa.Table]]]:
        """Hand over a day; returns what the days delivered meanwhile returned (see `Deliverer.day`)."""
        self.jobs.append(self.pool.submit(self.deliverer.day, index, delivered, day, tables))
        done = []
        while len(self.jobs) > 1:  # the day before this one is delivered
            result = self.jobs.popleft().result()
            if result is not None:  # not `prepare`
                done.append(result)
        return done

    def finish(self, truth_dir: Path):
        """Rows per feed, files written, the planter's truth files, and the last days' results."""
        try:
            done = [result for result in (job.result() for job in self.jobs) if result is not None]
            self.jobs.clear()
            return (*self.deliverer.finish(truth_dir), done)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class ProcessCourier:
    """Delivers in a forked process that inherits the population; days go through a pipe as pickle protocol 5
    with out-of-band buffers (numpy and Arrow data are not copied into the pickle).

    A day is pushed into the pipe by a sender thread, so the drawing side never waits for the process to take it
    (on day 1 the process is still building the registry snapshots); it waits only for the day before to be
    delivered, as with the thread.
    """

    def __init__(self, deliverer: Deliverer):
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child, deliverer), daemon=True)
        self.process.start()
        child.close()
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator-sender")
        self.sending: Future | None = None
        self.sent = 0

    def send(self, index: int, delivered: date, day, tables) -> list[tuple[int, list[pa.Table]]]:
        self._sent_before()
        self.sending = self.sender.submit(_send, self.conn, ("day", (index, delivered, day, tables)))
        self.sent += 1
        # The process reads a day only after delivering the one before.
        return [self._reply("done")] if self.sent > 1 else []

    def finish(self, truth_dir: Path):
        self._sent_before()
        _send(self.conn, ("finish", truth_dir))
        done = [self._reply("done")] if self.sent else []
        result = self._reply("finished")
        self.close()
        return (*result, done)

    def close(self) -> None:
        self.conn.close()
        self.sender.shutdown(wait=True, cancel_futures=True)
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()

    def _sent_before(self) -> None:
        """Wait until the process has taken the day sent before."""
        if self.sending is None:
            return
        sending, self.sending = self.sending, None
        try:
            sending.result()
        except OSError:  # the process died: its error explains why
            self._reply("done")
            raise

    def _reply(self, expected: str):
        try:
            kind, value = self.conn.recv()
        except EOFError:
            raise RuntimeError(f"the generator's writer process died (exit code {self.process.exitcode})") from None
        if kind == "error":
            raise RuntimeError(f"the generator's writer process failed:\n{value}")
        assert kind == expected, (kind, expected)
        return value


def _send(conn, message) -> None:
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    conn.send_bytes(len(buffers).to_bytes(8, "little") + data)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def _receive(conn):
    head = conn.recv_bytes()
    count = int.from_bytes(head[:8], "little")
    buffers = [conn.recv_bytes() for _ in range(count)]
    return pickle.loads(memoryview(head)[8:], buffers=buffers)


def _serve(conn, deliverer: Deliverer) -> None:
    """The writer process: deliver days in order until told to finish; errors go back as text."""
    try:
        deliverer.prepare()
        while True:
            kind, payload = _receive(conn)
            if kind == "day":
                result = deliverer.day(*payload)
                del payload
                conn.send(("done", result))
            else:
                conn.send(("finished", deliverer.finish(payload)))
                return
    except BaseException:  # everything goes back to the parent, which raises it
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def courier(deliverer: Deliverer, lines_per_day: float):
    """A process for big days, a thread for small ones."""
    if lines_per_day >= PROCESS_FROM_LINES:
        return ProcessCourier(deliverer)
    return ThreadCourier(deliverer)
