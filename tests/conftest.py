"""Session set-up shared by every test module."""

import os


def pytest_configure(config):
    # No usage statistics leave the machine from dbt or Great Expectations, whoever invokes them.
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # Modules that import the Dagster definitions need the dbt manifest at collection time; a fresh checkout has
    # none, so parse the dbt project once before collecting (a no-op when the manifest is current).
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
