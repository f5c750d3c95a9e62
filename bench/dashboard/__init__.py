"""Benchmarks of the dashboard data endpoint (see docs/benchmarks.md, section Dashboard)."""
