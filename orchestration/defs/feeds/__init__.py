"""Ingestion: the static reference tables and one delivery-date-partitioned asset per contract feed."""
