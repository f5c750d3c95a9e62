"""Benchmarks of the collector service: durable, idempotent ingestion against the bare stack."""
