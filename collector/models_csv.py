"""`snapshots_models.csv`: the usage detail in long format, one row per date, host and model.

`date,host,model,input,output,context,turns`, sorted by date, host, model; an empty `model` cell
is a null model (the page did not say). Written by the same fold as `snapshots.csv` and in the
same two-step commit (see fold.py), so it is idempotent and crash-safe the same way.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from . import usage_buckets
from .errors import CollectorError
from .usage_buckets import UsageDays

MODELS_CSV_NAME = "snapshots_models.csv"
HEADER = ["date", "host", "model", "input", "output", "context", "turns"]


def read_models_csv(path: Path) -> UsageDays:
    """The rows of the long CSV. :raise CollectorError: the file is damaged."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    reader = csv.reader(io.StringIO(text))
    if next(reader, None) != HEADER:
        raise CollectorError(f"{path}: the header must be {','.join(HEADER)}")
    days: UsageDays = {}
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        try:
            day, host, model, *counts = cells
            values = [int(n) for n in counts]
            if len(values) != usage_buckets.WIDTH or min(values) < 0:
                raise ValueError("expected 4 non-negative counts")
        except ValueError as exc:
            raise CollectorError(f"{path} line {number}: {exc}") from exc
        usage_buckets.add_entries(days, day, [(host, model or None, *values)])
    return days


def render_models_csv(days: UsageDays) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for day, host, model, counts in sorted(
        usage_buckets.rows(days), key=lambda r: (r[0], r[1], r[2] or "")
    ):
        writer.writerow([day, host, model or "", *counts])
    return out.getvalue().encode()
