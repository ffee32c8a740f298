"""Dagster definitions by domain: feeds (ingestion), warehouse (dbt), quality, risk, metrics."""
