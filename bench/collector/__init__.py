"""Benchmarks of the collector service (issue: durable, idempotent ingestion)."""
