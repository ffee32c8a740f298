"""Is the chosen engine there? Checked before a run starts, so a wrong URL or a missing Java costs a second and one
clear line, not a loaded warehouse and a failed dbt step."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from warehouse.engines.settings import POSTGRES, SPARK, Engine

CONNECT_TIMEOUT_SECONDS = 5


class EngineNotReady(RuntimeError):
    """The engine cannot be used as configured."""


def check_ready(engine: Engine) -> None:
    if engine.name == POSTGRES:
        import psycopg2

        try:
            psycopg2.connect(engine.postgres_url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        except psycopg2.Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise EngineNotReady(f"cannot connect to PostgreSQL at {engine.location}: {first}") from None
    elif engine.name == SPARK:
        if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
            raise EngineNotReady("--engine spark needs the `spark` extra: pip install 'trade-warehouse[spark]'")
        java_home = os.environ.get("JAVA_HOME")
        if shutil.which("java") is None and not (java_home and (Path(java_home) / "bin" / "java").exists()):
            raise EngineNotReady("--engine spark needs Java 17 or later (java on PATH, or $JAVA_HOME)")
