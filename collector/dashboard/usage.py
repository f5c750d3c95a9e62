"""`GET /usage`: tokens per period and host, from the live day buckets plus the history.

The history (`snapshots.csv` plus any snapshot not yet folded) and the live buckets since the last
reset are added together: a date can be in both when the reset happened in the middle of that day.
The aggregation functions here are pure, so tests and the benchmark can call them without an app.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..auth import require_key
from ..fold import read_history
from ..http_errors import ApiError
from ..store import current_store
from . import model_view

bp = Blueprint("usage", __name__)

GROUPS = ("day", "week", "month")
FORMATS = ("json", "csv")
BY = ("host", "model")
# Three years and a leap day: enough for any chart, small enough that one request stays cheap.
MAX_DAYS = 3 * 365 + 1
DEFAULT_DAYS = 30
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

Daily = Mapping[str, Mapping[str, int]]


def bad_query(code: str, detail: str) -> ApiError:
    """A query parameter is wrong: 400 with the short `code`."""
    return ApiError(400, code, detail)


@dataclass(frozen=True)
class UsageQuery:
    start: date
    end: date
    group: str = "day"
    fmt: str = "json"
    by: str = "host"  # "model": rows per period, host and model, priced (model_report.py)


def _shown(value: str) -> str:
    """Echo a bad value in an error message, but never a long one."""
    return repr(value if len(value) <= 40 else value[:40] + "...")


def parse_date(name: str, value: str) -> date:
    """A strict `YYYY-MM-DD` (Python alone would also take `20261101` or week dates)."""
    if _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise bad_query("bad_date", f"{name}: expected a date YYYY-MM-DD, got {_shown(value)}")


def parse_query(args: Mapping[str, str], today: date) -> UsageQuery:
    """Validate the query string; `to` defaults to today, `from` to 29 days before `to`.

    :raise ApiError: a date is malformed, `from` is after `to`, the range is longer than
        MAX_DAYS, or `group`/`format` is not one we know.
    """
    group = args.get("group", "day")
    if group not in GROUPS:
        raise bad_query("bad_group", f"group: expected day, week or month, got {_shown(group)}")
    fmt = args.get("format", "json")
    if fmt not in FORMATS:
        raise bad_query("bad_format", f"format: expected json or csv, got {_shown(fmt)}")
    by = args.get("by", "host")
    if by not in BY:
        raise bad_query("bad_by", f"by: expected host or model, got {_shown(by)}")
    end = parse_date("to", args["to"]) if "to" in args else today
    default_start = end - timedelta(DEFAULT_DAYS - 1)
    start = parse_date("from", args["from"]) if "from" in args else default_start
    if start > end:
        raise bad_query("bad_range", f"from ({start}) is after to ({end})")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise bad_query("range_too_long", f"{days} days asked, at most {MAX_DAYS} per request")
    return UsageQuery(start, end, group, fmt, by)


def merge_daily(sources: Iterable[Daily], start: date, end: date) -> dict[str, dict[str, int]]:
    """Add several `{date: {host: tokens}}` maps together, keeping only dates in [start, end]."""
    first, last = start.isoformat(), end.isoformat()
    merged: dict[str, dict[str, int]] = {}
    for source in sources:
        for day, hosts in source.items():
            if not first <= day <= last:  # ISO dates sort as strings
                continue
            into = merged.setdefault(day, {})
            for host, tokens in hosts.items():
                if tokens:
                    into[host] = into.get(host, 0) + tokens
    return merged


def period_of(day: date, group: str) -> str:
    """The label of the period holding `day`: the date, the Monday of its ISO week, or `YYYY-MM`."""
    if group == "week":
        return (day - timedelta(day.weekday())).isoformat()
    if group == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def period_labels(start: date, end: date, group: str) -> dict[str, str]:
    """`{date: period label}` for every date from start to end, in order."""
    labels: dict[str, str] = {}
    day = start
    while day <= end:
        labels[day.isoformat()] = period_of(day, group)
        day += timedelta(1)
    return labels


def periods(start: date, end: date, group: str) -> list[str]:
    """Every period label from start to end, in order, so empty periods show as zero."""
    return list(dict.fromkeys(period_labels(start, end, group).values()))


def build_report(daily: Daily, query: UsageQuery, bucket_timezone: str) -> dict[str, Any]:
    """The JSON answer: a row per period (zeros included); hosts ordered by total, largest first."""
    label_of = period_labels(query.start, query.end, query.group)
    by_period: dict[str, dict[str, int]] = {label: {} for label in label_of.values()}
    totals: dict[str, int] = {}
    for day, hosts in daily.items():
        label = label_of.get(day)
        if label is None:  # not a date of the range (merge_daily compares strings only)
            continue
        row = by_period[label]
        for host, tokens in hosts.items():
            row[host] = row.get(host, 0) + tokens
            totals[host] = totals.get(host, 0) + tokens
    hosts_order = sorted(totals, key=lambda host: (-totals[host], host))
    rows = [
        {
            "period": label,
            "total": sum(row.values()),
            "hosts": {host: row[host] for host in hosts_order if row.get(host)},
        }
        for label, row in by_period.items()
    ]
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "group": query.group,
        "bucket_timezone": bucket_timezone,
        "hosts": hosts_order,
        "rows": rows,
        "totals": {host: totals[host] for host in hosts_order},
        "total": sum(totals.values()),
    }


def to_csv(report: Mapping[str, Any]) -> str:
    """`period,<host>,...`: one line per period, 0 where a host had nothing (like snapshots.csv)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    hosts: list[str] = report["hosts"]
    writer.writerow(["period", *hosts])
    for row in report["rows"]:
        writer.writerow([row["period"], *(row["hosts"].get(host, 0) for host in hosts)])
    return out.getvalue()


@bp.get("/usage")
@require_key
def usage() -> ResponseReturnValue:
    """Validate, then read the history and the live buckets, then answer JSON or CSV."""
    settings = current_app.config["SETTINGS"]
    today = datetime.now(ZoneInfo(settings.bucket_timezone)).date()
    query = parse_query(request.args, today)
    view = current_store().view()
    if query.by == "model":
        labels = period_labels(query.start, query.end, query.group)
        return model_view.model_usage(query.start, query.end, query.group, query.fmt, labels, view)
    sources = [read_history(settings.snap_dir), view.daily_totals]
    daily = merge_daily(sources, query.start, query.end)
    report = build_report(daily, query, view.bucket_timezone)
    if query.fmt == "csv":
        name = f"usage_{report['from']}_{report['to']}_{query.group}.csv"
        response = Response(to_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    else:
        response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response
