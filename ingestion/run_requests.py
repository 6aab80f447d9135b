"""The run-request log: which as-of month each run was for, and when it happened.

What varies from run to run reaches dbt as data (a source over this log), not as
`--vars`: a changed `--vars` makes dbt re-parse the whole project, data does not.
The log is append-only Parquet in the raw store, so a rebuild from the raw store
alone (a fresh warehouse, `make clean`) keeps the horizon that earlier runs asked for:
the warehouse covers every month through the latest as-of month ever requested
(CONTRACT §9), and a run for an older month never narrows it.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

RUN_REQUESTS = "run_requests"
EMPTY_FILE = "requests-00000000T000000000000-00000000.parquet"

SCHEMA = pa.schema(
    [
        pa.field("requested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("as_of", pa.date32()),  # NULL: a build that renders no month (sensor, UI)
        pa.field("run_id", pa.string()),
        pa.field("trigger", pa.string()),
    ]
)


def _write(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")  # hidden: dbt's glob never sees half a file
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def ensure_run_requests(raw_store: Path) -> Path:
    """The folder, with a schema-only file so that dbt's glob always matches."""
    folder = Path(raw_store) / RUN_REQUESTS
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / EMPTY_FILE).exists():
        _write(SCHEMA.empty_table(), folder / EMPTY_FILE)
    return folder


def record_run_request(
    raw_store: Path,
    as_of_months: list[dt.date],
    run_id: str | None,
    trigger: str | None,
    now: dt.datetime | None = None,
) -> Path:
    """Append one row per as-of month of this run (one row with a NULL month if none)."""
    folder = ensure_run_requests(raw_store)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    months = sorted(set(as_of_months)) or [None]
    table = pa.table(
        {
            "requested_at": [now] * len(months),
            "as_of": months,
            "run_id": [run_id] * len(months),
            "trigger": [trigger] * len(months),
        },
        schema=SCHEMA,
    )
    path = folder / f"requests-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.parquet"
    _write(table, path)
    return path
