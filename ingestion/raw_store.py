"""The raw store: append-only Parquet batches read by dbt (docs/raw_store.md).

Each batch file is written under a hidden temporary name and renamed into place, so a
glob never sees a half-written file; `report_rows` lands before `inbox_files`, so a
crash between the two leaves rows that dbt ignores and files that are read again.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd

INBOX_FILES = "inbox_files"
REPORT_ROWS = "report_rows"
EMPTY_BATCH_ID = "batch-00000000T000000000000-00000000"

_TIMESTAMP = pa.timestamp("us", tz="UTC")

INBOX_FILES_SCHEMA = pa.schema(
    [
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("file_mtime", _TIMESTAMP, nullable=False),
        pa.field("file_format", pa.string(), nullable=False),
        pa.field("parse_status", pa.string(), nullable=False),
        pa.field("error_code", pa.string()),
        pa.field("error_detail", pa.string()),
        pa.field("duplicate_of", pa.string()),
        pa.field("sheet_name", pa.string()),
        pa.field("encoding", pa.string()),
        pa.field("ingested_at", _TIMESTAMP, nullable=False),
    ]
)

REPORT_ROWS_SCHEMA = pa.schema(
    [
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("sheet_name", pa.string()),
        pa.field("row_number", pa.int64(), nullable=False),
        pa.field("location", pa.string(), nullable=False),
        pa.field("unit_code", pa.string()),
        pa.field("period", pa.date32()),
        pa.field("period_raw", pa.string()),
        pa.field("period_error", pa.string()),
        pa.field("report_date", pa.date32()),
        pa.field("measure_code", pa.string()),
        pa.field("raw_value", pa.string()),
        pa.field("value", pa.int64()),
        pa.field("value_error", pa.string()),
        pa.field("raw_cumulative", pa.string()),
        pa.field("cumulative", pa.int64()),
        pa.field("file_mtime", _TIMESTAMP, nullable=False),
    ]
)

_SCHEMAS = {INBOX_FILES: INBOX_FILES_SCHEMA, REPORT_ROWS: REPORT_ROWS_SCHEMA}


def new_batch_id(now: dt.datetime) -> str:
    """`batch-<UTC yyyymmddTHHMMSSffffff>-<8 hex>`: sorts by time, unique per run."""
    return f"batch-{now.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"


def _batch_path(raw_store: Path, table: str, batch_id: str) -> Path:
    return raw_store / table / f"{batch_id}.parquet"


def _write_atomically(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")  # hidden: neither dbt nor pyarrow globs it
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def ensure_raw_store(raw_store: Path) -> None:
    """Create the folders and the schema-only empty batch (so dbt's globs match)."""
    for table, schema in _SCHEMAS.items():
        path = _batch_path(raw_store, table, EMPTY_BATCH_ID)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(schema.empty_table(), path)


def write_batch(raw_store: Path, batch_id: str, files: pa.Table, rows: pa.Table) -> None:
    _write_atomically(rows, _batch_path(raw_store, REPORT_ROWS, batch_id))
    _write_atomically(files, _batch_path(raw_store, INBOX_FILES, batch_id))


def _read(raw_store: Path, table: str, columns: list[str] | None = None) -> pa.Table:
    folder = raw_store / table
    if not folder.is_dir():
        schema = _SCHEMAS[table]
        return schema.empty_table().select(columns) if columns else schema.empty_table()
    dataset = ds.dataset(folder, format="parquet", schema=_SCHEMAS[table])
    return dataset.to_table(columns=columns)


def read_inbox_log(raw_store: Path) -> pa.Table:
    """What the incremental scan needs from every file observation logged so far."""
    columns = ["batch_id", "file_name", "sha256", "size_bytes", "file_mtime", "parse_status"]
    return _read(raw_store, INBOX_FILES, columns).sort_by("batch_id")


def read_raw_tables(raw_store: Path) -> tuple[pa.Table, pa.Table]:
    """(inbox_files, report_rows) of every complete batch, in write order.

    Rows of a batch whose inbox_files file is missing (a crash) are left out, as dbt
    leaves them out.
    """
    raw_store = Path(raw_store)
    files = _read(raw_store, INBOX_FILES).sort_by("batch_id")
    logged = pa.array(set(files.column("batch_id").to_pylist()), pa.string())
    rows = _read(raw_store, REPORT_ROWS).filter(ds.field("batch_id").isin(logged))
    order = [("batch_id", "ascending"), ("file_name", "ascending"), ("row_number", "ascending")]
    return files, rows.sort_by(order)


def read_raw_store(raw_store: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """read_raw_tables as DataFrames (nullable integers stay integers), for debugging."""
    import pandas as pd  # only this helper needs pandas

    files, rows = read_raw_tables(raw_store)
    integers = {pa.int64(): pd.Int64Dtype()}.get
    return files.to_pandas(types_mapper=integers), rows.to_pandas(types_mapper=integers)
