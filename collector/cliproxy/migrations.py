"""The CLIProxy database schema as named migrations, applied in order and never edited once shipped.

The runner is `collector.migrations` (shared with the coding-agent tables).
"""

from __future__ import annotations

import sqlite3

from collector.migrations import Migrations

MIGRATIONS = Migrations()
migration = MIGRATIONS  # the decorator
migrate = MIGRATIONS.migrate


@migration
def m001_requests(db: sqlite3.Connection) -> None:
    """One row per CLIProxy request; `dedup_key` makes a re-read or a replayed export count once."""
    db.executescript(
        """
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            dedup_key BLOB NOT NULL UNIQUE,
            ts_ms INTEGER NOT NULL,
            stat_date TEXT NOT NULL,
            era TEXT NOT NULL,
            api_key TEXT NOT NULL,
            model TEXT NOT NULL,
            alias TEXT,
            provider TEXT,
            endpoint TEXT,
            source TEXT,
            auth_index TEXT,
            request_id TEXT,
            failed INTEGER NOT NULL,
            status_code INTEGER,
            latency_ms INTEGER,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            cost_usd TEXT,
            cost_micro INTEGER,
            pricing_status TEXT NOT NULL,
            pricing_source TEXT,
            priced_model TEXT
        );
        CREATE INDEX requests_window ON requests (ts_ms, model, total_tokens);
        CREATE TABLE daily_usage (
            stat_date TEXT NOT NULL,
            model TEXT NOT NULL,
            api_key TEXT NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0,
            success INTEGER NOT NULL DEFAULT 0,
            failure INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            total_tokens INTEGER NOT NULL DEFAULT 0,
            cost_micro INTEGER NOT NULL DEFAULT 0,
            unpriced_requests INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (stat_date, model, api_key)
        ) WITHOUT ROWID;
        """
    )


@migration
def m002_snapshots(db: sqlite3.Connection) -> None:
    """Legacy polls: the snapshot (keys masked, details counted not copied) and per key+model rows.

    `rest_*` is what the details do not explain (a server that sends none): the seed's delta rules
    run on it, into `daily_snapshot_stats` keyed by the poll's local date.
    """
    db.executescript(
        """
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            fetched_ms INTEGER NOT NULL,
            total_requests INTEGER NOT NULL,
            success_count INTEGER NOT NULL,
            failure_count INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            rest_requests INTEGER NOT NULL,
            rest_success INTEGER NOT NULL,
            rest_failure INTEGER NOT NULL,
            rest_tokens INTEGER NOT NULL,
            raw TEXT NOT NULL
        );
        CREATE INDEX snapshots_time ON snapshots (fetched_ms);
        CREATE TABLE snapshot_models (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
            api_key TEXT NOT NULL,
            model TEXT NOT NULL,
            request_count INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            rest_requests INTEGER NOT NULL,
            rest_tokens INTEGER NOT NULL,
            PRIMARY KEY (snapshot_id, api_key, model)
        );
        CREATE TABLE daily_snapshot_stats (
            stat_date TEXT PRIMARY KEY,
            total_requests INTEGER NOT NULL,
            success_count INTEGER NOT NULL,
            failure_count INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            breakdown TEXT NOT NULL,
            updated_ms INTEGER NOT NULL
        );
        """
    )


@migration
def m003_rate_limits(db: sqlite3.Connection) -> None:
    """Rate-limit configs (the seed's columns plus a name) and one status row per config."""
    db.executescript(
        """
        CREATE TABLE rate_limit_configs (
            id INTEGER PRIMARY KEY,
            name TEXT,
            model_pattern TEXT NOT NULL,
            window_minutes INTEGER NOT NULL DEFAULT 1440,
            reset_strategy TEXT NOT NULL,
            token_limit INTEGER,
            request_limit INTEGER,
            reset_anchor_ms INTEGER,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL
        );
        CREATE TABLE rate_limit_status (
            config_id INTEGER PRIMARY KEY REFERENCES rate_limit_configs (id) ON DELETE CASCADE,
            used_tokens INTEGER NOT NULL,
            used_requests INTEGER NOT NULL,
            remaining_tokens INTEGER,
            remaining_requests INTEGER,
            percentage INTEGER NOT NULL,
            status_label TEXT NOT NULL,
            window_start_ms INTEGER NOT NULL,
            next_reset_ms INTEGER,
            last_updated_ms INTEGER NOT NULL
        );
        """
    )


@migration
def m004_meta(db: sqlite3.Connection) -> None:
    """Small key/value facts: the zone daily dates were computed in, the seeding of limit configs."""
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
