"""Benchmark: the same generated days built by `tradewh run` on each engine (issue 18), from an empty warehouse.

    .venv/bin/python benchmarks/engines.py --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/engines.py --days 3 --scale 0.01 --engines duckdb,postgres --keep /tmp/engines

Each engine gets a fresh warehouse (and a fresh PostgreSQL database, or a fresh Spark folder) and one `tradewh run
--engine <name>` in a child process. Measured:
- wall time of the run;
- CPU seconds (user + system) of the run's process tree: the loader, Dagster, dbt, and for Spark the JVM dbt starts
  (a waited-for child's CPU counts to its parent);
- peak resident memory of the run's process tree, the sum over its processes, sampled every half second;
- the engine's own processes: for PostgreSQL the server's, which are not the run's children (their CPU: the
  postmaster's counters include the backends it reaped; the peak of their summed resident memory, which overstates:
  shared buffers count in every backend that touched them); for Spark the JVMs in the run's tree (their CPU when last
  seen, their summed peak memory), which the run's figures include too; DuckDB runs inside the run's processes;
- the slowest Dagster steps, from the run's event log.

Prints a Markdown section; paste it into benchmarks/results.md with the machine's load. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.run_day import _slowest_steps, _tail

BIN = Path(sys.executable).parent
SAMPLE_SECONDS = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
STEPS_SHOWN = 6
# The run's own lines on what crossed between the warehouse file and the engine, and how long it took.
EXCHANGE_LINES = ("shipped to ", "extracted ", " back to ", "published schemas ")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state on: the name may hold spaces


def _rss_kib(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[21]) * PAGE_KIB if fields else 0


def _cpu_seconds(pid: int, with_children: bool = True) -> float:
    fields = _stat(pid)
    if not fields:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if with_children else 0)
    return ticks / CLOCK_TICKS


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _tree(root: int) -> list[int]:
    tree, found, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(tree.get(pid, []))
    return found


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Samples, until stopped, the summed resident memory of the process trees under `roots`, and of the JVMs in
    the first tree (Spark's engine: dbt's session, the platform's registrations) with the CPU each JVM had used when
    last seen (a JVM that pyspark ends is not always waited for, so its CPU may not reach the run's counters)."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.peaks, self.done = roots, [0] * len(roots), threading.Event()
        self.jvm_peak, self.jvm_cpu = 0, {}

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            for index, root in enumerate(self.roots):
                pids = _tree(root)
                self.peaks[index] = max(self.peaks[index], sum(_rss_kib(pid) for pid in pids))
                if index == 0:
                    jvms = [pid for pid in pids if _name(pid) == "java"]
                    self.jvm_peak = max(self.jvm_peak, sum(_rss_kib(pid) for pid in jvms))
                    self.jvm_cpu.update({pid: _cpu_seconds(pid) for pid in jvms})


@dataclass
class Measured:
    engine: str
    rc: int
    wall: float
    cpu: float
    peak_mib: float
    server_cpu: float | None = None
    server_peak_mib: float | None = None
    output: str = ""


def _postmaster(url: str) -> int:
    """The PostgreSQL server's main process (the parent of this connection's backend): it must run on this machine."""
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("select pg_backend_pid()")
        backend = cur.fetchone()[0]
    fields = _stat(backend)
    if fields is None:
        raise SystemExit("the PostgreSQL server must run on this machine to be measured")
    return int(fields[1])


def _fresh_database(admin_url: str) -> str:
    import psycopg2

    name = f"tradewh_bench_{uuid.uuid4().hex[:8]}"
    con = psycopg2.connect(admin_url)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"create database {name}")
    con.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def measure(engine: str, landing: Path, folder: Path, env: dict[str, str], postgres_url: str | None) -> Measured:
    folder.mkdir(parents=True)
    env = {**env, "DAGSTER_HOME": str(folder / "dagster")}
    command = [str(BIN / "tradewh"), "run", "--warehouse", str(folder / "wh.duckdb"), "--landing", str(landing)]
    command += ["--engine", engine]
    server = None
    if engine == "postgres":
        assert postgres_url is not None
        env["TRADEWH_POSTGRES_URL"] = _fresh_database(postgres_url)
        server = _postmaster(postgres_url)
    if engine == "spark":
        env["TRADEWH_SPARK_WAREHOUSE"] = str(folder / "spark")
    server_cpu_before = _cpu_seconds(server) if server else 0.0
    before = os.times()
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = Sampler([child.pid] + ([server] if server else []))
    sampler.start()
    output, _ = child.communicate()
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    after = os.times()
    measured = Measured(
        engine,
        child.returncode,
        wall,
        (after.children_user - before.children_user) + (after.children_system - before.children_system),
        sampler.peaks[0] / 1024,
        output=output,
    )
    if server:
        measured.server_cpu = _cpu_seconds(server) - server_cpu_before
        measured.server_peak_mib = sampler.peaks[1] / 1024
    elif sampler.jvm_cpu:
        measured.server_cpu = sum(sampler.jvm_cpu.values())
        measured.server_peak_mib = sampler.jvm_peak / 1024
    return measured


def _row(m: Measured) -> str:
    server = f"{m.server_cpu:.1f} | {m.server_peak_mib:,.0f}" if m.server_cpu is not None else "- | -"
    return f"| {m.engine} | {m.rc} | {m.wall:.1f} | {m.cpu:.1f} | {m.peak_mib:,.0f} | {server} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--start", default="2025-10-01")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--engines", default="duckdb,postgres,spark")
    parser.add_argument("--postgres-url", help="a server on this machine where a fresh database may be created")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder, removed)")
    args = parser.parse_args()
    engines = args.engines.split(",")
    if "postgres" in engines and not args.postgres_url:
        parser.error("--postgres-url is needed to measure postgres")

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="engines_"))
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "GX_ANALYTICS_ENABLED": "False"}
    try:
        landing = root / "landing"
        generate = [str(BIN / "tradewh"), "generate", "--out", str(landing), "--start", args.start]
        generate += ["--days", str(args.days), "--scale", str(args.scale), "--seed", str(args.seed)]
        subprocess.run(generate, env=env, check=True, capture_output=True)
        shutil.rmtree(landing / "truth", ignore_errors=True)
        lines = sum(1 for p in (landing / "entries").rglob("*.csv") for _ in p.open(encoding="utf-8"))
        lines -= sum(1 for _ in (landing / "entries").rglob("*.csv"))
        print(f"## Engines: `tradewh run --engine`, {args.days} days at scale {args.scale} ({lines:,} entry lines)\n")
        print(f"load average before: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores\n")
        results = []
        for engine in engines:
            results.append(measure(engine, landing, root / engine, env, args.postgres_url))
        print("| engine | rc | wall s | CPU s (run) | peak RSS MiB (run) | CPU s (engine) | peak RSS MiB (engine) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for measured in results:
            print(_row(measured))
        for measured in results:
            steps = _slowest_steps(root / measured.engine / "dagster")[:STEPS_SHOWN]
            print(f"\n{measured.engine}, slowest steps (wall s): " + ", ".join(f"{s} {t:.1f}" for t, s in steps))
            for line in measured.output.splitlines():
                if any(marker in line for marker in EXCHANGE_LINES):
                    print(f"- {line.split(' - ')[-1]}")
            if measured.rc:
                print("\n```\n" + _tail(measured.output) + "\n```")
        return max(m.rc for m in results)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
